/// Bounds-checked reads and appends of fixed-width integers in host byte order, the
/// order of `nlmsghdr`, `nlattr` and the rtnetlink headers (netlink(7): "all fields in
/// host byte order"). Reads return nil instead of trapping when the bytes run out.
enum NetlinkBytes {
    /// Rounds `length` up to NLMSG_ALIGNTO / NLA_ALIGNTO (4 bytes).
    static func align(_ length: Int) -> Int {
        (length + NetlinkConstants.NLMSG_ALIGNTO - 1) & ~(NetlinkConstants.NLMSG_ALIGNTO - 1)
    }

    /// Loads a `T` from `bytes` at `offset` (relative to `bytes.startIndex`), or nil
    /// when fewer than `MemoryLayout<T>.size` bytes remain there.
    static func load<T: FixedWidthInteger, C: Collection<UInt8>>(_: T.Type, from bytes: C, at offset: Int) -> T?
    where C.Index == Int {
        let size = MemoryLayout<T>.size
        guard offset >= 0, bytes.count - offset >= size else { return nil }
        var value: T = 0
        let start = bytes.startIndex + offset
        withUnsafeMutableBytes(of: &value) { raw in
            for i in 0..<size { raw[i] = bytes[start + i] }
        }
        return value
    }

    /// Appends `value` in host byte order.
    static func append<T: FixedWidthInteger>(_ value: T, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value) { bytes.append(contentsOf: $0) }
    }

    /// Overwrites `MemoryLayout<T>.size` bytes at `offset` with `value` (the caller
    /// guarantees the range exists: it wrote a placeholder there).
    static func store<T: FixedWidthInteger>(_ value: T, into bytes: inout [UInt8], at offset: Int) {
        withUnsafeBytes(of: value) { raw in
            for i in 0..<raw.count { bytes[offset + i] = raw[i] }
        }
    }

    /// Appends zero bytes up to the next 4-byte boundary.
    static func pad(_ bytes: inout [UInt8]) {
        let padding = align(bytes.count) - bytes.count
        if padding > 0 { bytes.append(contentsOf: repeatElement(0, count: padding)) }
    }
}
