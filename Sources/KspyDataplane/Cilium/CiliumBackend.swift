import KspyKernel

/// A value of `cilium_lb{4,6}_backends_v3` or `_v2` (key: u32 backend id, host order).
///
/// | lb4 v3 | lb6 v3 | lb4 v2 | lb6 v2 | field | |
/// |---|---|---|---|---|---|
/// | 0 | 0 | 0 | 0 | address (4/16) | network order |
/// | 4 | 16 | 4 | 16 | port (2) | network order |
/// | 6 | 18 | 6 | 18 | proto (1) | |
/// | 7 | 19 | 7 | 19 | flags (1) | the backend state (`CiliumBackendState`) |
/// | 8 | 20 | – | – | cluster_id | u16 in current `lb.h`; older v3 a u8 + pad: byte 8/20 is the low byte either way (little-endian hosts) |
/// | 10 | 22 | – | – | zone (1) | topology zone id (current only) |
///
/// Sizes: v3 12 / 24 bytes, v2 8 / 20 bytes.
public struct CiliumBackend: Hashable, Sendable {
    /// Which backends map layout.
    public enum Layout: String, Hashable, Sendable, CaseIterable {
        /// `cilium_lb*_backends_v3` (Cilium ≥ 1.13): with cluster id and zone.
        case v3
        /// `cilium_lb*_backends_v2` (older agents): address, port, proto, flags.
        case v2
    }

    public var family: AddressFamily
    /// Network order, 4 or 16 bytes.
    public var address: [UInt8]
    public var port: UInt16
    /// IPPROTO_* of the backend (0 on agents that did not record it).
    public var proto: UInt8
    /// The raw state byte (`flags`).
    public var stateByte: UInt8
    /// The cluster id (Cluster Mesh), 0 for the local cluster; v3 only.
    public var clusterID: UInt16
    /// The topology zone id; current v3 only.
    public var zone: UInt8

    public init(
        family: AddressFamily, address: [UInt8], port: UInt16, proto: UInt8 = 6,
        state: CiliumBackendState = .active, clusterID: UInt16 = 0, zone: UInt8 = 0
    ) {
        self.init(
            family: family, address: address, port: port, proto: proto, stateByte: state.rawValue,
            clusterID: clusterID, zone: zone)
    }

    public init(
        family: AddressFamily, address: [UInt8], port: UInt16, proto: UInt8, stateByte: UInt8, clusterID: UInt16,
        zone: UInt8
    ) {
        self.family = family
        self.address = CiliumBytes.address(address, length: family.addressLength)
        self.port = port
        self.proto = proto
        self.stateByte = stateByte
        self.clusterID = clusterID
        self.zone = zone
    }

    /// Decodes a raw value of the backends map of `layout`.
    /// - Throws: `DataplaneError` unless `bytes` has that layout's size.
    public init(bytes: [UInt8], family: AddressFamily, layout: Layout, map: String? = nil) throws(DataplaneError) {
        try CiliumLayout.checkLength(
            bytes, CiliumLayout.backendValueSize(family, layout: layout), "backend value",
            map: map ?? CiliumLayout.backendsMap(family, layout: layout))
        let a = family.addressLength
        self.init(
            family: family, address: CiliumBytes.slice(bytes, 0, a), port: CiliumBytes.bigEndian16(bytes, a),
            proto: CiliumBytes.byte(bytes, a + 2), stateByte: CiliumBytes.byte(bytes, a + 3),
            clusterID: layout == .v3 ? CiliumBytes.host16(bytes, a + 4) : 0,
            zone: layout == .v3 ? CiliumBytes.byte(bytes, a + 6) : 0)
    }

    /// The raw value in `layout` (v2 drops cluster id and zone).
    public func bytes(layout: Layout) -> [UInt8] {
        var result =
            CiliumBytes.address(address, length: family.addressLength) + CiliumBytes.bigEndian(port) + [
                proto, stateByte,
            ]
        if layout == .v3 { result += CiliumBytes.host(clusterID) + [zone, 0] }
        return result
    }

    /// Decodes a backend id key (u32, host order).
    /// - Throws: `DataplaneError` unless `bytes` has 4 bytes.
    public static func id(fromKey bytes: [UInt8], map: String = "cilium_lb4_backends_v3") throws(DataplaneError)
        -> UInt32
    {
        try CiliumLayout.checkLength(bytes, CiliumLayout.backendKeySize, "backend id key", map: map)
        return CiliumBytes.host32(bytes, 0)
    }

    /// The raw key for backend id `id`.
    public static func key(id: UInt32) -> [UInt8] { CiliumBytes.host(id) }

    /// The state.
    public var state: CiliumBackendState { CiliumBackendState(rawValue: stateByte) }

    /// The address as text.
    public var addressText: String {
        if family == .ipv4 && address.count == 4 {
            return CiliumBytes.ipv4Text(
                UInt32(address[0]) << 24 | UInt32(address[1]) << 16 | UInt32(address[2]) << 8 | UInt32(address[3]))
        }
        return family.format(address) ?? ""
    }
}
