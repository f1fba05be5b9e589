/// Which service dataplane a frontend was read from (dataplanes.md §0).
public enum DataplaneMode: String, Codable, Hashable, Sendable, CaseIterable {
    /// kube-proxy iptables mode (nf_tables-backed iptables-nft, or legacy x_tables).
    case iptables
    /// kube-proxy nftables mode (`ip kube-proxy` / `ip6 kube-proxy` tables).
    case nftables
    /// kube-proxy IPVS mode.
    case ipvs
    /// Cilium's eBPF service maps.
    case cilium
}
