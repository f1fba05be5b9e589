import KspyKernel

/// A key of `cilium_lb{4,6}_services_v2` (`struct lb4_key` 12 bytes / `lb6_key` 24):
///
/// | lb4 | lb6 | field | |
/// |---|---|---|---|
/// | 0 | 0 | address (4/16) | VIP, network order |
/// | 4 | 16 | dport (2) | network order; 0 = every port |
/// | 6 | 18 | backend_slot (2) | host order; 0 = the service's master entry, 1…N slots |
/// | 8 | 20 | proto (1) | IPPROTO_*; 0 = any |
/// | 9 | 21 | scope (1) | 0 external, 1 internal (LB_LOOKUP_SCOPE_*) |
/// | 10 | 22 | pad (2) | |
public struct CiliumServiceKey: Hashable, Sendable {
    /// `scope` 0: LB_LOOKUP_SCOPE_EXT.
    public static let externalScope: UInt8 = 0
    /// `scope` 1: LB_LOOKUP_SCOPE_INT.
    public static let internalScope: UInt8 = 1

    public var family: AddressFamily
    /// The frontend address, network order, packed big-endian into two words (first
    /// byte highest; IPv4 in the high 4 bytes of `addressHigh`): no array per key, cheap
    /// to hash, and ordered like the bytes.
    private var addressHigh: UInt64
    private var addressLow: UInt64
    /// The frontend port (decoded from network order).
    public var port: UInt16
    /// 0 for the master entry, 1…count(+qcount) for the backend slots.
    public var backendSlot: UInt16
    /// IPPROTO_* (6 TCP, 17 UDP, 132 SCTP), 0 = any.
    public var proto: UInt8
    /// 0 external, 1 internal.
    public var scope: UInt8

    public init(
        family: AddressFamily, address: [UInt8], port: UInt16, backendSlot: UInt16, proto: UInt8, scope: UInt8
    ) {
        self.family = family
        (addressHigh, addressLow) = address.withUnsafeBufferPointer { Self.pack($0, length: family.addressLength) }
        self.port = port
        self.backendSlot = backendSlot
        self.proto = proto
        self.scope = scope
    }

    /// Decodes the raw key of `map`.
    /// - Throws: `DataplaneError` unless `bytes` has the key size of `family`.
    public init(bytes: [UInt8], family: AddressFamily, map: String? = nil) throws(DataplaneError) {
        try CiliumLayout.checkLength(
            bytes, CiliumLayout.serviceKeySize(family), "service key", map: map ?? CiliumLayout.servicesMap(family))
        let a = family.addressLength
        self.family = family
        (addressHigh, addressLow) = bytes.withUnsafeBufferPointer { Self.pack($0, length: a) }
        port = CiliumBytes.bigEndian16(bytes, a)
        backendSlot = CiliumBytes.host16(bytes, a + 2)
        proto = CiliumBytes.byte(bytes, a + 4)
        scope = CiliumBytes.byte(bytes, a + 5)
    }

    /// The frontend address, network order (4 or 16 bytes).
    public var address: [UInt8] {
        get {
            (0..<family.addressLength).map { index in
                let word = index < 8 ? addressHigh : addressLow
                return UInt8(truncatingIfNeeded: word >> UInt64(56 - 8 * (index % 8)))
            }
        }
        set {
            (addressHigh, addressLow) = newValue.withUnsafeBufferPointer { Self.pack($0, length: family.addressLength) }
        }
    }

    /// The first `length` bytes of `bytes` (zero-padded) as two big-endian words.
    private static func pack(_ bytes: UnsafeBufferPointer<UInt8>, length: Int) -> (UInt64, UInt64) {
        var high: UInt64 = 0
        var low: UInt64 = 0
        for index in 0..<min(length, 16) {
            let byte = UInt64(index < bytes.count ? bytes[index] : 0)
            if index < 8 { high |= byte << UInt64(56 - 8 * index) } else { low |= byte << UInt64(56 - 8 * (index - 8)) }
        }
        return (high, low)
    }

    /// Address order: the bytes compared one by one, as `address.lexicographicallyPrecedes`.
    func addressPrecedes(_ other: CiliumServiceKey) -> Bool {
        addressHigh != other.addressHigh ? addressHigh < other.addressHigh : addressLow < other.addressLow
    }

    /// Whether the two keys have the same address.
    func sameAddress(_ other: CiliumServiceKey) -> Bool {
        addressHigh == other.addressHigh && addressLow == other.addressLow
    }

    /// The raw key, as the datapath looks it up (padding zero).
    public var bytes: [UInt8] {
        CiliumBytes.address(address, length: family.addressLength) + CiliumBytes.bigEndian(port)
            + CiliumBytes.host(backendSlot) + [proto, scope, 0, 0]
    }

    /// The same frontend's key for slot `slot`.
    public func slot(_ slot: UInt16) -> CiliumServiceKey {
        var key = self
        key.backendSlot = slot
        return key
    }

    /// The address as text ("10.96.0.10", "fd00::a").
    public var addressText: String {
        if family == .ipv4 { return CiliumBytes.ipv4Text(UInt32(truncatingIfNeeded: addressHigh >> 32)) }
        return family.format(address) ?? address.map { String($0) }.joined(separator: ".")
    }
}
