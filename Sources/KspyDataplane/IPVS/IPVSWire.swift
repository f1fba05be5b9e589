/// Bounds-checked walking of netlink bytes for the IPVS decoder: messages, the genl
/// header and attribute lists, every position an absolute offset into the reply, so
/// errors name where the input broke. Nothing here traps on bad input.
struct IPVSWire {
    /// One netlink message: `nlmsghdr` fields and where its payload lies in `bytes`.
    struct Message {
        var type: UInt16
        var flags: UInt16
        var offset: Int
        var payload: Range<Int>
    }

    /// One attribute: its type without flag bits and where its payload lies.
    struct Attribute {
        var type: UInt16
        var offset: Int
        var payload: Range<Int>
        var count: Int { payload.count }
    }

    let bytes: [UInt8]
    /// Prefix of every error, e.g. "IPVS_CMD_GET_SERVICE dump reply".
    let context: String

    func error(_ what: String, at offset: Int) -> DataplaneError {
        DataplaneError("\(context): \(what) at offset \(offset)")
    }

    /// A host-order integer at `offset` (the caller checked the range).
    func load<T: FixedWidthInteger>(_: T.Type, at offset: Int) -> T {
        var value: T = 0
        withUnsafeMutableBytes(of: &value) { raw in
            for i in 0..<raw.count where offset + i < bytes.count { raw[i] = bytes[offset + i] }
        }
        return value
    }

    /// Splits the bytes into netlink messages (each 4-byte aligned; `nlmsg_len` counts
    /// the 16-byte header). Any byte that is not part of a message is an error.
    func messages() throws(DataplaneError) -> [Message] {
        var messages: [Message] = []
        var offset = 0
        while offset < bytes.count {
            let remaining = bytes.count - offset
            guard remaining >= 16 else {
                throw error("netlink header cut off (\(remaining) of 16 bytes)", at: offset)
            }
            let length = Int(load(UInt32.self, at: offset))
            guard length >= 16 else {
                throw error("nlmsg_len \(length) below the 16-byte header", at: offset)
            }
            guard length <= remaining else {
                throw error(
                    "message shorter than its header says (nlmsg_len \(length), \(remaining) bytes left)", at: offset)
            }
            messages.append(
                Message(
                    type: load(UInt16.self, at: offset + 4), flags: load(UInt16.self, at: offset + 6), offset: offset,
                    payload: (offset + 16)..<(offset + length)))
            offset += min((length + 3) & ~3, remaining)
        }
        return messages
    }

    /// The attributes in `range` (a message's attribute area or a nest's payload).
    /// Up to 3 trailing bytes are ignored as padding, as the kernel's nla_ok() does.
    func attributes(in range: Range<Int>, parent: String) throws(DataplaneError) -> [Attribute] {
        var attributes: [Attribute] = []
        var offset = range.lowerBound
        while range.upperBound - offset >= 4 {
            let remaining = range.upperBound - offset
            let length = Int(load(UInt16.self, at: offset))
            let type = load(UInt16.self, at: offset + 2) & 0x3fff
            guard length >= 4 else {
                throw error(
                    "nla_len \(length) of attribute type \(type) in \(parent) below the 4-byte header", at: offset)
            }
            guard length <= remaining else {
                throw error(
                    "attribute type \(type) overruns its parent \(parent) (nla_len \(length), \(remaining) bytes left)",
                    at: offset)
            }
            attributes.append(Attribute(type: type, offset: offset, payload: (offset + 4)..<(offset + length)))
            offset += min((length + 3) & ~3, remaining)
        }
        return attributes
    }

    // MARK: typed payloads (sizes checked)

    func integer<T: FixedWidthInteger>(_: T.Type, _ attribute: Attribute, _ name: String) throws(DataplaneError) -> T {
        let size = MemoryLayout<T>.size
        guard attribute.count == size else {
            throw error("\(name) has \(attribute.count) bytes, expected \(size)", at: attribute.offset)
        }
        return load(T.self, at: attribute.payload.lowerBound)
    }

    func u8(_ a: Attribute, _ name: String) throws(DataplaneError) -> UInt8 { try integer(UInt8.self, a, name) }
    func u16(_ a: Attribute, _ name: String) throws(DataplaneError) -> UInt16 { try integer(UInt16.self, a, name) }
    func u32(_ a: Attribute, _ name: String) throws(DataplaneError) -> UInt32 { try integer(UInt32.self, a, name) }

    /// A big-endian u16 (ports).
    func be16(_ a: Attribute, _ name: String) throws(DataplaneError) -> UInt16 {
        UInt16(bigEndian: try integer(UInt16.self, a, name))
    }

    /// A u32 or u64 counter (STATS carries both sizes, STATS64 only u64).
    func counter(_ a: Attribute, _ name: String) throws(DataplaneError) -> UInt64 {
        switch a.count {
        case 4: return UInt64(load(UInt32.self, at: a.payload.lowerBound))
        case 8: return load(UInt64.self, at: a.payload.lowerBound)
        default: throw error("\(name) has \(a.count) bytes, expected 4 or 8", at: a.offset)
        }
    }

    /// A NUL-terminated string of at most `maximum` bytes including the NUL.
    func string(_ a: Attribute, _ name: String, maximum: Int) throws(DataplaneError) -> String {
        guard a.count >= 1, a.count <= maximum else {
            throw error("\(name) has \(a.count) bytes, expected 1…\(maximum)", at: a.offset)
        }
        let slice = bytes[a.payload]
        let end = slice.firstIndex(of: 0) ?? slice.endIndex
        return String(decoding: slice[slice.startIndex..<end], as: UTF8.self)
    }

    /// Raw payload bytes of an exact size.
    func raw(_ a: Attribute, _ name: String, sizes: [Int]) throws(DataplaneError) -> [UInt8] {
        guard sizes.contains(a.count) else {
            let expected = sizes.map(String.init).joined(separator: " or ")
            throw error("\(name) has \(a.count) bytes, expected \(expected)", at: a.offset)
        }
        return Array(bytes[a.payload])
    }
}
