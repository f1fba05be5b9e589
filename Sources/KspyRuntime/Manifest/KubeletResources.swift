import KspyKernel
#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// kubelet's conversions from Kubernetes resources to cgroup and OOM values
/// (kubernetes `pkg/kubelet/cm/helpers_linux.go`, `pkg/kubelet/qos/policy.go`, and runc's
/// cgroup v1 → v2 CPU conversion).
public enum KubeletResources {
    /// Fewest cgroup v1 `cpu.shares` kubelet sets.
    public static let minShares: UInt64 = 2
    /// Most cgroup v1 `cpu.shares` kubelet sets.
    public static let maxShares: UInt64 = 262_144
    /// Shares of one CPU.
    public static let sharesPerCPU: Int64 = 1024
    /// The default CFS period, in microseconds.
    public static let defaultCPUPeriodMicros: Int64 = 100_000
    /// The smallest CFS quota kubelet sets, in microseconds.
    public static let minQuotaMicros: Int64 = 1000
    /// OOM score adjustment of Guaranteed containers.
    public static let guaranteedOOMScoreAdj = -997
    /// OOM score adjustment of BestEffort containers.
    public static let bestEffortOOMScoreAdj = 1000

    /// cgroup v1 `cpu.shares` for a CPU request in millicores (`MilliCPUToShares`):
    /// `milliCPU × 1024 / 1000`, clamped to 2 ... 262144; no request (nil or ≤ 0) gives 2.
    /// `100m` → 102, `500m` → 512, `1m` → 2.
    public static func cpuShares(milliCPU: Int64?) -> UInt64 {
        guard let milliCPU, milliCPU > 0 else { return minShares }
        let (product, overflow) = milliCPU.multipliedReportingOverflow(by: sharesPerCPU)
        if overflow { return maxShares }
        let shares = UInt64(product / 1000)
        return min(max(shares, minShares), maxShares)
    }

    /// CFS `cpu.cfs_quota_us` for a CPU limit in millicores (`MilliCPUToQuota`):
    /// `milliCPU × period / 1000`, at least 1000. A limit of zero (or less) gives 0, which
    /// kubelet passes on as "no quota". `100m` → 10000, `1m` → 1000.
    public static func cpuQuota(milliCPU: Int64, periodMicros: Int64 = defaultCPUPeriodMicros) -> Int64 {
        guard milliCPU > 0 else { return 0 }
        let (product, overflow) = milliCPU.multipliedReportingOverflow(by: periodMicros)
        if overflow { return Int64.max }
        return max(product / 1000, minQuotaMicros)
    }

    /// cgroup v2 `cpu.weight` for cgroup v1 shares, by the conversion runc and kubelet use
    /// since kubernetes#131216 / runc#4785: a quadratic in log2(shares) through
    /// (2, 1), (1024, 100) and (262144, 10000). `shares` ≤ 2 gives 1 (shares 0 means
    /// "unset", which callers handle before asking).
    public static func cpuWeight(shares: UInt64) -> UInt64 {
        // The Kernel layer owns the formula (it converts when only cpu.weight exists).
        CgroupLimits.weight(fromShares: max(shares, minShares)) ?? 1
    }

    /// The older linear cgroup v2 conversion (runc before 1.3.2, crun):
    /// `1 + (shares − 2) × 9999 / 262142`, shares clamped to 2 ... 262144. 1024 → 39.
    public static func legacyCpuWeight(shares: UInt64) -> UInt64 {
        let clamped = min(max(shares, minShares), maxShares)
        return 1 + ((clamped - 2) * 9999) / 262_142
    }

    /// `oom_score_adj` for a container (`GetContainerOOMScoreAdjust`): Guaranteed −997,
    /// BestEffort 1000; Burstable `1000 − 1000 × request / capacity`, raised to 3 (so it
    /// stays above Guaranteed) and lowered to 999 (so it stays below BestEffort). A
    /// capacity of zero or less is treated as unknown: a Burstable container gets 999.
    public static func oomScoreAdj(qos: QoSClass, memoryRequestBytes: Int64, memoryCapacityBytes: Int64) -> Int {
        switch qos {
        case .guaranteed: return guaranteedOOMScoreAdj
        case .bestEffort: return bestEffortOOMScoreAdj
        case .burstable: break
        }
        let floor = 1000 + guaranteedOOMScoreAdj
        guard memoryCapacityBytes > 0 else { return bestEffortOOMScoreAdj - 1 }
        let request = max(memoryRequestBytes, 0)
        let (product, overflow) = request.multipliedReportingOverflow(by: 1000)
        if overflow { return floor }
        let adjust = 1000 - product / memoryCapacityBytes
        if adjust < Int64(floor) { return floor }
        if adjust == Int64(bestEffortOOMScoreAdj) { return bestEffortOOMScoreAdj - 1 }
        return Int(adjust)
    }
}
