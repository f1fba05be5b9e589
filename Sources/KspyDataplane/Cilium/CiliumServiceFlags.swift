/// The `flags` (low byte) and `flags2` (high byte) of a `lb4_service`/`lb6_service`,
/// combined into one 16-bit set the way Cilium's Go mirror (`ServiceFlags`) does
/// (dataplanes.md §4.2; Cilium `bpf/lib/common.h` SVC_FLAG_*).
public struct CiliumServiceFlags: OptionSet, Hashable, Sendable {
    public let rawValue: UInt16

    public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// Combines the two bytes as stored.
    public init(flags: UInt8, flags2: UInt8) { rawValue = UInt16(flags) | UInt16(flags2) << 8 }

    /// The `flags` byte.
    public var flags: UInt8 { UInt8(truncatingIfNeeded: rawValue) }
    /// The `flags2` byte.
    public var flags2: UInt8 { UInt8(rawValue >> 8) }

    // flags
    /// SVC_FLAG_EXTERNAL_IP: an externalIPs frontend.
    public static let externalIP = CiliumServiceFlags(rawValue: 1 << 0)
    /// SVC_FLAG_NODEPORT: a NodePort frontend.
    public static let nodePort = CiliumServiceFlags(rawValue: 1 << 1)
    /// SVC_FLAG_EXT_LOCAL_SCOPE: externalTrafficPolicy=Local.
    public static let externalLocalScope = CiliumServiceFlags(rawValue: 1 << 2)
    /// SVC_FLAG_HOSTPORT: a hostPort frontend.
    public static let hostPort = CiliumServiceFlags(rawValue: 1 << 3)
    /// SVC_FLAG_AFFINITY: sessionAffinity ClientIP.
    public static let sessionAffinity = CiliumServiceFlags(rawValue: 1 << 4)
    /// SVC_FLAG_LOADBALANCER: a LoadBalancer ingress frontend.
    public static let loadBalancer = CiliumServiceFlags(rawValue: 1 << 5)
    /// SVC_FLAG_ROUTABLE: reachable from outside the cluster (not a surrogate or
    /// non-external ClusterIP entry).
    public static let routable = CiliumServiceFlags(rawValue: 1 << 6)
    /// SVC_FLAG_SOURCE_RANGE: loadBalancerSourceRanges apply.
    public static let sourceRange = CiliumServiceFlags(rawValue: 1 << 7)

    // flags2
    /// SVC_FLAG_LOCALREDIRECT: a CiliumLocalRedirectPolicy frontend.
    public static let localRedirect = CiliumServiceFlags(rawValue: 1 << 8)
    /// SVC_FLAG_NAT_46X64: the backends are of the other address family.
    public static let nat46x64 = CiliumServiceFlags(rawValue: 1 << 9)
    /// SVC_FLAG_L7_LOADBALANCER: traffic goes to the L7 proxy; the master's first word
    /// is the proxy port.
    public static let l7LoadBalancer = CiliumServiceFlags(rawValue: 1 << 10)
    /// SVC_FLAG_LOOPBACK (hostPort on a loopback address) / SVC_FLAG_L7_DELEGATE.
    public static let loopback = CiliumServiceFlags(rawValue: 1 << 11)
    /// SVC_FLAG_INT_LOCAL_SCOPE: internalTrafficPolicy=Local.
    public static let internalLocalScope = CiliumServiceFlags(rawValue: 1 << 12)
    /// SVC_FLAG_TWO_SCOPES: the frontend has an external (scope 0) and an internal
    /// (scope 1) master entry with different backend sets.
    public static let twoScopes = CiliumServiceFlags(rawValue: 1 << 13)
    /// On a slot: SVC_FLAG_QUARANTINED; on a master: SVC_FLAG_SOURCE_RANGE_DENY
    /// (the source ranges are a deny list).
    public static let quarantinedOrSourceRangeDeny = CiliumServiceFlags(rawValue: 1 << 14)
    /// SVC_FLAG_FWD_MODE_DSR: direct server return for this service.
    public static let dsr = CiliumServiceFlags(rawValue: 1 << 15)

    /// The frontend kind, in the precedence Cilium's `ServiceFlags.SVCType` uses:
    /// ExternalIP, NodePort, LoadBalancer, then HostPort (reported as `nodePort`, the
    /// closest kind: a node address and port) and local-redirect and plain entries
    /// (`clusterIP`).
    public var kind: ServiceKind {
        if contains(.externalIP) { return .externalIP }
        if contains(.nodePort) { return .nodePort }
        if contains(.loadBalancer) { return .loadBalancer }
        if contains(.hostPort) { return .nodePort }
        return .clusterIP
    }

    /// True when `kind` is HostPort (which `ServiceKind` has no case for).
    public var isHostPort: Bool {
        !contains(.externalIP) && !contains(.nodePort) && !contains(.loadBalancer) && contains(.hostPort)
    }
}
