/// Field access for Cilium's map structs: fixed offsets, network order (big-endian)
/// for addresses and ports, host order for the rest (dataplanes.md §4.2). Callers
/// check the buffer's size first; out-of-range reads return 0 rather than trap.
enum CiliumBytes {
    /// The big-endian u16 at `offset`.
    static func bigEndian16(_ bytes: [UInt8], _ offset: Int) -> UInt16 {
        guard offset >= 0, offset + 2 <= bytes.count else { return 0 }
        return UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])
    }

    /// The host-order u16 at `offset`.
    static func host16(_ bytes: [UInt8], _ offset: Int) -> UInt16 {
        guard offset >= 0, offset + 2 <= bytes.count else { return 0 }
        return bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: UInt16.self) }
    }

    /// The host-order u32 at `offset`.
    static func host32(_ bytes: [UInt8], _ offset: Int) -> UInt32 {
        guard offset >= 0, offset + 4 <= bytes.count else { return 0 }
        return bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: UInt32.self) }
    }

    /// `count` bytes from `offset` (zero-padded when the buffer is short).
    static func slice(_ bytes: [UInt8], _ offset: Int, _ count: Int) -> [UInt8] {
        (0..<count).map { offset + $0 < bytes.count ? bytes[offset + $0] : 0 }
    }

    /// The byte at `offset`, 0 when out of range.
    static func byte(_ bytes: [UInt8], _ offset: Int) -> UInt8 {
        offset >= 0 && offset < bytes.count ? bytes[offset] : 0
    }

    /// `value` as 2 big-endian bytes.
    static func bigEndian(_ value: UInt16) -> [UInt8] { [UInt8(value >> 8), UInt8(truncatingIfNeeded: value)] }

    /// `value` in host order.
    static func host(_ value: UInt16) -> [UInt8] { withUnsafeBytes(of: value) { Array($0) } }

    /// `value` in host order.
    static func host(_ value: UInt32) -> [UInt8] { withUnsafeBytes(of: value) { Array($0) } }

    /// `address` cut or zero-padded to `length` bytes.
    static func address(_ address: [UInt8], length: Int) -> [UInt8] {
        (0..<length).map { $0 < address.count ? address[$0] : 0 }
    }

    /// `a.b.c.d` of an IPv4 address held as a number (first byte highest), built without
    /// intermediate strings: tens of thousands of frontends and endpoints are formatted.
    static func ipv4Text(_ address: UInt32) -> String {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 15) { buffer in
            var count = 0
            for shift in stride(from: 24, through: 0, by: -8) {
                let octet = Int(address >> UInt32(shift) & 0xff)
                if octet >= 100 {
                    buffer[count] = UInt8(ascii: "0") + UInt8(octet / 100)
                    count += 1
                }
                if octet >= 10 {
                    buffer[count] = UInt8(ascii: "0") + UInt8(octet / 10 % 10)
                    count += 1
                }
                buffer[count] = UInt8(ascii: "0") + UInt8(octet % 10)
                count += 1
                if shift > 0 {
                    buffer[count] = UInt8(ascii: ".")
                    count += 1
                }
            }
            return String(decoding: UnsafeBufferPointer(rebasing: buffer[..<count]), as: UTF8.self)
        }
    }
}
