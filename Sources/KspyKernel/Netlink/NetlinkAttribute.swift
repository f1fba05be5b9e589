/// One netlink attribute (`struct nlattr` + payload, netlink(7) and linux/netlink.h):
/// a 16-bit length, a 16-bit type whose top bits are the NLA_F_NESTED and
/// NLA_F_NET_BYTEORDER flags, then the payload padded to 4 bytes. Accessors check the
/// payload size and throw instead of reading past it.
public struct NetlinkAttribute: Equatable, Sendable {
    /// The attribute type without flags (`nla_type & NLA_TYPE_MASK`), e.g. IFLA_IFNAME.
    public var type: UInt16
    /// True when NLA_F_NESTED was set: the payload is a list of attributes. The kernel
    /// does not set it on every nest, so `nested()` works on any attribute.
    public var isNestedFlagSet: Bool
    /// True when NLA_F_NET_BYTEORDER was set.
    public var isNetworkByteOrder: Bool
    /// The payload without padding.
    public var payload: [UInt8]

    /// Creates an attribute from its parts.
    public init(type: UInt16, payload: [UInt8], isNestedFlagSet: Bool = false, isNetworkByteOrder: Bool = false) {
        self.type = type & NetlinkConstants.NLA_TYPE_MASK
        self.payload = payload
        self.isNestedFlagSet = isNestedFlagSet
        self.isNetworkByteOrder = isNetworkByteOrder
    }

    /// Walks a list of attributes (nla_for_each_attr / RTA_OK, RTA_NEXT): each starts at
    /// a 4-byte boundary; `nla_len` counts the 4-byte header and the unpadded payload.
    /// Up to 3 trailing bytes are ignored as padding.
    /// - Throws: `NetlinkError.malformed` when `nla_len` is below 4 or beyond the bytes
    ///   that remain.
    public static func parseAll<C: Collection<UInt8>>(_ bytes: C) throws(NetlinkError) -> [NetlinkAttribute]
    where C.Index == Int {
        var attributes: [NetlinkAttribute] = []
        var offset = 0
        let headerSize = NetlinkConstants.NLA_HDRLEN
        while bytes.count - offset >= headerSize {
            let remaining = bytes.count - offset
            guard let length16 = NetlinkBytes.load(UInt16.self, from: bytes, at: offset),
                let rawType = NetlinkBytes.load(UInt16.self, from: bytes, at: offset + 2)
            else { throw .malformed("attribute header cut off at offset \(offset)") }
            let length = Int(length16)
            guard length >= headerSize else {
                throw .malformed("nla_len \(length) below the header size at offset \(offset) (type \(rawType))")
            }
            guard length <= remaining else {
                throw .malformed("nla_len \(length) but only \(remaining) bytes at offset \(offset) (type \(rawType))")
            }
            let start = bytes.startIndex + offset
            attributes.append(
                NetlinkAttribute(
                    type: rawType, payload: Array(bytes[(start + headerSize)..<(start + length)]),
                    isNestedFlagSet: rawType & NetlinkConstants.NLA_F_NESTED != 0,
                    isNetworkByteOrder: rawType & NetlinkConstants.NLA_F_NET_BYTEORDER != 0))
            offset += min(NetlinkBytes.align(length), remaining)
        }
        return attributes
    }

    /// The payload parsed as a list of attributes (a nest such as IFLA_LINKINFO).
    public func nested() throws(NetlinkError) -> [NetlinkAttribute] {
        try NetlinkAttribute.parseAll(payload)
    }

    /// The payload as a string (NLA_STRING / NLA_NUL_STRING): up to the first NUL.
    public var string: String {
        let end = payload.firstIndex(of: 0) ?? payload.endIndex
        return String(decoding: payload[..<end], as: UTF8.self)
    }

    /// The payload as a u8 (NLA_U8). - Throws: `malformed` unless it is 1 byte.
    public func u8() throws(NetlinkError) -> UInt8 { try integer(UInt8.self) }
    /// The payload as a u16 in host order (NLA_U16). - Throws: `malformed` unless 2 bytes.
    public func u16() throws(NetlinkError) -> UInt16 { try integer(UInt16.self) }
    /// The payload as a u32 in host order (NLA_U32). - Throws: `malformed` unless 4 bytes.
    public func u32() throws(NetlinkError) -> UInt32 { try integer(UInt32.self) }
    /// The payload as a u64 in host order (NLA_U64). - Throws: `malformed` unless 8 bytes.
    public func u64() throws(NetlinkError) -> UInt64 { try integer(UInt64.self) }
    /// The payload as an s32 in host order (NLA_S32). - Throws: `malformed` unless 4 bytes.
    public func s32() throws(NetlinkError) -> Int32 { try integer(Int32.self) }

    private func integer<T: FixedWidthInteger>(_: T.Type) throws(NetlinkError) -> T {
        guard payload.count == MemoryLayout<T>.size, let value = NetlinkBytes.load(T.self, from: payload, at: 0)
        else {
            throw .malformed("attribute type \(type): \(payload.count) bytes, expected \(MemoryLayout<T>.size)")
        }
        return value
    }
}

extension Array where Element == NetlinkAttribute {
    /// The attribute of `type`, looked up like the `tb[]` table the kernel's and
    /// libnetlink's nla_parse() fill: when a type repeats, the last one wins.
    public func attribute(_ type: UInt16) -> NetlinkAttribute? {
        last { $0.type == type }
    }
}
