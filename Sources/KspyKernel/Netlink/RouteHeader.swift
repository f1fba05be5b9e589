/// `struct rtmsg` (rtnetlink(7), linux/rtnetlink.h), the 12-byte header of
/// RTM_NEWROUTE / RTM_DELROUTE / RTM_GETROUTE messages.
public struct RouteHeader: Equatable, Sendable {
    /// Size of `struct rtmsg`.
    public static let size = 12

    /// `rtm_family`: AF_INET or AF_INET6.
    public var family: UInt8
    /// `rtm_dst_len`: prefix length of the destination (0 for the default route).
    public var destinationLength: UInt8
    /// `rtm_src_len`: prefix length of the source.
    public var sourceLength: UInt8
    /// `rtm_tos`: TOS filter.
    public var tos: UInt8
    /// `rtm_table`: routing table id (RTA_TABLE carries ids above 255).
    public var table: UInt8
    /// `rtm_protocol`: RTPROT_* origin of the route.
    public var routeProtocol: UInt8
    /// `rtm_scope`: RT_SCOPE_* distance to the destination.
    public var scope: UInt8
    /// `rtm_type`: RTN_* route type (RTN_UNICAST, RTN_LOCAL …).
    public var type: UInt8
    /// `rtm_flags`: RTM_F_* flags.
    public var flags: UInt32

    /// Creates a header.
    public init(
        family: UInt8, destinationLength: UInt8 = 0, sourceLength: UInt8 = 0, tos: UInt8 = 0, table: UInt8 = 0,
        routeProtocol: UInt8 = 0, scope: UInt8 = 0, type: UInt8 = 0, flags: UInt32 = 0
    ) {
        self.family = family
        self.destinationLength = destinationLength
        self.sourceLength = sourceLength
        self.tos = tos
        self.table = table
        self.routeProtocol = routeProtocol
        self.scope = scope
        self.type = type
        self.flags = flags
    }

    /// Parses the header at the start of a message payload.
    /// - Throws: `NetlinkError.malformed` when fewer than 12 bytes are given.
    public init<C: Collection<UInt8>>(parsing bytes: C) throws(NetlinkError) where C.Index == Int {
        guard bytes.count >= RouteHeader.size, let flags = NetlinkBytes.load(UInt32.self, from: bytes, at: 8) else {
            throw .malformed("rtmsg needs 12 bytes, got \(bytes.count)")
        }
        let s = bytes.startIndex
        self.init(
            family: bytes[s], destinationLength: bytes[s + 1], sourceLength: bytes[s + 2], tos: bytes[s + 3],
            table: bytes[s + 4], routeProtocol: bytes[s + 5], scope: bytes[s + 6], type: bytes[s + 7], flags: flags)
    }

    /// The 12 bytes as the kernel reads them.
    public func encoded() -> [UInt8] {
        var bytes: [UInt8] = [family, destinationLength, sourceLength, tos, table, routeProtocol, scope, type]
        NetlinkBytes.append(flags, to: &bytes)
        return bytes
    }
}
