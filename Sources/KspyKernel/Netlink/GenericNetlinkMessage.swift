/// `struct genlmsghdr` (linux/genetlink.h): the 4-byte header every generic netlink
/// message carries after its `nlmsghdr` — command, version, 16 reserved bits.
public struct GenericNetlinkHeader: Equatable, Sendable {
    /// `cmd`: the family-specific command, e.g. CTRL_CMD_GETFAMILY.
    public var command: UInt8
    /// `version`: the family's interface version.
    public var version: UInt8

    /// Creates a header.
    public init(command: UInt8, version: UInt8) {
        self.command = command
        self.version = version
    }

    /// The 4 bytes on the wire (reserved bytes zero).
    public var bytes: [UInt8] { [command, version, 0, 0] }
}

extension NetlinkMessage {
    /// A generic netlink message of `family` (its id, the `nlmsg_type`): the genl header
    /// followed by `attributes`. `flags` are used as given (e.g. NLM_F_REQUEST |
    /// NLM_F_ACK, or NLM_F_REQUEST | NLM_F_DUMP); the transport sets the sequence number.
    public static func genericNetlink(
        family: UInt16, command: UInt8, version: UInt8, flags: UInt16,
        attributes: NetlinkAttributeEncoder = NetlinkAttributeEncoder()
    ) -> NetlinkMessage {
        NetlinkMessage(
            type: family, flags: flags, header: GenericNetlinkHeader(command: command, version: version).bytes,
            attributes: attributes)
    }

    /// The genl header at the start of the payload.
    /// - Throws: `NetlinkError.malformed` when the payload is shorter than 4 bytes.
    public func genericHeader() throws(NetlinkError) -> GenericNetlinkHeader {
        guard payload.count >= GenericNetlinkConstants.GENL_HDRLEN else {
            throw .malformed("generic netlink message type \(type): payload of \(payload.count) bytes, header needs 4")
        }
        return GenericNetlinkHeader(command: payload[0], version: payload[1])
    }
}
