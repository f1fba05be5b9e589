import KspyKernel

extension CgroupResourceValues {
    /// The values as the Kernel layer writes them: an absent limit is written as "no
    /// limit" (-1 / max), so a reused cgroup never keeps an old one.
    var limits: CgroupLimits {
        CgroupLimits(
            memoryLimitBytes: memoryLimitBytes ?? -1, cpuQuotaMicros: cpuQuotaMicros ?? -1,
            cpuPeriodMicros: cpuPeriodMicros, cpuShares: cpuShares)
    }
}
