import Glibc
import KspyKernel
import KspyTrace
import Testing
import KspyTestSupport

/// `ThrottleSampler` against real CFS bandwidth control: v1 `cpu` cgroups of this test
/// shaped like kubelet's tree, one container with a 100m quota running a busy loop.
@Suite(.serialized) struct ThrottleSamplerTests {
    /// A pod with two containers of quota 10000/100000: one busy, one sleeping.
    static func setUp(cpu: CgroupHierarchy) throws -> (OwnedCgroupTree, String, String, String) {
        let tree = try OwnedCgroupTree(hierarchy: cpu)
        let pod = "/kubepods/burstable/pod" + TraceTest.podUID()
        let busy = pod + "/" + TraceTest.randomHex(64)
        let idle = pod + "/" + TraceTest.randomHex(64)
        for relative in [busy, idle] {
            let directory = try tree.make(relative)
            try SystemFile.write("100000", to: directory + "/cpu.cfs_period_us")
            try SystemFile.write("10000", to: directory + "/cpu.cfs_quota_us")
        }
        return (tree, pod, busy, idle)
    }

    @Test func busyContainerWithQuotaIsReportedIdleOneIsNot() throws {
        guard requireRoot() else { return }
        let system = try TraceTest.system()
        let cpu = try #require(system.hierarchy(for: "cpu"))
        let (tree, _, busyRelative, idleRelative) = try Self.setUp(cpu: cpu)
        defer { tree.cleanup() }
        let busyPath = tree.rootPath + busyRelative
        let idlePath = tree.rootPath + idleRelative

        let idle = try ShellChild("echo $$ > \(tree.directory(idleRelative))/cgroup.procs && exec sleep 60")
        defer { idle.killAndReap() }
        let busy = try ShellChild("echo $$ > \(tree.directory(busyRelative))/cgroup.procs; while :; do :; done")
        defer { busy.killAndReap() }
        // The kernel shows the busy shell in the container's cpu cgroup.
        #expect(
            TraceTest.waitUntil(seconds: 5) {
                busy.cgroups()?.first { $0.controllers.contains("cpu") }?.path == busyPath
                    && idle.cgroups()?.first { $0.controllers.contains("cpu") }?.path == idlePath
            })

        let sampler = try ThrottleSampler(system: system, intervalSeconds: 0.5, minRatio: 0.05)
        let queue = BoundedEventQueue<CPUThrottleEvent>(capacity: 1024)
        let producer = BackgroundRun { stop in sampler.run(into: queue, stop: stop) }
        defer { producer.finish() }
        // Within 5 intervals.
        let (found, others) = TraceTest.waitForEvent(queue, seconds: 2.5) { $0.cgroupPath == busyPath }
        let event = try #require(found, "no throttle event for the busy container")
        #expect(event.throttledRatio > 0.5)
        #expect(event.cpuQuotaMicros == 10000)
        #expect(event.cpuPeriodMicros == 100000)
        #expect(event.periods > 0)
        #expect(event.throttledPeriods <= event.periods)
        #expect(event.throttledSeconds > 0)
        #expect(event.intervalSeconds > 0.2 && event.intervalSeconds < 2)
        #expect(event.pod == PodAttribution())
        // A few more intervals: the idle container never shows up.
        let (idleEvent, rest) = TraceTest.waitForEvent(queue, seconds: 1.5) { $0.cgroupPath == idlePath }
        #expect(idleEvent == nil)
        #expect(!(others + rest).contains { $0.cgroupPath == idlePath })
        #expect(producer.finish())

        // The kernel's own counters agree: the busy cgroup is throttled, the idle one has no periods.
        let busyStat = CpuStat.parse(try SystemFile.read(tree.directory(busyRelative) + "/cpu.stat"))
        let idleStat = CpuStat.parse(try SystemFile.read(tree.directory(idleRelative) + "/cpu.stat"))
        #expect((busyStat.throttledPeriods ?? 0) > 0)
        #expect((idleStat.throttledPeriods ?? 0) == 0)
        let pass = try #require(sampler.lastPass)
        #expect(pass.cgroups >= 2)
        #expect(pass.seconds >= 0)
    }

    @Test func sampleOnceNeedsTwoSamplesAndPicksUpNewContainers() throws {
        guard requireRoot() else { return }
        let system = try TraceTest.system()
        let cpu = try #require(system.hierarchy(for: "cpu"))
        let (tree, pod, busyRelative, _) = try Self.setUp(cpu: cpu)
        defer { tree.cleanup() }
        let sampler = try ThrottleSampler(system: system, intervalSeconds: 0.5)
        let busyPath = tree.rootPath + busyRelative
        // First pass: baseline only.
        #expect(!sampler.sampleOnce().contains { $0.cgroupPath == busyPath })
        let busy = try ShellChild("echo $$ > \(tree.directory(busyRelative))/cgroup.procs; while :; do :; done")
        defer { busy.killAndReap() }
        usleep(600_000)
        let events = sampler.sampleOnce()
        let event = try #require(events.first { $0.cgroupPath == busyPath })
        #expect(event.throttledRatio > 0.5)
        #expect(event.cpuQuotaMicros == 10000)

        // A container created now is sampled from its second pass on; its first gives nothing.
        let late = pod + "/" + TraceTest.randomHex(64)
        let lateDirectory = try tree.make(late)
        try SystemFile.write("10000", to: lateDirectory + "/cpu.cfs_quota_us")
        let lateBusy = try ShellChild("echo $$ > \(lateDirectory)/cgroup.procs; while :; do :; done")
        defer { lateBusy.killAndReap() }
        let latePath = tree.rootPath + late
        #expect(!sampler.sampleOnce().contains { $0.cgroupPath == latePath })
        usleep(600_000)
        #expect(sampler.sampleOnce().contains { $0.cgroupPath == latePath && $0.throttledRatio > 0.5 })

        // A removed container is forgotten (no error, no event).
        lateBusy.killAndReap()
        #expect(TraceTest.waitUntil(seconds: 3) { rmdir(lateDirectory) == 0 })
        #expect(!sampler.sampleOnce().contains { $0.cgroupPath == latePath })
    }

    @Test func noCpuHierarchyIsAnError() {
        #expect(throws: KernelError.self) { try ThrottleSampler(hierarchies: [], unified: nil) }
    }
}
