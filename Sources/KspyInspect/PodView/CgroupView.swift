import KspyKernel

/// A pod or container cgroup as the kernel shows it: where it is, the limits in force
/// and current usage (cgroup v1 `memory.limit_in_bytes`, `cpu.cfs_quota_us`/`_period_us`,
/// `cpu.shares`; v2 `memory.max`, `cpu.max`, `cpu.weight`).
public struct CgroupView: Codable, Hashable, Sendable {
    /// `v1` or `v2`: the hierarchy the path was found in.
    public var version: CgroupVersion
    /// kubelet's cgroup driver, from the path's shape.
    public var driver: String
    /// The path relative to the hierarchy roots.
    public var path: String
    /// Memory limit (null: unlimited or unreadable).
    public var memoryLimitBytes: Int64?
    /// CFS quota per period (null: unlimited).
    public var cpuQuotaMicros: Int64?
    /// CFS period.
    public var cpuPeriodMicros: Int64?
    /// v1 `cpu.shares`.
    public var cpuShares: UInt64?
    /// v2 `cpu.weight`.
    public var cpuWeight: UInt64?
    /// `pids.max` (null: max).
    public var pidsMax: Int64?
    /// Current memory usage.
    public var memoryUsageBytes: UInt64?
    /// Why the files could not be read (e.g. the path lies outside this cgroup
    /// namespace's view), when they could not.
    public var problem: String?

    /// Reads the cgroup at `path` (as `/proc/<pid>/cgroup` showed it) in the
    /// hierarchies of `version` where that directory exists.
    public init(path: String, version: CgroupVersion, driver: CgroupPathDriver, system: CgroupSystem?) {
        self.version = version
        self.driver = driver.rawValue
        self.path = path
        guard let system else {
            problem = "cgroup mounts not found"
            return
        }
        let candidates = version == .v2 ? (system.unified.map { [$0] } ?? []) : system.v1Hierarchies
        let present = candidates.filter { hierarchy in
            hierarchy.directory(forProcessPath: path).map(SystemFile.exists) ?? false
        }
        guard !present.isEmpty, let cgroup = try? Cgroup(path: path, hierarchies: present) else {
            problem = "cgroup \(path) is not visible under this process's cgroup mounts"
            return
        }
        do {
            let limits = try cgroup.readLimits()
            memoryLimitBytes = limits.memoryLimitBytes
            cpuQuotaMicros = limits.cpuQuotaMicros
            cpuPeriodMicros = limits.cpuPeriodMicros
            cpuShares = limits.cpuShares
            cpuWeight = limits.cpuWeight
            pidsMax = limits.pidsMax
            memoryUsageBytes = try? cgroup.memoryUsage().usageBytes
        } catch {
            problem = error.description
        }
    }

    /// Encodes every key, nil as null.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(version, forKey: .version)
        try c.encode(driver, forKey: .driver)
        try c.encode(path, forKey: .path)
        try c.encode(memoryLimitBytes, forKey: .memoryLimitBytes)
        try c.encode(cpuQuotaMicros, forKey: .cpuQuotaMicros)
        try c.encode(cpuPeriodMicros, forKey: .cpuPeriodMicros)
        try c.encode(cpuShares, forKey: .cpuShares)
        try c.encode(cpuWeight, forKey: .cpuWeight)
        try c.encode(pidsMax, forKey: .pidsMax)
        try c.encode(memoryUsageBytes, forKey: .memoryUsageBytes)
        try c.encode(problem, forKey: .problem)
    }
}
