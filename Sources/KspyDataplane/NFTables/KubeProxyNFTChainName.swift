/// kube-proxy nftables-mode chain names (dataplanes.md §2.3; kubernetes
/// `pkg/proxy/nftables/proxier.go` `hashAndTruncate`): `<prefix>-<H>-<base>` where `H`
/// is the first 8 characters of base32(SHA-256(`base`)). Service chains carry
/// `base` = `ns/svc/proto/portName` (port name empty for unnamed ports), endpoint chains
/// `ns/svc/proto/portName__epIP/epPort` (IPv6 `:` written as `.`). Only these chains
/// contain `/`.
public struct KubeProxyNFTChainName: Hashable, Sendable {
    /// The per-service chain prefixes (and `endpoint`).
    public static let prefixes = ["service", "local", "external", "firewall", "endpoint"]

    /// `service`, `local`, `external`, `firewall` or `endpoint`.
    public var prefix: String
    /// The 8-character hash as written.
    public var hash: String
    /// The hashed name (`ns/svc/proto/portName[__ip/port]`).
    public var base: String
    public var namespace: String
    public var service: String
    public var `protocol`: String
    /// The port name, "" for an unnamed port.
    public var portName: String
    /// `ip/port` of an endpoint chain (as written, IPv6 with `.`), nil for service chains.
    public var endpoint: String?

    /// Parses a chain name; nil when it is not a kube-proxy per-service chain.
    public init?(_ chain: String) {
        guard chain.contains("/") else { return nil }
        guard let dash = chain.firstIndex(of: "-") else { return nil }
        let prefix = String(chain[..<dash])
        guard Self.prefixes.contains(prefix) else { return nil }
        let rest = chain[chain.index(after: dash)...]
        guard let dash2 = rest.firstIndex(of: "-") else { return nil }
        let hash = String(rest[..<dash2])
        let base = String(rest[rest.index(after: dash2)...])
        var service = base
        var endpoint: String?
        if prefix == "endpoint" {
            guard let r = base.range(of: "__") else { return nil }
            service = String(base[..<r.lowerBound])
            endpoint = String(base[r.upperBound...])
        }
        let parts = service.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 4, !parts[0].isEmpty, !parts[1].isEmpty, !parts[2].isEmpty else { return nil }
        self.prefix = prefix
        self.hash = hash
        self.base = base
        self.namespace = String(parts[0])
        self.service = String(parts[1])
        self.protocol = String(parts[2])
        self.portName = String(parts[3])
        self.endpoint = endpoint
    }

    /// `ns/svc:portName`, or `ns/svc` for an unnamed port (kube-proxy's `ServicePortName.String()`).
    public var servicePortName: String {
        portName.isEmpty ? "\(namespace)/\(service)" : "\(namespace)/\(service):\(portName)"
    }

    /// True when `hash` is the hash of `base`.
    public var hashMatches: Bool { Self.hash(base) == hash }

    /// The first 8 characters of base32(SHA-256(`name`)).
    public static func hash(_ name: String) -> String {
        String(KubeProxyChainName.base32(SHA256.hash(Array(name.utf8))).prefix(8))
    }

    /// `hashAndTruncate`: `<hash>-<name>` (names over 240 characters are cut with `...`).
    public static func hashAndTruncate(_ name: String) -> String {
        var full = hash(name) + "-" + name
        if full.count > 240 { full = String(full.prefix(237)) + "..." }
        return full
    }

    /// `<prefix>-<hash>-ns/svc/proto/portName`.
    public static func serviceChain(
        prefix: String = "service", namespace: String, service: String, protocol: String, portName: String
    ) -> String {
        prefix + "-" + hashAndTruncate("\(namespace)/\(service)/\(`protocol`)/\(portName)")
    }

    /// `endpoint-<hash>-ns/svc/proto/portName__ip/port`.
    public static func endpointChain(
        namespace: String, service: String, protocol: String, portName: String, ip: String, port: Int
    ) -> String {
        let ep = String(ip.map { $0 == ":" ? "." : $0 })
        return "endpoint-" + hashAndTruncate("\(namespace)/\(service)/\(`protocol`)/\(portName)__\(ep)/\(port)")
    }
}
