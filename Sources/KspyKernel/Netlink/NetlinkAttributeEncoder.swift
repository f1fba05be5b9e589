/// Builds a list of netlink attributes (netlink(7), linux/netlink.h): each is a 4-byte
/// `nlattr` header (`nla_len` = 4 + payload size, `nla_type`) and the payload padded
/// with zeros to a 4-byte boundary. Nests get the NLA_F_NESTED flag and their length is
/// patched in after their content is written.
public struct NetlinkAttributeEncoder: Sendable {
    /// The encoded attributes so far (always a multiple of 4 bytes).
    public private(set) var bytes: [UInt8] = []

    /// Creates an empty list.
    public init() {}

    /// Appends an attribute with `payload` as its raw bytes (NLA_BINARY), e.g. an
    /// address or a fixed struct.
    /// - Throws: `NetlinkError.invalidArgument` when the attribute exceeds 65535 bytes
    ///   (`nla_len` is 16 bits).
    public mutating func append(_ type: UInt16, bytes payload: some Collection<UInt8>) throws(NetlinkError) {
        let length = NetlinkConstants.NLA_HDRLEN + payload.count
        guard length <= Int(UInt16.max) else { throw .invalidArgument("attribute \(type) of \(length) bytes") }
        NetlinkBytes.append(UInt16(length), to: &bytes)
        NetlinkBytes.append(type, to: &bytes)
        bytes.append(contentsOf: payload)
        NetlinkBytes.pad(&bytes)
    }

    /// Appends a NUL-terminated string attribute (NLA_NUL_STRING, e.g. IFLA_IFNAME).
    /// - Throws: `NetlinkError.invalidArgument` when the string contains a NUL.
    public mutating func append(_ type: UInt16, string: String) throws(NetlinkError) {
        let utf8 = Array(string.utf8)
        guard !utf8.contains(0) else { throw .invalidArgument("string attribute \(type) contains NUL") }
        try append(type, bytes: utf8 + [0])
    }

    /// Appends a u8 attribute (NLA_U8).
    public mutating func append(_ type: UInt16, u8 value: UInt8) {
        appendInteger(type, value)
    }

    /// Appends a u16 attribute in host byte order (NLA_U16).
    public mutating func append(_ type: UInt16, u16 value: UInt16) {
        appendInteger(type, value)
    }

    /// Appends a u32 attribute in host byte order (NLA_U32), e.g. IFLA_MASTER.
    public mutating func append(_ type: UInt16, u32 value: UInt32) {
        appendInteger(type, value)
    }

    /// Appends a u64 attribute in host byte order (NLA_U64).
    public mutating func append(_ type: UInt16, u64 value: UInt64) {
        appendInteger(type, value)
    }

    /// Appends an s32 attribute in host byte order (NLA_S32), e.g. IFLA_NET_NS_FD.
    public mutating func append(_ type: UInt16, s32 value: Int32) {
        appendInteger(type, value)
    }

    /// Appends a nest: a header with `type | NLA_F_NESTED` (unless `flagged` is false, for
    /// the few nests the kernel parses as plain binary), the attributes `body` appends,
    /// and the nest's length patched into its header.
    /// - Throws: what `body` throws; `NetlinkError.invalidArgument` when the nest exceeds
    ///   65535 bytes.
    public mutating func appendNested(
        _ type: UInt16, flagged: Bool = true, _ body: (inout NetlinkAttributeEncoder) throws(NetlinkError) -> Void
    ) throws(NetlinkError) {
        let start = bytes.count
        NetlinkBytes.append(UInt16(0), to: &bytes)
        NetlinkBytes.append(flagged ? type | NetlinkConstants.NLA_F_NESTED : type, to: &bytes)
        try body(&self)
        let length = bytes.count - start
        guard length <= Int(UInt16.max) else { throw .invalidArgument("nested attribute \(type) of \(length) bytes") }
        NetlinkBytes.store(UInt16(length), into: &bytes, at: start)
    }

    private mutating func appendInteger<T: FixedWidthInteger>(_ type: UInt16, _ value: T) {
        NetlinkBytes.append(UInt16(NetlinkConstants.NLA_HDRLEN + MemoryLayout<T>.size), to: &bytes)
        NetlinkBytes.append(type, to: &bytes)
        NetlinkBytes.append(value, to: &bytes)
        NetlinkBytes.pad(&bytes)
    }
}
