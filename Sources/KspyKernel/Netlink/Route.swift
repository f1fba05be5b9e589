/// A route as an RTM_NEWROUTE message describes it (rtnetlink(7)): the `rtmsg` header
/// and RTA_* attributes of linux/rtnetlink.h.
public struct Route: Equatable, Sendable {
    /// `rtm_family`.
    public var family: AddressFamily
    /// RTA_DST; nil for the default route (prefix length 0).
    public var destination: String?
    /// `rtm_dst_len`.
    public var prefixLength: Int
    /// RTA_GATEWAY: the next hop; nil for a directly connected route.
    public var gateway: String?
    /// RTA_OIF: the output interface index.
    public var outputLinkIndex: Int32?
    /// RTA_TABLE, or `rtm_table` when absent (254 = main).
    public var table: UInt32
    /// `rtm_protocol`: RTPROT_* (2 kernel, 3 boot/admin, 4 static …).
    public var routeProtocol: UInt8
    /// `rtm_scope`: RT_SCOPE_* (0 universe, 253 link, 254 host).
    public var scope: UInt8
    /// `rtm_type`: RTN_* (1 unicast, 2 local, 3 broadcast …).
    public var type: UInt8
    /// RTA_PRIORITY: the metric.
    public var priority: UInt32?
    /// RTA_PREFSRC: the preferred source address.
    public var preferredSource: String?

    /// True for a default route (prefix length 0, no destination).
    public var isDefault: Bool { prefixLength == 0 }

    /// Creates a route description from its fields.
    public init(
        family: AddressFamily, destination: String?, prefixLength: Int, gateway: String? = nil,
        outputLinkIndex: Int32? = nil, table: UInt32 = NetlinkConstants.RT_TABLE_MAIN,
        routeProtocol: UInt8 = 0, scope: UInt8 = 0, type: UInt8 = NetlinkConstants.RTN_UNICAST,
        priority: UInt32? = nil, preferredSource: String? = nil
    ) {
        self.family = family
        self.destination = destination
        self.prefixLength = prefixLength
        self.gateway = gateway
        self.outputLinkIndex = outputLinkIndex
        self.table = table
        self.routeProtocol = routeProtocol
        self.scope = scope
        self.type = type
        self.priority = priority
        self.preferredSource = preferredSource
    }

    /// Parses an RTM_NEWROUTE message. Returns nil for families other than IPv4/IPv6.
    /// Multipath routes (RTA_MULTIPATH) are reported without gateway and interface.
    /// - Throws: `NetlinkError.malformed` for a short header, a malformed attribute or
    ///   an address of the wrong length.
    public init?(message: NetlinkMessage) throws(NetlinkError) {
        guard message.type == NetlinkConstants.RTM_NEWROUTE else {
            throw .malformed("expected RTM_NEWROUTE, got message type \(message.type)")
        }
        let header = try RouteHeader(parsing: message.payload)
        guard let family = AddressFamily(rawValue: header.family) else { return nil }
        let attributes = try message.attributes(afterHeaderOfSize: RouteHeader.size)
        func address(_ type: UInt16) throws(NetlinkError) -> String? {
            guard let attribute = attributes.attribute(type) else { return nil }
            guard let text = family.format(attribute.payload) else {
                throw .malformed("route attribute \(type) of \(attribute.payload.count) bytes for \(family)")
            }
            return text
        }
        self.init(
            family: family, destination: try address(NetlinkConstants.RTA_DST),
            prefixLength: Int(header.destinationLength), gateway: try address(NetlinkConstants.RTA_GATEWAY),
            outputLinkIndex: try attributes.attribute(NetlinkConstants.RTA_OIF)?.s32(),
            table: try attributes.attribute(NetlinkConstants.RTA_TABLE)?.u32() ?? UInt32(header.table),
            routeProtocol: header.routeProtocol, scope: header.scope, type: header.type,
            priority: try attributes.attribute(NetlinkConstants.RTA_PRIORITY)?.u32(),
            preferredSource: try address(NetlinkConstants.RTA_PREFSRC))
    }
}
