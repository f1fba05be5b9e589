/// One network interface inside a pod's network namespace, with the host side of its
/// veth pair when there is one.
public struct PodInterface: Codable, Hashable, Sendable {
    /// Interface name inside the pod (`eth0`).
    public var name: String
    /// Interface index inside the pod's namespace.
    public var index: Int32
    /// Link kind (`veth`, `bridge`, …) when the kernel reports one.
    public var kind: String?
    /// MAC address.
    public var mac: String?
    /// True when administratively up.
    public var isUp: Bool
    /// Addresses in CIDR form.
    public var addresses: [String]
    /// The host-side veth: the peer link, found in the namespace the pod's netns knows
    /// by the link's netnsid (IFLA_LINK_NETNSID) at the peer ifindex (IFLA_LINK).
    public var hostVeth: String?
    /// The bridge the host-side veth is attached to (its master).
    public var bridge: String?

    /// Creates an interface from its fields.
    public init(
        name: String, index: Int32, kind: String?, mac: String?, isUp: Bool, addresses: [String],
        hostVeth: String?, bridge: String?
    ) {
        self.name = name
        self.index = index
        self.kind = kind
        self.mac = mac
        self.isUp = isUp
        self.addresses = addresses
        self.hostVeth = hostVeth
        self.bridge = bridge
    }

    /// Encodes every key, nil as null.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(index, forKey: .index)
        try c.encode(kind, forKey: .kind)
        try c.encode(mac, forKey: .mac)
        try c.encode(isUp, forKey: .isUp)
        try c.encode(addresses, forKey: .addresses)
        try c.encode(hostVeth, forKey: .hostVeth)
        try c.encode(bridge, forKey: .bridge)
    }
}
