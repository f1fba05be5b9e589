/// One netlink message: the fields of `struct nlmsghdr` (netlink(7), linux/netlink.h)
/// and the payload after it. `nlmsg_len` is not stored: it is computed when encoding
/// and checked when parsing.
public struct NetlinkMessage: Equatable, Sendable {
    /// `nlmsg_type`: a control type (NLMSG_ERROR, NLMSG_DONE …) or e.g. RTM_NEWLINK.
    public var type: UInt16
    /// `nlmsg_flags`: NLM_F_* flags.
    public var flags: UInt16
    /// `nlmsg_seq`: sequence number; the kernel copies it into its replies.
    public var sequence: UInt32
    /// `nlmsg_pid`: port id of the sender (0 for the kernel).
    public var portID: UInt32
    /// The bytes after the header (without the padding after the last attribute).
    public var payload: [UInt8]

    /// Creates a message; `sequence` and `portID` are normally set by `NetlinkSocket`.
    public init(type: UInt16, flags: UInt16 = 0, sequence: UInt32 = 0, portID: UInt32 = 0, payload: [UInt8] = []) {
        self.type = type
        self.flags = flags
        self.sequence = sequence
        self.portID = portID
        self.payload = payload
    }

    /// Creates a message whose payload is a fixed family header (e.g. `ifinfomsg`)
    /// followed by the attributes of `attributes`, the layout every rtnetlink message has.
    public init(type: UInt16, flags: UInt16 = 0, header: [UInt8], attributes: NetlinkAttributeEncoder) {
        var payload = header
        NetlinkBytes.pad(&payload)
        payload.append(contentsOf: attributes.bytes)
        self.init(type: type, flags: flags, payload: payload)
    }

    /// True when `flags` contains all of `flag`.
    public func has(flag: UInt16) -> Bool { flags & flag == flag }

    /// The message as sent on the wire: a 16-byte `nlmsghdr` (`nlmsg_len` = 16 + payload
    /// size) and the payload, padded to 4 bytes.
    /// - Throws: `NetlinkError.invalidArgument` when the message exceeds `UInt32.max` bytes.
    public func encoded() throws(NetlinkError) -> [UInt8] {
        let length = NetlinkConstants.NLMSG_HDRLEN + payload.count
        guard length <= Int(UInt32.max) else {
            throw .invalidArgument("netlink message of \(length) bytes")
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(NetlinkBytes.align(length))
        NetlinkBytes.append(UInt32(length), to: &bytes)
        NetlinkBytes.append(type, to: &bytes)
        NetlinkBytes.append(flags, to: &bytes)
        NetlinkBytes.append(sequence, to: &bytes)
        NetlinkBytes.append(portID, to: &bytes)
        bytes.append(contentsOf: payload)
        NetlinkBytes.pad(&bytes)
        return bytes
    }

    /// Splits a datagram received from a netlink socket into its messages (NLMSG_OK /
    /// NLMSG_NEXT of netlink(3): each starts at a 4-byte boundary and its `nlmsg_len`
    /// counts header and payload). Up to 3 trailing bytes of padding are ignored.
    /// - Throws: `NetlinkError.malformed` when a header is cut off, `nlmsg_len` is below
    ///   16, or a message is longer than the bytes that remain (never traps).
    public static func parseAll<C: Collection<UInt8>>(_ bytes: C) throws(NetlinkError) -> [NetlinkMessage]
    where C.Index == Int {
        var messages: [NetlinkMessage] = []
        var offset = 0
        let headerSize = NetlinkConstants.NLMSG_HDRLEN
        while bytes.count - offset >= NetlinkConstants.NLMSG_ALIGNTO {
            let remaining = bytes.count - offset
            guard remaining >= headerSize,
                let length32 = NetlinkBytes.load(UInt32.self, from: bytes, at: offset),
                let type = NetlinkBytes.load(UInt16.self, from: bytes, at: offset + 4),
                let flags = NetlinkBytes.load(UInt16.self, from: bytes, at: offset + 6),
                let sequence = NetlinkBytes.load(UInt32.self, from: bytes, at: offset + 8),
                let portID = NetlinkBytes.load(UInt32.self, from: bytes, at: offset + 12)
            else {
                throw .malformed("netlink header cut off: \(remaining) bytes left at offset \(offset)")
            }
            let length = Int(length32)
            guard length >= headerSize else {
                throw .malformed("nlmsg_len \(length) below the header size at offset \(offset)")
            }
            guard length <= remaining else {
                throw .malformed("nlmsg_len \(length) but only \(remaining) bytes at offset \(offset)")
            }
            let start = bytes.startIndex + offset
            let payload = Array(bytes[(start + headerSize)..<(start + length)])
            messages.append(
                NetlinkMessage(type: type, flags: flags, sequence: sequence, portID: portID, payload: payload))
            offset += min(NetlinkBytes.align(length), remaining)
        }
        return messages
    }

    /// The attributes after a fixed family header of `headerSize` bytes (rounded up to
    /// 4, as NLMSG_ALIGN does), e.g. 16 for `ifinfomsg`.
    /// - Throws: `NetlinkError.malformed` when the payload is shorter than the header
    ///   or an attribute is malformed.
    public func attributes(afterHeaderOfSize headerSize: Int) throws(NetlinkError) -> [NetlinkAttribute] {
        let start = NetlinkBytes.align(headerSize)
        guard payload.count >= headerSize else {
            throw .malformed("message type \(type): payload of \(payload.count) bytes, header needs \(headerSize)")
        }
        if start >= payload.count { return [] }
        return try NetlinkAttribute.parseAll(payload[start...])
    }
}
