/// The cgroup settings kubelet derives from resources, for one container or for a pod's
/// own cgroup: memory limit, CFS quota and period, CPU shares (cgroup v1 values; use
/// `cpuWeight` for cgroup v2).
public struct CgroupResourceValues: Codable, Equatable, Sendable {
    /// `memory.limit_in_bytes` / `memory.max`, nil for no limit.
    public var memoryLimitBytes: Int64?
    /// `cpu.cfs_quota_us` / the first field of `cpu.max`, nil for no quota.
    public var cpuQuotaMicros: Int64?
    /// The CFS period the quota is for.
    public var cpuPeriodMicros: Int64
    /// `cpu.shares`.
    public var cpuShares: UInt64

    /// Memberwise initialiser.
    public init(
        memoryLimitBytes: Int64?, cpuQuotaMicros: Int64?,
        cpuPeriodMicros: Int64 = KubeletResources.defaultCPUPeriodMicros, cpuShares: UInt64
    ) {
        self.memoryLimitBytes = memoryLimitBytes
        self.cpuQuotaMicros = cpuQuotaMicros
        self.cpuPeriodMicros = cpuPeriodMicros
        self.cpuShares = cpuShares
    }

    /// cgroup v2 `cpu.weight` for `cpuShares` (`KubeletResources.cpuWeight`).
    public var cpuWeight: UInt64 { KubeletResources.cpuWeight(shares: cpuShares) }

    /// A container's values, as kubelet computes them for the runtime
    /// (`calculateLinuxResources`): shares from the cpu request (the limit when there is
    /// no request), quota from a non-zero cpu limit, memory limit from a non-zero memory
    /// limit.
    public static func forContainer(
        _ container: ContainerSpec, cpuPeriodMicros: Int64 = KubeletResources.defaultCPUPeriodMicros
    ) -> CgroupResourceValues {
        let resources = container.resources
        let cpuRequest = resources.requests.cpu ?? resources.limits.cpu
        var quota: Int64?
        if let limit = resources.limits.cpu, limit.isPositive {
            quota = KubeletResources.cpuQuota(milliCPU: limit.milliValue(), periodMicros: cpuPeriodMicros)
        }
        var memory: Int64?
        if let limit = resources.limits.memory, limit.isPositive {
            memory = limit.value()
        }
        return CgroupResourceValues(
            memoryLimitBytes: memory, cpuQuotaMicros: quota, cpuPeriodMicros: cpuPeriodMicros,
            cpuShares: KubeletResources.cpuShares(milliCPU: cpuRequest?.milliValue()))
    }

    /// The pod cgroup's values (`ResourceConfigForPod`): shares from the summed cpu
    /// requests; quota from the summed cpu limits only when every container has a cpu
    /// limit; memory limit from the summed memory limits only when every container has
    /// one (Guaranteed pods always have both). A BestEffort pod gets 2 shares and no
    /// limits. Sums are exact, then rounded up; beyond Int64 they saturate.
    public static func forPod(
        _ pod: PodManifest, cpuPeriodMicros: Int64 = KubeletResources.defaultCPUPeriodMicros
    ) -> CgroupResourceValues {
        let qos = QoSClass(pod: pod)
        if qos == .bestEffort {
            return CgroupResourceValues(
                memoryLimitBytes: nil, cpuQuotaMicros: nil, cpuPeriodMicros: cpuPeriodMicros,
                cpuShares: KubeletResources.minShares)
        }
        var cpuRequests: NanoAmount? = .zero
        var cpuLimits: NanoAmount? = .zero
        var memoryLimits: NanoAmount? = .zero
        var cpuLimitsDeclared = true
        var memoryLimitsDeclared = true
        for container in pod.containers {
            let resources = container.resources
            if let request = resources.requests.cpu ?? resources.limits.cpu {
                cpuRequests = cpuRequests?.adding(request.amount)
            }
            if let limit = resources.limits.cpu, !limit.isZero {
                cpuLimits = cpuLimits?.adding(limit.amount)
            } else {
                cpuLimitsDeclared = false
            }
            if let limit = resources.limits.memory, !limit.isZero {
                memoryLimits = memoryLimits?.adding(limit.amount)
            } else {
                memoryLimitsDeclared = false
            }
        }
        let requestMilli = cpuRequests?.roundedUpMilliValue ?? Int64.max
        var values = CgroupResourceValues(
            memoryLimitBytes: nil, cpuQuotaMicros: nil, cpuPeriodMicros: cpuPeriodMicros,
            cpuShares: KubeletResources.cpuShares(milliCPU: requestMilli))
        if qos == .guaranteed || cpuLimitsDeclared {
            let limitMilli = cpuLimits?.roundedUpMilliValue ?? Int64.max
            values.cpuQuotaMicros = KubeletResources.cpuQuota(milliCPU: limitMilli, periodMicros: cpuPeriodMicros)
        }
        if qos == .guaranteed || memoryLimitsDeclared {
            values.memoryLimitBytes = memoryLimits?.roundedUpValue ?? Int64.max
        }
        return values
    }
}
