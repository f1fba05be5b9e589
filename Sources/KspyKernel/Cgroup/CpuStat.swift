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

    /// Parses the typed counters of `cpu.stat` bytes of either version without
    /// allocating (the sampler's per-interval path): the same fields as `parse`, but
    /// `values` is left empty.
    public static func parseCounters(_ bytes: ArraySlice<UInt8>) -> CpuStat {
        var stat = CpuStat()
        var lineStart = bytes.startIndex
        while lineStart < bytes.endIndex {
            let lineEnd = bytes[lineStart...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.endIndex
            let line = bytes[lineStart..<lineEnd]
            lineStart = lineEnd == bytes.endIndex ? lineEnd : lineEnd + 1
            // `key value`, blanks around either ignored, as the full parser splits.
            func isBlank(_ byte: UInt8) -> Bool { byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
            guard let keyStart = line.firstIndex(where: { !isBlank($0) }),
                let keyEnd = line[keyStart...].firstIndex(where: isBlank),
                let valueStart = line[keyEnd...].firstIndex(where: { !isBlank($0) })
            else { continue }
            let valueEnd = line[valueStart...].firstIndex(where: isBlank) ?? line.endIndex
            guard line[valueEnd...].allSatisfy(isBlank) else { continue }
            var value: UInt64 = 0
            var digits = 0
            for byte in line[valueStart..<valueEnd] {
                guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { digits = -1; break }
                let (product, overflow1) = value.multipliedReportingOverflow(by: 10)
                let (sum, overflow2) = product.addingReportingOverflow(UInt64(byte - UInt8(ascii: "0")))
                if overflow1 || overflow2 { digits = -1; break }
                value = sum
                digits += 1
            }
            guard digits > 0 else { continue }
            let key = line[keyStart..<keyEnd]
            func `is`(_ name: StaticString) -> Bool {
                key.count == name.utf8CodeUnitCount
                    && key.elementsEqual(UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
            }
            if `is`("nr_periods") {
                stat.periods = value
            } else if `is`("nr_throttled") {
                stat.throttledPeriods = value
            } else if `is`("throttled_time") {
                stat.throttledNanoseconds = value
            } else if `is`("throttled_usec") {
                if stat.throttledNanoseconds == nil { stat.throttledNanoseconds = value &* 1000 }
            } else if `is`("nr_bursts") {
                stat.bursts = value
            } else if `is`("burst_time") {
                stat.burstNanoseconds = value
            } else if `is`("burst_usec") {
                if stat.burstNanoseconds == nil { stat.burstNanoseconds = value &* 1000 }
            } else if `is`("usage_usec") {
                stat.usageMicros = value
            } else if `is`("user_usec") {
                stat.userMicros = value
            } else if `is`("system_usec") {
                stat.systemMicros = value
            }
        }
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
