/// An IP address assigned to an interface, as an RTM_NEWADDR message describes it
/// (rtnetlink(7)): the `ifaddrmsg` header and IFA_* attributes of linux/if_addr.h.
public struct InterfaceAddress: Equatable, Sendable {
    /// `ifa_index`: the interface the address is on.
    public var linkIndex: Int32
    /// `ifa_family`.
    public var family: AddressFamily
    /// The local address: IFA_LOCAL when present (IPv4), else IFA_ADDRESS (IPv6, where
    /// IFA_ADDRESS is the local address).
    public var address: String
    /// `ifa_prefixlen`.
    public var prefixLength: Int
    /// IFA_ADDRESS when it differs from the local address: the peer of a point-to-point link.
    public var peer: String?
    /// IFA_BROADCAST (IPv4).
    public var broadcast: String?
    /// IFA_LABEL (IPv4), e.g. "eth0" or "eth0:1".
    public var label: String?
    /// `ifa_scope`: RT_SCOPE_* (0 global, 253 link, 254 host).
    public var scope: UInt8
    /// IFA_FLAGS, or `ifa_flags` when absent: IFA_F_* (permanent, tentative …).
    public var flags: UInt32

    /// "address/prefix", e.g. "10.99.0.2/24".
    public var cidr: String { "\(address)/\(prefixLength)" }

    /// Creates an address description from its fields.
    public init(
        linkIndex: Int32, family: AddressFamily, address: String, prefixLength: Int, peer: String? = nil,
        broadcast: String? = nil, label: String? = nil, scope: UInt8 = 0, flags: UInt32 = 0
    ) {
        self.linkIndex = linkIndex
        self.family = family
        self.address = address
        self.prefixLength = prefixLength
        self.peer = peer
        self.broadcast = broadcast
        self.label = label
        self.scope = scope
        self.flags = flags
    }

    /// Parses an RTM_NEWADDR message. Returns nil for families other than IPv4/IPv6 or
    /// when the message has no address.
    /// - Throws: `NetlinkError.malformed` for a short header, a malformed attribute or
    ///   an address of the wrong length.
    public init?(message: NetlinkMessage) throws(NetlinkError) {
        guard message.type == NetlinkConstants.RTM_NEWADDR else {
            throw .malformed("expected RTM_NEWADDR, got message type \(message.type)")
        }
        let header = try InterfaceAddressHeader(parsing: message.payload)
        guard let family = AddressFamily(rawValue: header.family) else { return nil }
        let attributes = try message.attributes(afterHeaderOfSize: InterfaceAddressHeader.size)
        func address(_ type: UInt16) throws(NetlinkError) -> String? {
            guard let attribute = attributes.attribute(type) else { return nil }
            guard let text = family.format(attribute.payload) else {
                throw .malformed("address attribute \(type) of \(attribute.payload.count) bytes for \(family)")
            }
            return text
        }
        let remote = try address(NetlinkConstants.IFA_ADDRESS)
        guard let local = try address(NetlinkConstants.IFA_LOCAL) ?? remote else { return nil }
        self.init(
            linkIndex: Int32(bitPattern: header.index), family: family, address: local,
            prefixLength: Int(header.prefixLength), peer: remote == local ? nil : remote,
            broadcast: try address(NetlinkConstants.IFA_BROADCAST),
            label: attributes.attribute(NetlinkConstants.IFA_LABEL)?.string, scope: header.scope,
            flags: try attributes.attribute(NetlinkConstants.IFA_FLAGS)?.u32() ?? UInt32(header.flags))
    }
}
