import Glibc

extension Cgroup {
    /// Writes `limits` into this cgroup; nil fields are left unchanged. Each controller
    /// is written in the hierarchy that holds it (`hierarchy(for:)`):
    /// v1 (cgroup-v1 memory.rst, sched-bwc.rst, pids.rst): `memory.limit_in_bytes`,
    /// `cpu.cfs_period_us` before `cpu.cfs_quota_us` (-1 = none), `cpu.shares`, `pids.max`;
    /// v2 (cgroup-v2.rst): `memory.max`, `cpu.max` (`"<quota> <period>"` / `"max <period>"`,
    /// keeping the current field that is not given), `cpu.weight`, `pids.max` — only when
    /// the cgroup's own `cgroup.controllers` lists the controller (see `create`).
    /// - Throws: `KernelError` EPERM for the root cgroup; EOPNOTSUPP when a limit is
    ///   requested for a controller no hierarchy of this cgroup provides; the kernel's
    ///   errno of a rejected write (EINVAL, EBUSY for a memory limit below usage).
    public func apply(_ limits: CgroupLimits) throws(KernelError) {
        guard !isRoot else { throw KernelError("refusing to set limits on", "the root cgroup", errno: EPERM) }
        if let memory = limits.memoryLimitBytes {
            let (hierarchy, directory) = try controllerDirectory("memory")
            if hierarchy.version == .v1 {
                try SystemFile.write(memory < 0 ? "-1" : String(memory), to: directory + "/memory.limit_in_bytes")
            } else {
                try SystemFile.write(memory < 0 ? "max" : String(memory), to: directory + "/memory.max")
            }
        }
        if limits.cpuQuotaMicros != nil || limits.cpuPeriodMicros != nil || limits.cpuShares != nil
            || limits.cpuWeight != nil
        {
            let (hierarchy, directory) = try controllerDirectory("cpu")
            if hierarchy.version == .v1 {
                if let period = limits.cpuPeriodMicros {
                    try SystemFile.write(String(period), to: directory + "/cpu.cfs_period_us")
                }
                if let quota = limits.cpuQuotaMicros {
                    try SystemFile.write(quota < 0 ? "-1" : String(quota), to: directory + "/cpu.cfs_quota_us")
                }
                if let shares = limits.cpuShares ?? limits.cpuWeight.map(CgroupLimits.shares(fromWeight:)) {
                    try SystemFile.write(String(shares), to: directory + "/cpu.shares")
                }
            } else {
                if limits.cpuQuotaMicros != nil || limits.cpuPeriodMicros != nil {
                    let current = Cgroup.parseCpuMax(try SystemFile.readTrimmed(directory + "/cpu.max"))
                    let quota = limits.cpuQuotaMicros.map { $0 < 0 ? nil : $0 } ?? current.quota
                    let period = limits.cpuPeriodMicros ?? current.period ?? 100_000
                    let value = (quota.map { String($0) } ?? "max") + " " + String(period)
                    try SystemFile.write(value, to: directory + "/cpu.max")
                }
                if let weight = limits.cpuWeight ?? limits.cpuShares.flatMap(CgroupLimits.weight(fromShares:)) {
                    try SystemFile.write(String(weight), to: directory + "/cpu.weight")
                }
            }
        }
        if let pids = limits.pidsMax {
            let (_, directory) = try controllerDirectory("pids")
            try SystemFile.write(pids < 0 ? "max" : String(pids), to: directory + "/pids.max")
        }
    }

    /// Reads the limits back from whichever hierarchy holds each controller. Unlimited
    /// values are nil: v1 `-1` quota, a v1 memory limit at or above PAGE_COUNTER_MAX ×
    /// page size (9223372036854771712 with 4 KiB pages, mm/page_counter), v2 `max`.
    /// v1 gives `cpuShares` (no weight), v2 `cpuWeight` (no shares). A controller
    /// that no hierarchy provides, or that a v2 cgroup has not enabled, reads as nil.
    /// - Throws: `KernelError` from reads (`isGone` when the cgroup vanished).
    public func readLimits() throws(KernelError) -> CgroupLimits {
        var limits = CgroupLimits()
        if let hierarchy = hierarchy(for: "memory") {
            let directory = directory(in: hierarchy)
            if hierarchy.version == .v1 {
                if let text = try Cgroup.readIfPresent(directory, "memory.limit_in_bytes"), let value = Int64(text) {
                    limits.memoryLimitBytes = value >= Cgroup.v1UnlimitedMemory ? nil : value
                }
            } else if let text = try Cgroup.readIfPresent(directory, "memory.max") {
                limits.memoryLimitBytes = Int64(text)
            }
        }
        if let hierarchy = hierarchy(for: "cpu") {
            let directory = directory(in: hierarchy)
            if hierarchy.version == .v1 {
                if let text = try Cgroup.readIfPresent(directory, "cpu.cfs_quota_us"), let quota = Int64(text) {
                    limits.cpuQuotaMicros = quota < 0 ? nil : quota
                }
                limits.cpuPeriodMicros = try Cgroup.readIfPresent(directory, "cpu.cfs_period_us").flatMap { Int64($0) }
                limits.cpuShares = try Cgroup.readIfPresent(directory, "cpu.shares").flatMap { UInt64($0) }
            } else {
                if let text = try Cgroup.readIfPresent(directory, "cpu.max") {
                    let parsed = Cgroup.parseCpuMax(text)
                    limits.cpuQuotaMicros = parsed.quota
                    limits.cpuPeriodMicros = parsed.period
                }
                limits.cpuWeight = try Cgroup.readIfPresent(directory, "cpu.weight").flatMap { UInt64($0) }
            }
        }
        if let hierarchy = hierarchy(for: "pids") {
            limits.pidsMax = try Cgroup.readIfPresent(directory(in: hierarchy), "pids.max").flatMap { Int64($0) }
        }
        return limits
    }

    /// Parses v2 `cpu.max` (`"50000 100000"`, `"max 100000"`, or a lone quota) into
    /// quota (nil for `max`) and period.
    public static func parseCpuMax(_ text: String) -> (quota: Int64?, period: Int64?) {
        let fields = text.split(whereSeparator: { $0 == " " || $0 == "\n" })
        let quota = fields.first.flatMap { Int64($0) }
        let period = fields.count > 1 ? Int64(fields[1]) : nil
        return (quota, period)
    }

    /// The smallest v1 `memory.limit_in_bytes` that means "unlimited":
    /// PAGE_COUNTER_MAX (LONG_MAX / PAGE_SIZE) × PAGE_SIZE for this machine's page size.
    public static var v1UnlimitedMemory: Int64 {
        let pageSize = Int64(max(sysconf(Int32(_SC_PAGESIZE)), 1))
        return (Int64.max / pageSize) * pageSize
    }

    /// The hierarchy and directory holding `controller`, checking for v2 that the
    /// cgroup itself has the controller (its `cgroup.controllers`).
    func controllerDirectory(_ controller: String) throws(KernelError) -> (CgroupHierarchy, String) {
        guard let hierarchy = hierarchy(for: controller) else {
            throw KernelError("no mounted hierarchy provides the \(controller) controller for", path, errno: EOPNOTSUPP)
        }
        let directory = directory(in: hierarchy)
        if hierarchy.version == .v2 {
            let available = try Cgroup.words(directory + "/cgroup.controllers")
            guard available.contains(controller) else {
                throw KernelError(
                    "the \(controller) controller is not enabled (parent's cgroup.subtree_control) for", directory,
                    errno: EOPNOTSUPP)
            }
        }
        return (hierarchy, directory)
    }

    /// The trimmed content of `directory/file`, nil when the file is absent but the
    /// directory exists (a controller file not provided); throws otherwise.
    static func readIfPresent(_ directory: String, _ file: String) throws(KernelError) -> String? {
        do {
            return try SystemFile.readTrimmed(directory + "/" + file)
        } catch {
            if error.errno == ENOENT && SystemFile.exists(directory) { return nil }
            throw error
        }
    }
}
