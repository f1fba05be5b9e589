/// CPU usage and CFS bandwidth-throttling counters of a cgroup, from `cpu.stat` in
/// either format (kernel docs scheduler/sched-bwc.rst and cgroup-v2.rst "cpu.stat"):
/// v1 `nr_periods`, `nr_throttled`, `throttled_time` (ns), optionally `nr_bursts`,
/// `burst_time` (ns); v2 `usage_usec`, `user_usec`, `system_usec`, `nr_periods`,
/// `nr_throttled`, `throttled_usec`, `nr_bursts`, `burst_usec`. Durations are
/// exposed in one unit each so callers need not know the version.
public struct CpuStat: Hashable, Sendable {
    /// Enforcement periods that elapsed while the cgroup was runnable with a quota.
    public var periods: UInt64?
    /// Periods in which the cgroup was throttled.
    public var throttledPeriods: UInt64?
    /// Total time throttled, in nanoseconds (v1 `throttled_time`, v2 `throttled_usec` × 1000).
    public var throttledNanoseconds: UInt64?
    /// Bursts that used the burst allowance (`nr_bursts`).
    public var bursts: UInt64?
    /// Time spent bursting in nanoseconds (v1 `burst_time`, v2 `burst_usec` × 1000).
    public var burstNanoseconds: UInt64?
    /// Total CPU time in µs (v2 `usage_usec`; for v1 filled from `cpuacct.usage` by the reader).
    public var usageMicros: UInt64?
    /// User CPU time in µs (v2 `user_usec`).
    public var userMicros: UInt64?
    /// System CPU time in µs (v2 `system_usec`).
    public var systemMicros: UInt64?
    /// Every numeric key of the file as written (unknown keys included).
    public var values: [String: UInt64]

    /// Creates a stat from its parts.
    public init(
        periods: UInt64? = nil, throttledPeriods: UInt64? = nil, throttledNanoseconds: UInt64? = nil,
        bursts: UInt64? = nil, burstNanoseconds: UInt64? = nil, usageMicros: UInt64? = nil,
        userMicros: UInt64? = nil, systemMicros: UInt64? = nil, values: [String: UInt64] = [:]
    ) {
        self.periods = periods
        self.throttledPeriods = throttledPeriods
        self.throttledNanoseconds = throttledNanoseconds
        self.bursts = bursts
        self.burstNanoseconds = burstNanoseconds
        self.usageMicros = usageMicros
        self.userMicros = userMicros
        self.systemMicros = systemMicros
        self.values = values
    }

    /// Parses `cpu.stat` text of either version (key/value lines; unknown keys kept
    /// only in `values`).
    public static func parse(_ text: String) -> CpuStat {
        let values = ProcText.unsignedKeyValues(text)
        var stat = CpuStat(values: values)
        stat.periods = values["nr_periods"]
        stat.throttledPeriods = values["nr_throttled"]
        stat.throttledNanoseconds = values["throttled_time"] ?? values["throttled_usec"].map { $0 &* 1000 }
        stat.bursts = values["nr_bursts"]
        stat.burstNanoseconds = values["burst_time"] ?? values["burst_usec"].map { $0 &* 1000 }
        stat.usageMicros = values["usage_usec"]
        stat.userMicros = values["user_usec"]
        stat.systemMicros = values["system_usec"]
        return stat
    }

    /// The counter increase from `earlier` to this sample (fields missing in either
    /// are nil; a counter that went backwards — cgroup recreated — gives 0).
    public func delta(since earlier: CpuStat) -> CpuStat {
        func minus(_ now: UInt64?, _ then: UInt64?) -> UInt64? {
            guard let now, let then else { return nil }
            return now >= then ? now - then : 0
        }
        return CpuStat(
            periods: minus(periods, earlier.periods),
            throttledPeriods: minus(throttledPeriods, earlier.throttledPeriods),
            throttledNanoseconds: minus(throttledNanoseconds, earlier.throttledNanoseconds),
            bursts: minus(bursts, earlier.bursts),
            burstNanoseconds: minus(burstNanoseconds, earlier.burstNanoseconds),
            usageMicros: minus(usageMicros, earlier.usageMicros),
            userMicros: minus(userMicros, earlier.userMicros),
            systemMicros: minus(systemMicros, earlier.systemMicros))
    }

    /// throttledPeriods / periods, or nil when no period elapsed (idle or no quota).
    public var throttleRatio: Double? {
        guard let periods, periods > 0, let throttledPeriods else { return nil }
        return Double(throttledPeriods) / Double(periods)
    }
}
