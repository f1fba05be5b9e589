import KspyKernel

/// Completes an OOM event from a source before it is written: the pod and container
/// from its memory cgroup path (`CgroupEventNamer`), and the limit and usage of that
/// cgroup read from the memory controller's hierarchy (v1 `memory.limit_in_bytes`,
/// v2 `memory.max`). The cgroup usually still exists right after the kill; when it is
/// gone the figures stay null.
public struct OOMEventEnricher: Sendable {
    /// The namer.
    public let namer: CgroupEventNamer
    /// The hierarchy holding the memory controller, if any.
    public let memoryHierarchy: CgroupHierarchy?

    /// An enricher naming with `namer`, reading limits through `system`.
    public init(namer: CgroupEventNamer, system: CgroupSystem?) {
        self.namer = namer
        memoryHierarchy = system?.hierarchy(for: "memory")
    }

    /// `event` with pod fields, limit and usage filled in where known.
    public func enrich(_ event: OOMKillEvent) -> OOMKillEvent {
        guard let path = event.cgroupPath else { return event }
        var event = event
        event.pod = namer.attribution(cgroupPath: path)
        if let hierarchy = memoryHierarchy, hierarchy.directory(forProcessPath: path).map(SystemFile.exists) == true,
            let cgroup = try? Cgroup(path: path, hierarchies: [hierarchy])
        {
            if let limits = try? cgroup.readLimits() { event.memoryLimitBytes = limits.memoryLimitBytes }
            event.memoryUsageBytes = (try? cgroup.memoryUsage())?.usageBytes
        }
        return event
    }
}
