import Glibc

/// Resource limits of one cgroup, in the units of the kernel files (cgroup-v1
/// memory/cpu(CFS bandwidth)/pids and cgroup-v2 `memory.max`, `cpu.max`,
/// `cpu.weight`, `pids.max`). nil means "not set / leave unchanged"; when read back,
/// nil means unlimited or not available in the hierarchy holding the controller.
public struct CgroupLimits: Hashable, Sendable {
    /// Memory limit in bytes (v1 `memory.limit_in_bytes`, v2 `memory.max`). A negative
    /// value written means "no limit" (`-1` / `max`).
    public var memoryLimitBytes: Int64?
    /// CFS quota per period in µs (v1 `cpu.cfs_quota_us`, first field of v2 `cpu.max`).
    /// A negative value written means "no quota" (`-1` / `max`).
    public var cpuQuotaMicros: Int64?
    /// CFS period in µs (v1 `cpu.cfs_period_us`, second field of v2 `cpu.max`).
    public var cpuPeriodMicros: Int64?
    /// v1 `cpu.shares` (2…262144). On a v2-only cpu controller without `cpuWeight`
    /// it is converted with `weight(fromShares:)`.
    public var cpuShares: UInt64?
    /// v2 `cpu.weight` (1…10000). On a v1 cpu controller without `cpuShares` it is
    /// converted with `shares(fromWeight:)`.
    public var cpuWeight: UInt64?
    /// Maximum number of tasks (v1 and v2 `pids.max`). Negative written means `max`.
    public var pidsMax: Int64?

    /// Creates limits; every value defaults to nil (unset).
    public init(
        memoryLimitBytes: Int64? = nil, cpuQuotaMicros: Int64? = nil, cpuPeriodMicros: Int64? = nil,
        cpuShares: UInt64? = nil, cpuWeight: UInt64? = nil, pidsMax: Int64? = nil
    ) {
        self.memoryLimitBytes = memoryLimitBytes
        self.cpuQuotaMicros = cpuQuotaMicros
        self.cpuPeriodMicros = cpuPeriodMicros
        self.cpuShares = cpuShares
        self.cpuWeight = cpuWeight
        self.pidsMax = pidsMax
    }

    /// cgroup v2 `cpu.weight` for v1 `cpu.shares`, with the formula of runc ≥ 1.3 /
    /// crun and Kubernetes issue #131216 (1024 shares → 100, the v2 default): 0 → nil,
    /// ≤ 2 → 1, ≥ 262144 → 10000, else ⌈10^((l² + 125·l)/612 − 7/34)⌉ with l = log2(shares).
    public static func weight(fromShares shares: UInt64) -> UInt64? {
        if shares == 0 { return nil }
        if shares <= 2 { return 1 }
        if shares >= 262_144 { return 10_000 }
        let l = log2(Double(shares))
        let exponent = (l * l + 125 * l) / 612.0 - 7.0 / 34.0
        return UInt64(pow(10.0, exponent).rounded(.up))
    }

    /// v1 `cpu.shares` for a v2 `cpu.weight`, inverting the linear mapping runc used
    /// before 1.3 (weight = 1 + (shares − 2)·9999/262142): weight 1 → 2, 10000 → 262144.
    public static func shares(fromWeight weight: UInt64) -> UInt64 {
        let clamped = min(max(weight, 1), 10_000)
        return 2 + (clamped - 1) * 262_142 / 9_999
    }
}
