/// Memory-limit and OOM event counters of a cgroup: v2 `memory.events` /
/// `memory.events.local` (cgroup-v2.rst: `low`, `high`, `max`, `oom`, `oom_kill`,
/// `oom_group_kill`) or v1 `memory.oom_control` (cgroup-v1/memory.rst:
/// `oom_kill_disable`, `under_oom`, `oom_kill` — the kill counter since 4.13).
/// `oomKillCount` is the uniform "processes killed by the OOM killer" number.
public struct MemoryEvents: Hashable, Sendable {
    /// v2 `low`: reclaimed below memory.low.
    public var low: UInt64?
    /// v2 `high`: throttled above memory.high.
    public var high: UInt64?
    /// v2 `max`: usage was about to exceed memory.max.
    public var max: UInt64?
    /// v2 `oom`: allocations failed at the limit (the OOM killer was invoked or the
    /// allocation failed).
    public var oom: UInt64?
    /// Processes killed by the OOM killer (v2 `oom_kill`, v1 `oom_kill`).
    public var oomKillCount: UInt64?
    /// v2 `oom_group_kill`: group kills because of `memory.oom.group`.
    public var oomGroupKill: UInt64?
    /// v1 `oom_kill_disable`: the OOM killer is disabled for the cgroup.
    public var oomKillDisabled: Bool?
    /// v1 `under_oom`: the cgroup is currently stalled in OOM.
    public var underOOM: Bool?
    /// Every numeric key as written.
    public var values: [String: UInt64]

    /// Creates an empty set of events.
    public init(values: [String: UInt64] = [:]) {
        self.values = values
    }

    /// Parses v2 `memory.events` or `memory.events.local`.
    public static func parse(events text: String) -> MemoryEvents {
        let values = ProcText.unsignedKeyValues(text)
        var events = MemoryEvents(values: values)
        events.low = values["low"]
        events.high = values["high"]
        events.max = values["max"]
        events.oom = values["oom"]
        events.oomKillCount = values["oom_kill"]
        events.oomGroupKill = values["oom_group_kill"]
        return events
    }

    /// Parses v1 `memory.oom_control`.
    public static func parse(oomControl text: String) -> MemoryEvents {
        let values = ProcText.unsignedKeyValues(text)
        var events = MemoryEvents(values: values)
        events.oomKillDisabled = values["oom_kill_disable"].map { $0 != 0 }
        events.underOOM = values["under_oom"].map { $0 != 0 }
        events.oomKillCount = values["oom_kill"]
        return events
    }
}
