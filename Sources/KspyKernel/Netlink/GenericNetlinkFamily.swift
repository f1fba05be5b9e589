/// A generic netlink family as the controller ("nlctrl") describes it: the id to put
/// in `nlmsg_type` of its requests, its version and sizes. Looked up by name with
/// CTRL_CMD_GETFAMILY (linux/genetlink.h); ids are assigned at registration, so they
/// differ between kernels and boots (IPVS got 32 on the recorded Debian 6.1 kernel).
public struct GenericNetlinkFamily: Equatable, Sendable {
    /// CTRL_ATTR_FAMILY_ID: the `nlmsg_type` of the family's messages.
    public var id: UInt16
    /// CTRL_ATTR_FAMILY_NAME, e.g. "IPVS".
    public var name: String
    /// CTRL_ATTR_VERSION: the family's interface version.
    public var version: UInt32
    /// CTRL_ATTR_HDRSIZE: bytes of family header after `genlmsghdr` (0 for most).
    public var headerSize: UInt32
    /// CTRL_ATTR_MAXATTR: the highest attribute type the family accepts.
    public var maxAttribute: UInt32

    /// Creates a description.
    public init(id: UInt16, name: String, version: UInt32, headerSize: UInt32, maxAttribute: UInt32) {
        self.id = id
        self.name = name
        self.version = version
        self.headerSize = headerSize
        self.maxAttribute = maxAttribute
    }

    /// The CTRL_CMD_GETFAMILY request for `name` (nlmsg_type GENL_ID_CTRL, flags
    /// NLM_F_REQUEST | NLM_F_ACK, genl version 1, one CTRL_ATTR_FAMILY_NAME) with
    /// `sequence` and port id 0 — byte for byte what libnl's genl_ctrl_resolve sends.
    /// - Throws: `NetlinkError.invalidArgument` unless the name has 1…15 bytes and no NUL.
    public static func lookupRequest(name: String, sequence: UInt32 = 0) throws(NetlinkError) -> NetlinkMessage {
        let utf8 = Array(name.utf8)
        guard !utf8.isEmpty, utf8.count < GenericNetlinkConstants.GENL_NAMSIZ, !utf8.contains(0) else {
            throw .invalidArgument("generic netlink family name \(name.debugDescription)")
        }
        var attributes = NetlinkAttributeEncoder()
        try attributes.append(GenericNetlinkConstants.CTRL_ATTR_FAMILY_NAME, string: name)
        var message = NetlinkMessage.genericNetlink(
            family: GenericNetlinkConstants.GENL_ID_CTRL, command: GenericNetlinkConstants.CTRL_CMD_GETFAMILY,
            version: GenericNetlinkConstants.CTRL_VERSION,
            flags: NetlinkConstants.NLM_F_REQUEST | NetlinkConstants.NLM_F_ACK, attributes: attributes)
        message.sequence = sequence
        return message
    }

    /// Decodes the reply to `lookupRequest`: the CTRL_CMD_NEWFAMILY message among
    /// `reply`'s messages (the ACK and any NLMSG_DONE are skipped).
    /// - Throws: `NetlinkError.kernel` when the reply is an error (ENOENT: no such
    ///   family), `.malformed` when it has no NEWFAMILY message, no family id, or
    ///   badly sized attributes.
    public static func parse(reply: [UInt8]) throws(NetlinkError) -> GenericNetlinkFamily {
        for message in try NetlinkMessage.parseAll(reply) {
            switch message.type {
            case NetlinkConstants.NLMSG_ERROR:
                let status = try NetlinkSocket.errorStatus(of: message)
                if status.error != 0 {
                    throw .kernel(errno: -status.error, request: "CTRL_CMD_GETFAMILY", message: status.message)
                }
            case GenericNetlinkConstants.GENL_ID_CTRL:
                let header = try message.genericHeader()
                guard header.command == GenericNetlinkConstants.CTRL_CMD_NEWFAMILY else {
                    throw .malformed("controller reply with command \(header.command), expected CTRL_CMD_NEWFAMILY")
                }
                let attributes = try message.attributes(afterHeaderOfSize: GenericNetlinkConstants.GENL_HDRLEN)
                guard let id = try attributes.attribute(GenericNetlinkConstants.CTRL_ATTR_FAMILY_ID)?.u16() else {
                    throw .malformed("CTRL_CMD_NEWFAMILY without CTRL_ATTR_FAMILY_ID")
                }
                return GenericNetlinkFamily(
                    id: id, name: attributes.attribute(GenericNetlinkConstants.CTRL_ATTR_FAMILY_NAME)?.string ?? "",
                    version: try attributes.attribute(GenericNetlinkConstants.CTRL_ATTR_VERSION)?.u32() ?? 0,
                    headerSize: try attributes.attribute(GenericNetlinkConstants.CTRL_ATTR_HDRSIZE)?.u32() ?? 0,
                    maxAttribute: try attributes.attribute(GenericNetlinkConstants.CTRL_ATTR_MAXATTR)?.u32() ?? 0)
            default:
                continue
            }
        }
        throw .malformed("controller reply without CTRL_CMD_NEWFAMILY")
    }
}

extension GenericNetlinkTransport {
    /// Looks up the generic netlink family `name` (CTRL_CMD_GETFAMILY).
    /// - Throws: `NetlinkError.kernel` with ENOENT when the kernel has no such family
    ///   (e.g. the module providing it is not built or cannot be loaded).
    public func resolveFamily(named name: String) throws(NetlinkError) -> GenericNetlinkFamily {
        let reply = try exchange(
            try GenericNetlinkFamily.lookupRequest(name: name),
            description: "look up generic netlink family \(name) (CTRL_CMD_GETFAMILY)")
        return try GenericNetlinkFamily.parse(reply: reply)
    }
}
