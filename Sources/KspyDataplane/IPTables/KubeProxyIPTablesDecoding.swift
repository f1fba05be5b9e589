/// What `KubeProxyIPTablesDecoder` found: the service frontends, the chain path of each
/// (same order), per-service chains nothing reaches, and the masquerade mark.
public struct KubeProxyIPTablesDecoding: Sendable {
    /// One per (VIP, port, protocol, kind), in `KUBE-SERVICES` order, then NodePorts, then
    /// frontends known only from the filter table (no endpoints).
    public var frontends: [ServiceFrontend]
    /// `chainPaths[i]` is the path of `frontends[i]`.
    public var chainPaths: [NatChainPath]
    /// kube-proxy-owned nat chains (`KUBE-SVC-`/`SVL-`/`EXT-`/`FW-`/`SEP-`/`XLB-`) that no
    /// frontend reaches: left over from a service that is gone, or a partial sync.
    public var staleChains: [String]
    /// The bits `KUBE-MARK-MASQ` sets (kube-proxy's default is bit 14, `0x4000`), nil when
    /// the chain is missing or does not set a mark.
    public var masqueradeMark: UInt32?

    public init(
        frontends: [ServiceFrontend], chainPaths: [NatChainPath], staleChains: [String], masqueradeMark: UInt32?
    ) {
        self.frontends = frontends
        self.chainPaths = chainPaths
        self.staleChains = staleChains
        self.masqueradeMark = masqueradeMark
    }
}
