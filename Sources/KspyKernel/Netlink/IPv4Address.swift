/// An IPv4 address as a 32-bit number (the first dotted-quad part is the most
/// significant byte), with dotted-quad parsing and formatting. On the wire (netlink
/// IFA_*/RTA_* attributes, `struct in_addr`) it is 4 bytes in network byte order.
public struct IPv4Address: Hashable, Comparable, Sendable, CustomStringConvertible, LosslessStringConvertible {
    /// The address as a number, e.g. 10.0.0.1 = 0x0A00_0001.
    public let value: UInt32

    /// Creates an address from its numeric value.
    public init(_ value: UInt32) {
        self.value = value
    }

    /// Parses a dotted quad such as "10.244.0.5": exactly four decimal parts of 0…255,
    /// no leading zeros (ambiguous with octal for inet_aton), no spaces.
    public init?(_ text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var value: UInt32 = 0
        for part in parts {
            guard !part.isEmpty, part.count <= 3, part.allSatisfy({ $0.isASCII && $0.isNumber }),
                part.count == 1 || part.first != "0", let byte = UInt8(part)
            else { return nil }
            value = value << 8 | UInt32(byte)
        }
        self.value = value
    }

    /// Creates an address from its 4 bytes in network byte order (`struct in_addr`).
    /// Returns nil unless exactly 4 bytes are given.
    public init?<C: Collection<UInt8>>(networkBytes bytes: C) {
        guard bytes.count == 4 else { return nil }
        self.value = bytes.reduce(0) { $0 << 8 | UInt32($1) }
    }

    /// The 4 bytes in network byte order, as netlink attributes carry them.
    public var networkBytes: [UInt8] {
        [
            UInt8(value >> 24), UInt8(truncatingIfNeeded: value >> 16), UInt8(truncatingIfNeeded: value >> 8),
            UInt8(truncatingIfNeeded: value),
        ]
    }

    /// The dotted quad, e.g. "10.244.0.5".
    public var description: String {
        networkBytes.map { String($0) }.joined(separator: ".")
    }

    /// Orders addresses numerically.
    public static func < (a: IPv4Address, b: IPv4Address) -> Bool { a.value < b.value }
}
