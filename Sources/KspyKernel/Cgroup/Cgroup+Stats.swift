import Glibc

extension Cgroup {
    /// Reads `cpu.stat` from the hierarchy holding the `cpu` controller. On v1 the
    /// usage fields are filled from the cgroup2 mount's `cpu.stat` (a core file that
    /// exists without controllers, cgroup-v2.rst) when this cgroup is present there,
    /// else from v1 `cpuacct.usage` (ns).
    /// - Throws: `KernelError` (`isGone` when the cgroup vanished).
    public func cpuStat() throws(KernelError) -> CpuStat {
        let unified = hierarchies.first { $0.version == .v2 }
        guard let hierarchy = hierarchy(for: "cpu") ?? unified else {
            throw KernelError("no hierarchy provides cpu.stat for", path, errno: EOPNOTSUPP)
        }
        var stat = CpuStat.parse(try SystemFile.read(directory(in: hierarchy) + "/cpu.stat"))
        if stat.usageMicros == nil {
            if let unified, unified != hierarchy,
                let text = try Cgroup.readIfPresent(directory(in: unified), "cpu.stat")
            {
                let usage = CpuStat.parse(text)
                stat.usageMicros = usage.usageMicros
                stat.userMicros = usage.userMicros
                stat.systemMicros = usage.systemMicros
            } else if let cpuacct = self.hierarchy(for: "cpuacct"),
                let text = try Cgroup.readIfPresent(directory(in: cpuacct), "cpuacct.usage"),
                let nanoseconds = UInt64(text)
            {
                stat.usageMicros = nanoseconds / 1000
            }
        }
        return stat
    }

    /// Reads the OOM counters: v2 `memory.events` (or `memory.events.local` when
    /// `local`), v1 `memory.oom_control`, from the hierarchy holding `memory`.
    /// - Throws: `KernelError` (EOPNOTSUPP without a memory controller).
    public func memoryEvents(local: Bool = false) throws(KernelError) -> MemoryEvents {
        let (hierarchy, directory) = try controllerDirectory("memory")
        if hierarchy.version == .v1 {
            return MemoryEvents.parse(oomControl: try SystemFile.read(directory + "/memory.oom_control"))
        }
        return MemoryEvents.parse(events: try SystemFile.read(directory + (local ? "/memory.events.local" : "/memory.events")))
    }

    /// Reads the memory usage counters from the hierarchy holding `memory`.
    /// - Throws: `KernelError` (EOPNOTSUPP without a memory controller).
    public func memoryUsage() throws(KernelError) -> MemoryUsage {
        let (hierarchy, directory) = try controllerDirectory("memory")
        func value(_ file: String) throws(KernelError) -> UInt64? {
            try Cgroup.readIfPresent(directory, file).flatMap(MemoryUsage.parseValue)
        }
        if hierarchy.version == .v1 {
            return MemoryUsage(
                usageBytes: try value("memory.usage_in_bytes"), peakBytes: try value("memory.max_usage_in_bytes"),
                failCount: try value("memory.failcnt"))
        }
        return MemoryUsage(usageBytes: try value("memory.current"), peakBytes: try value("memory.peak"))
    }

    /// Reads `<resource>.pressure` (PSI, accounting/psi.rst) from this cgroup in the
    /// cgroup2 hierarchy; nil when there is no cgroup2 mount among its hierarchies or
    /// the kernel has no PSI files (CONFIG_PSI off or `psi=0`).
    /// - Throws: `KernelError` (`isGone` when the cgroup vanished).
    public func pressure(_ resource: PressureStall.Resource) throws(KernelError) -> PressureStall? {
        guard let unified = hierarchies.first(where: { $0.version == .v2 }) else { return nil }
        guard let text = try Cgroup.readIfPresent(directory(in: unified), resource.rawValue + ".pressure") else {
            return nil
        }
        return PressureStall.parse(text)
    }
}
