/// A pod's IPs and whether it shares the host's network namespace: the part of its
/// network `kspy pods` and the pod-IP index need.
public struct PodAddresses: Hashable, Sendable {
    /// True for a host-network pod (then `ips` is empty: its addresses are the node's).
    public var hostNetwork: Bool
    /// The pod's global-scope addresses.
    public var ips: [String]

    /// Creates addresses from their fields.
    public init(hostNetwork: Bool, ips: [String]) {
        self.hostNetwork = hostNetwork
        self.ips = ips
    }
}
