/// The address family of a set of iptables tables: `iptables` (IPv4) or `ip6tables`
/// (IPv6). kube-proxy on a dual-stack node writes both, each its own tables (in
/// nf_tables: the `ip` and `ip6` families; in x_tables: `ip_tables` and `ip6_tables`).
public enum IPTablesFamily: String, Codable, Hashable, Sendable, CaseIterable {
    case ipv4
    case ipv6

    /// The nf_tables family iptables-nft keeps this family's tables in (NFPROTO_IPV4 2,
    /// NFPROTO_IPV6 10).
    var nfproto: UInt16 { self == .ipv4 ? 2 : 10 }

    /// The command's name: `iptables` or `ip6tables`.
    public var command: String { self == .ipv4 ? "iptables" : "ip6tables" }

    /// Bytes of an address.
    var addressLength: Int { self == .ipv4 ? 4 : 16 }
}
