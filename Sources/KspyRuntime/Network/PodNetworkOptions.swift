import KspyKernel

/// The "node network" of test pods, as the CNI bridge plugin with host-local IPAM
/// builds it: a bridge in the host's network namespace holding the gateway address of
/// a pod CIDR, and one veth pair per pod.
public struct PodNetworkOptions: Codable, Equatable, Sendable {
    /// Bridge name (default `kspy0`).
    public var bridge: String
    /// Pod CIDR (default `10.244.0.0/24`); the first host address is the gateway.
    public var cidr: String

    /// The defaults: `kspy0`, `10.244.0.0/24`.
    public init(bridge: String = "kspy0", cidr: String = "10.244.0.0/24") {
        self.bridge = bridge
        self.cidr = cidr
    }

    /// The parsed CIDR, normalised to its network address.
    public func network() throws -> IPv4Network {
        guard let parsed = IPv4Network(cidr), parsed.prefixLength <= 30 else {
            throw RuntimeError.unsupported(field: "--pod-cidr", reason: "\"\(cidr)\" is not an IPv4 CIDR of /30 or larger")
        }
        return parsed
    }

    /// The gateway: the first host address of the CIDR, held by the bridge.
    public func gateway() throws -> IPv4Address {
        guard let first = try network().host(1) else {
            throw RuntimeError.unsupported(field: "--pod-cidr", reason: "\"\(cidr)\" has no host addresses")
        }
        return first
    }

    /// Checks the bridge name is a valid interface name (IFNAMSIZ: at most 15 bytes).
    public func validate() throws {
        _ = try gateway()
        if bridge.isEmpty || bridge.utf8.count > 15 || bridge.contains("/") || bridge.contains(" ") {
            throw RuntimeError.unsupported(field: "--bridge", reason: "\"\(bridge)\" is not a valid interface name (1-15 characters, no / or space)")
        }
    }
}
