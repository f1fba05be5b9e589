/// A value of `cilium_lb{4,6}_services_v2` (`struct lb4_service` = `lb6_service`, 12 bytes):
///
/// | off | field | |
/// |---|---|---|
/// | 0 | union (u32, host order) | slot: backend_id; master: affinity_timeout (low 24 bits seconds, high 8 bits algorithm 1 random / 2 maglev / 0 agent default), or the L7 proxy port when `l7LoadBalancer` |
/// | 4 | count (u16) | master: number of active backend slots |
/// | 6 | rev_nat_index (u16) | key into `cilium_lb*_reverse_nat` |
/// | 8 | flags (u8) | `CiliumServiceFlags` low byte |
/// | 9 | flags2 (u8) | `CiliumServiceFlags` high byte |
/// | 10 | qcount (u16) | master: quarantined slots after the active ones (older agents: padding) |
public struct CiliumServiceValue: Hashable, Sendable {
    /// The first word: a slot's backend id, or the master's affinity timeout and
    /// algorithm (or L7 proxy port).
    public var backendID: UInt32
    /// Master: the number of active backend slots (1…count).
    public var count: UInt16
    /// The reverse-NAT index (Cilium's service id for this frontend).
    public var reverseNATIndex: UInt16
    public var flags: CiliumServiceFlags
    /// Master: quarantined slots, count+1 … count+qcount.
    public var quarantinedCount: UInt16

    public init(
        backendID: UInt32 = 0, count: UInt16 = 0, reverseNATIndex: UInt16 = 0, flags: CiliumServiceFlags = [],
        quarantinedCount: UInt16 = 0
    ) {
        self.backendID = backendID
        self.count = count
        self.reverseNATIndex = reverseNATIndex
        self.flags = flags
        self.quarantinedCount = quarantinedCount
    }

    /// Decodes the raw value of `map`.
    /// - Throws: `DataplaneError` unless `bytes` has 12 bytes.
    public init(bytes: [UInt8], map: String = "cilium_lb4_services_v2") throws(DataplaneError) {
        try CiliumLayout.checkLength(bytes, CiliumLayout.serviceValueSize, "service value", map: map)
        self.init(
            backendID: CiliumBytes.host32(bytes, 0), count: CiliumBytes.host16(bytes, 4),
            reverseNATIndex: CiliumBytes.host16(bytes, 6),
            flags: CiliumServiceFlags(flags: bytes[8], flags2: bytes[9]),
            quarantinedCount: CiliumBytes.host16(bytes, 10))
    }

    /// The raw value.
    public var bytes: [UInt8] {
        CiliumBytes.host(backendID) + CiliumBytes.host(count) + CiliumBytes.host(reverseNATIndex)
            + [flags.flags, flags.flags2] + CiliumBytes.host(quarantinedCount)
    }

    /// Master: the session-affinity timeout in seconds (low 24 bits of the first word).
    public var affinityTimeoutSeconds: UInt32 { backendID & 0x00FF_FFFF }

    /// Master: the backend selection algorithm (high 8 bits of the first word):
    /// 1 random, 2 maglev, 0 the agent's default (`bpf-lb-algorithm`).
    public var algorithm: UInt8 { UInt8(backendID >> 24) }

    /// Master: builds the first word from an affinity timeout and an algorithm.
    public static func masterWord(affinityTimeoutSeconds: UInt32, algorithm: UInt8) -> UInt32 {
        affinityTimeoutSeconds & 0x00FF_FFFF | UInt32(algorithm) << 24
    }
}
