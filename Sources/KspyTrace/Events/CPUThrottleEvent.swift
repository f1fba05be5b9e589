/// A container whose CFS bandwidth throttling in one sampling interval reached the
/// threshold: Δnr_throttled / Δnr_periods of its cgroup's `cpu.stat` (runtimes.md §7).
public struct CPUThrottleEvent: Encodable, Hashable, Sendable {
    /// Nanoseconds since the epoch at the end of the interval.
    public var timeNanoseconds: Int64
    /// Pod and container.
    public var pod: PodAttribution
    /// The container's cgroup path.
    public var cgroupPath: String
    /// Δnr_periods.
    public var periods: UInt64
    /// Δnr_throttled.
    public var throttledPeriods: UInt64
    /// throttledPeriods / periods.
    public var throttledRatio: Double
    /// Δthrottled time in seconds (v1 ns, v2 µs in the file).
    public var throttledSeconds: Double
    /// The quota in force (null: none on the container itself).
    public var cpuQuotaMicros: Int64?
    /// The period in force.
    public var cpuPeriodMicros: Int64?
    /// The interval's length in seconds.
    public var intervalSeconds: Double
    /// cgroup v2 `cpu.pressure` "some avg10" where present.
    public var pressureSomeAvg10: Double?

    /// Creates an event from its fields.
    public init(
        timeNanoseconds: Int64, pod: PodAttribution, cgroupPath: String, periods: UInt64, throttledPeriods: UInt64,
        throttledSeconds: Double, cpuQuotaMicros: Int64?, cpuPeriodMicros: Int64?, intervalSeconds: Double,
        pressureSomeAvg10: Double? = nil
    ) {
        self.timeNanoseconds = timeNanoseconds
        self.pod = pod
        self.cgroupPath = cgroupPath
        self.periods = periods
        self.throttledPeriods = throttledPeriods
        self.throttledRatio = periods == 0 ? 0 : Double(throttledPeriods) / Double(periods)
        self.throttledSeconds = throttledSeconds
        self.cpuQuotaMicros = cpuQuotaMicros
        self.cpuPeriodMicros = cpuPeriodMicros
        self.intervalSeconds = intervalSeconds
        self.pressureSomeAvg10 = pressureSomeAvg10
    }

    private enum CodingKeys: String, CodingKey {
        case time, kind, podUID, podName, podNamespace, containerName, containerID, cgroupPath, periods
        case throttledPeriods, throttledRatio, throttledSeconds, cpuQuotaMicros, cpuPeriodMicros, intervalSeconds
        case pressureSomeAvg10
    }

    /// Encodes the contract keys, null when unknown.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(EventTime.rfc3339(timeNanoseconds), forKey: .time)
        try c.encode("cpuThrottled", forKey: .kind)
        try c.encode(pod.podUID, forKey: .podUID)
        try c.encode(pod.podName, forKey: .podName)
        try c.encode(pod.podNamespace, forKey: .podNamespace)
        try c.encode(pod.containerName, forKey: .containerName)
        try c.encode(pod.containerID, forKey: .containerID)
        try c.encode(cgroupPath, forKey: .cgroupPath)
        try c.encode(periods, forKey: .periods)
        try c.encode(throttledPeriods, forKey: .throttledPeriods)
        try c.encode(throttledRatio, forKey: .throttledRatio)
        try c.encode(throttledSeconds, forKey: .throttledSeconds)
        try c.encode(cpuQuotaMicros, forKey: .cpuQuotaMicros)
        try c.encode(cpuPeriodMicros, forKey: .cpuPeriodMicros)
        try c.encode(intervalSeconds, forKey: .intervalSeconds)
        try c.encodeIfPresent(pressureSomeAvg10, forKey: .pressureSomeAvg10)
    }
}
