import KspyKernel

/// A value of `cilium_lb{4,6}_reverse_nat` (key: u16 rev-NAT index, host order):
/// the frontend replies are rewritten to. `lb4_reverse_nat` is 6 bytes packed (address
/// @0, port @4, both network order), `lb6_reverse_nat` 18 bytes (address @0, port @16).
public struct CiliumReverseNAT: Hashable, Sendable {
    public var family: AddressFamily
    /// Network order, 4 or 16 bytes.
    public var address: [UInt8]
    public var port: UInt16

    public init(family: AddressFamily, address: [UInt8], port: UInt16) {
        self.family = family
        self.address = CiliumBytes.address(address, length: family.addressLength)
        self.port = port
    }

    /// Decodes a raw value.
    /// - Throws: `DataplaneError` unless `bytes` has 6 (IPv4) or 18 (IPv6) bytes.
    public init(bytes: [UInt8], family: AddressFamily, map: String? = nil) throws(DataplaneError) {
        try CiliumLayout.checkLength(
            bytes, CiliumLayout.reverseNATValueSize(family), "reverse NAT value",
            map: map ?? CiliumLayout.reverseNATMap(family))
        let a = family.addressLength
        self.init(family: family, address: CiliumBytes.slice(bytes, 0, a), port: CiliumBytes.bigEndian16(bytes, a))
    }

    /// The raw value.
    public var bytes: [UInt8] {
        CiliumBytes.address(address, length: family.addressLength) + CiliumBytes.bigEndian(port)
    }

    /// Decodes a rev-NAT index key (u16, host order).
    /// - Throws: `DataplaneError` unless `bytes` has 2 bytes.
    public static func index(fromKey bytes: [UInt8], map: String = "cilium_lb4_reverse_nat") throws(DataplaneError)
        -> UInt16
    {
        try CiliumLayout.checkLength(bytes, CiliumLayout.reverseNATKeySize, "reverse NAT key", map: map)
        return CiliumBytes.host16(bytes, 0)
    }

    /// The raw key for index `index`.
    public static func key(index: UInt16) -> [UInt8] { CiliumBytes.host(index) }
}
