import Testing

@testable import KspyRuntime

/// kubelet's conversions: CPU shares, CFS quota, cgroup v2 weight, pod-level sums, OOM
/// score adjustment.
@Suite struct KubeletResourcesTests {
    @Test(
        arguments: [
            (nil, 2), (0, 2), (-5, 2), (1, 2), (2, 2), (3, 3), (100, 102), (250, 256), (500, 512), (1000, 1024),
            (1500, 1536), (256_000, 262_144), (300_000, 262_144), (Int64.max, 262_144),
        ] as [(Int64?, UInt64)])
    func cpuShares(milliCPU: Int64?, shares: UInt64) {
        #expect(KubeletResources.cpuShares(milliCPU: milliCPU) == shares)
    }

    @Test(
        arguments: [
            (100, 100_000, 10_000), (500, 100_000, 50_000), (1000, 100_000, 100_000), (1, 100_000, 1000),
            (10, 100_000, 1000), (11, 100_000, 1100), (2500, 100_000, 250_000), (0, 100_000, 0), (-1, 100_000, 0),
            (100, 50_000, 5000), (1500, 20_000, 30_000), (Int64.max, 100_000, Int64.max),
        ] as [(Int64, Int64, Int64)])
    func cpuQuota(milliCPU: Int64, period: Int64, quota: Int64) {
        #expect(KubeletResources.cpuQuota(milliCPU: milliCPU, periodMicros: period) == quota)
    }

    @Test func cpuQuotaDefaultsToTheStandardPeriod() {
        #expect(KubeletResources.cpuQuota(milliCPU: 100) == 10_000)
    }

    @Test(
        arguments: [
            (0, 1), (1, 1), (2, 1), (3, 2), (10, 4), (102, 17), (512, 59), (1024, 100), (2048, 174), (4096, 303),
            (10_240, 639), (100_000, 4340), (262_143, 10_000), (262_144, 10_000), (1_000_000, 10_000),
        ] as [(UInt64, UInt64)])
    func cpuWeight(shares: UInt64, weight: UInt64) {
        #expect(KubeletResources.cpuWeight(shares: shares) == weight)
    }

    @Test(
        arguments: [
            (0, 1), (2, 1), (3, 1), (102, 4), (1024, 39), (2048, 79), (262_144, 10_000), (1_000_000, 10_000),
        ] as [(UInt64, UInt64)])
    func legacyCpuWeight(shares: UInt64, weight: UInt64) {
        #expect(KubeletResources.legacyCpuWeight(shares: shares) == weight)
    }

    /// A container with `resources` in YAML flow syntax, parsed (so defaulted).
    static func container(_ resources: String) throws -> ContainerSpec {
        try QoSClassTests.pod([resources]).containers[0]
    }

    @Test(
        arguments: [
            (
                "{requests: {cpu: 100m, memory: 32Mi}, limits: {cpu: 500m, memory: 64Mi}}",
                CgroupResourceValues(memoryLimitBytes: 67_108_864, cpuQuotaMicros: 50_000, cpuShares: 102)
            ),
            (
                "{limits: {cpu: 100m}}",
                CgroupResourceValues(memoryLimitBytes: nil, cpuQuotaMicros: 10_000, cpuShares: 102)
            ),
            (
                "{limits: {cpu: 0.5, memory: 1Gi}}",
                CgroupResourceValues(memoryLimitBytes: 1_073_741_824, cpuQuotaMicros: 50_000, cpuShares: 512)
            ),
            ("{limits: {cpu: 1m}}", CgroupResourceValues(memoryLimitBytes: nil, cpuQuotaMicros: 1000, cpuShares: 2)),
            ("{requests: {cpu: 2}}", CgroupResourceValues(memoryLimitBytes: nil, cpuQuotaMicros: nil, cpuShares: 2048)),
            (
                "{requests: {memory: 1Gi}}",
                CgroupResourceValues(memoryLimitBytes: nil, cpuQuotaMicros: nil, cpuShares: 2)
            ),
            ("{}", CgroupResourceValues(memoryLimitBytes: nil, cpuQuotaMicros: nil, cpuShares: 2)),
            (
                "{limits: {cpu: 0, memory: 0}}",
                CgroupResourceValues(memoryLimitBytes: nil, cpuQuotaMicros: nil, cpuShares: 2)
            ),
            (
                "{limits: {memory: 0.5}}",
                CgroupResourceValues(memoryLimitBytes: 1, cpuQuotaMicros: nil, cpuShares: 2)
            ),
        ] as [(String, CgroupResourceValues)])
    func containerValues(resources: String, expected: CgroupResourceValues) throws {
        let values = CgroupResourceValues.forContainer(try Self.container(resources))
        #expect(values == expected)
        #expect(values.cpuPeriodMicros == 100_000)
    }

    @Test func containerValuesWithAnotherPeriod() throws {
        let values = CgroupResourceValues.forContainer(
            try Self.container("{limits: {cpu: 100m}}"), cpuPeriodMicros: 50_000)
        #expect(
            values
                == CgroupResourceValues(
                    memoryLimitBytes: nil, cpuQuotaMicros: 5000, cpuPeriodMicros: 50_000, cpuShares: 102))
    }

    @Test func undefaultedContainerTakesSharesFromItsLimit() throws {
        let container = ContainerSpec(
            name: "c", image: "/img",
            resources: ResourceRequirements(limits: ResourceList(cpu: try Quantity("250m"))))
        #expect(CgroupResourceValues.forContainer(container).cpuShares == 256)
    }

    @Test func cpuWeightOfValues() {
        #expect(CgroupResourceValues(memoryLimitBytes: nil, cpuQuotaMicros: nil, cpuShares: 1024).cpuWeight == 100)
        #expect(CgroupResourceValues(memoryLimitBytes: nil, cpuQuotaMicros: nil, cpuShares: 2).cpuWeight == 1)
    }

    @Test(
        arguments: [
            // Burstable, a container without limits: shares from the summed requests only.
            (
                [
                    "{requests: {cpu: 100m, memory: 32Mi}, limits: {cpu: 500m, memory: 64Mi}}",
                    "{requests: {cpu: 50m, memory: 16Mi}}",
                ],
                CgroupResourceValues(memoryLimitBytes: nil, cpuQuotaMicros: nil, cpuShares: 153)
            ),
            // Burstable, every container limited: quota and memory from the summed limits.
            (
                [
                    "{requests: {cpu: 100m, memory: 32Mi}, limits: {cpu: 500m, memory: 64Mi}}",
                    "{limits: {cpu: 250m, memory: 32Mi}}",
                ],
                CgroupResourceValues(memoryLimitBytes: 100_663_296, cpuQuotaMicros: 75_000, cpuShares: 358)
            ),
            // Burstable, cpu limited everywhere, memory not.
            (
                ["{limits: {cpu: 1}}", "{limits: {cpu: 1, memory: 1Gi}}"],
                CgroupResourceValues(memoryLimitBytes: nil, cpuQuotaMicros: 200_000, cpuShares: 2048)
            ),
            // Burstable, memory limited everywhere, cpu not.
            (
                ["{limits: {memory: 1Gi}}", "{requests: {cpu: 200m}, limits: {memory: 1Gi}}"],
                CgroupResourceValues(memoryLimitBytes: 2_147_483_648, cpuQuotaMicros: nil, cpuShares: 204)
            ),
            // Guaranteed.
            (
                ["{limits: {cpu: 1, memory: 1Gi}}", "{limits: {cpu: 500m, memory: 512Mi}}"],
                CgroupResourceValues(memoryLimitBytes: 1_610_612_736, cpuQuotaMicros: 150_000, cpuShares: 1536)
            ),
            // Guaranteed, sums taken exactly before rounding up (0.2m → 1m, 0.5 + 0.5 bytes → 1).
            (
                ["{limits: {cpu: 0.1m, memory: 0.5}}", "{limits: {cpu: 0.1m, memory: 0.5}}"],
                CgroupResourceValues(memoryLimitBytes: 1, cpuQuotaMicros: 1000, cpuShares: 2)
            ),
            // BestEffort: minimum shares, no limits.
            (["{}", "{}"], CgroupResourceValues(memoryLimitBytes: nil, cpuQuotaMicros: nil, cpuShares: 2)),
        ] as [([String], CgroupResourceValues)])
    func podValues(resources: [String], expected: CgroupResourceValues) throws {
        #expect(CgroupResourceValues.forPod(try QoSClassTests.pod(resources)) == expected)
    }

    @Test func podValuesWithAnotherPeriod() throws {
        let pod = try QoSClassTests.pod(["{limits: {cpu: 1, memory: 1Gi}}"])
        let values = CgroupResourceValues.forPod(pod, cpuPeriodMicros: 10_000)
        #expect(
            values
                == CgroupResourceValues(
                    memoryLimitBytes: 1_073_741_824, cpuQuotaMicros: 10_000, cpuPeriodMicros: 10_000, cpuShares: 1024))
    }

    @Test(
        arguments: [
            (QoSClass.guaranteed, 1 << 30, 4 << 30, -997),
            (.bestEffort, 0, 4 << 30, 1000),
            (.burstable, 1 << 30, 4 << 30, 750),
            (.burstable, 0, 4 << 30, 999),
            (.burstable, 1, 4 << 30, 999),
            (.burstable, 4 << 30, 4 << 30, 3),
            (.burstable, 8 << 30, 4 << 30, 3),
            (.burstable, 996, 1000, 4),
            (.burstable, 997, 1000, 3),
            (.burstable, 998, 1000, 3),
            (.burstable, 100 << 20, 1 << 30, 903),  // 1000 - 97.65 truncated
            (.burstable, 1 << 20, 1 << 30, 999),  // 1000 - 0.98 truncated is 1000
            (.burstable, 100, 0, 999),
            (.burstable, Int64.max, 1 << 30, 3),
        ] as [(QoSClass, Int64, Int64, Int)])
    func oomScoreAdj(qos: QoSClass, request: Int64, capacity: Int64, expected: Int) {
        #expect(
            KubeletResources.oomScoreAdj(qos: qos, memoryRequestBytes: request, memoryCapacityBytes: capacity)
                == expected)
    }
}
