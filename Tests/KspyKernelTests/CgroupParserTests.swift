import Glibc
import KspyKernel
import Testing

/// Parsers on files recorded from a real Debian 6.1 kernel with cgroup v2 controllers
/// (copied from the shared recordings into Fixtures/cgroup/), and on v1 texts in the
/// format this machine's kernel writes.
@Suite struct CgroupParserTests {
    @Test func cpuStatV2BeforeAndAfterABusyLoop() throws {
        let before = CpuStat.parse(try KernelTestSupport.fixture("cgroup/burn-cpu.stat.before.txt"))
        #expect(before.periods == 0)
        #expect(before.throttledPeriods == 0)
        #expect(before.throttledNanoseconds == 0)
        #expect(before.usageMicros == 0)
        #expect(before.throttleRatio == nil)

        let after = CpuStat.parse(try KernelTestSupport.fixture("cgroup/burn-cpu.stat.txt"))
        #expect(after.usageMicros == 890_163)
        #expect(after.userMicros == 882_320)
        #expect(after.systemMicros == 7_842)
        #expect(after.periods == 45)
        #expect(after.throttledPeriods == 44)
        #expect(after.throttledNanoseconds == 3_450_871_000)
        #expect(after.bursts == 0)
        #expect(after.burstNanoseconds == 0)
        #expect(after.values["throttled_usec"] == 3_450_871)
        #expect(after.values.count == 8)

        let delta = after.delta(since: before)
        #expect(delta.periods == 45)
        #expect(delta.throttledPeriods == 44)
        #expect(delta.throttledNanoseconds == 3_450_871_000)
        #expect(delta.usageMicros == 890_163)
        #expect(delta.throttleRatio == 44.0 / 45.0)
    }

    @Test func cpuStatCountersMatchTheFullParser() throws {
        var texts = [
            try KernelTestSupport.fixture("cgroup/burn-cpu.stat.before.txt"),
            try KernelTestSupport.fixture("cgroup/burn-cpu.stat.txt"),
            "nr_periods 120\nnr_throttled 7\nthrottled_time 123456789\nnr_bursts 1\nburst_time 5000\n",
            "throttled_usec 5\nthrottled_time 9\n",  // the nanosecond key wins in either order
            "nr_periods 1\nnr_periods x\nnr_throttled 99999999999999999999999\nbogus\n\n nr_bursts 3\nnr_throttled\t4  \nburst_time 1 2",
            "",
        ]
        texts.append(String(texts[1].dropLast(7)))  // cut mid-line
        for text in texts {
            var full = CpuStat.parse(text)
            full.values = [:]
            let counters = CpuStat.parseCounters(ArraySlice(Array(text.utf8)))
            #expect(counters == full, "\(text.debugDescription)")
        }
        #expect(CpuStat.parseCounters(ArraySlice(Array("throttled_usec 5\nthrottled_time 9\n".utf8))).throttledNanoseconds == 9)
        #expect(CpuStat.parseCounters(ArraySlice(Array("nr_periods 45\n".utf8))).periods == 45)
    }

    @Test func cpuStatV1() throws {
        let text = "nr_periods 120\nnr_throttled 7\nthrottled_time 123456789\nnr_bursts 1\nburst_time 5000\n"
        let stat = CpuStat.parse(text)
        #expect(stat.periods == 120)
        #expect(stat.throttledPeriods == 7)
        #expect(stat.throttledNanoseconds == 123_456_789)
        #expect(stat.bursts == 1)
        #expect(stat.burstNanoseconds == 5_000)
        #expect(stat.usageMicros == nil)
        // This machine's v1 cpu.stat has the same keys.
        if let cpu = try CgroupSystem.current().hierarchy(for: "cpu"), cpu.version == .v1 {
            let live = CpuStat.parse(try SystemFile.read(cpu.mountPoint + "/cpu.stat"))
            #expect(live.periods != nil && live.throttledPeriods != nil && live.throttledNanoseconds != nil)
        }
    }

    @Test func pressureFromTheBusyLoop() throws {
        let pressure = PressureStall.parse(try KernelTestSupport.fixture("cgroup/burn-cpu.pressure.txt"))
        let some = try #require(pressure.some)
        #expect(some.avg10 == 21.01)
        #expect(some.avg60 == 4.00)
        #expect(some.avg300 == 0.84)
        #expect(some.totalMicros == 3_362_233)
        #expect(pressure.full == some)
        // The system-wide file of this kernel has the same format.
        if SystemFile.exists("/proc/pressure/cpu") {
            let system = try PressureStall.readSystem(.cpu)
            #expect(system.some != nil)
        }
    }

    @Test func memoryEventsOfTheOOMKilledContainer() throws {
        let events = MemoryEvents.parse(events: try KernelTestSupport.fixture("cgroup/hog-memory.events.txt"))
        #expect(events.low == 0)
        #expect(events.high == 0)
        #expect(events.max == 36)
        #expect(events.oom == 1)
        #expect(events.oomKillCount == 1)
        #expect(events.oomGroupKill == 0)
        #expect(events.oomKillDisabled == nil)
        let local = MemoryEvents.parse(events: try KernelTestSupport.fixture("cgroup/hog-memory.events.local.txt"))
        #expect(local == events)
        let pod = MemoryEvents.parse(events: try KernelTestSupport.fixture("cgroup/pod1-memory.events.txt"))
        #expect(pod.oomKillCount == 1)
    }

    @Test func memoryOOMControlV1() {
        let events = MemoryEvents.parse(oomControl: "oom_kill_disable 0\nunder_oom 1\noom_kill 3\n")
        #expect(events.oomKillDisabled == false)
        #expect(events.underOOM == true)
        #expect(events.oomKillCount == 3)
        #expect(events.max == nil)
    }

    @Test func memoryUsageValues() {
        #expect(MemoryUsage.parseValue("67108864\n") == 67_108_864)
        #expect(MemoryUsage.parseValue("") == nil)
        #expect(MemoryUsage.parseValue("max\n") == nil)
    }

    /// `/proc/<pid>/cgroup` of the pod processes (v2: a single `0::` line each).
    @Test func procPidCgroupOfPodProcesses() throws {
        let transcript = try KernelTestSupport.fixture("cgroup/proc-pid-cgroup-ns.txt")
        let entries = ProcessCgroupEntry.parse(transcript)  // the transcript's other lines are skipped
        #expect(entries.count == 3)
        for entry in entries {
            #expect(entry.hierarchyID == 0)
            #expect(entry.controllers == [])
            #expect(entry.isUnified)
            #expect(!entry.isDeleted)
        }
        #expect(
            entries[0].path
                == "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod5f2b1c3e_7a9d_4e8f_b123_4567890abcde.slice/cri-containerd-b0b0cafe1234567890abcdef1234567890abcdef1234567890abcdef12345678.scope"
        )
        #expect(
            entries[2].path
                == "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod0c4d2e1f_9a8b_4c7d_8e6f_5a4b3c2d1e0f.slice/cri-containerd-1f2e3d4c5b6a79880a1b2c3d4e5f60718293a4b5c6d7e8f90123456789abcdef.scope"
        )
        // Every process's cgroup is a directory of the recorded kubepods tree.
        let tree = Set(try KernelTestSupport.fixture("cgroup/pod1-cgroup-tree.txt").split(separator: "\n").map { "/" + $0 })
        for entry in entries { #expect(tree.contains(entry.path)) }
    }

    @Test func procPidCgroupV1AndHybridLines() {
        let text = """
            12:pids:/kubepods/burstable/pod1/abc
            4:cpu,cpuacct:/kubepods/burstable/pod1/abc
            1:name=systemd:/system.slice/containerd.service
            0::/../../kubepods.slice/x.scope (deleted)
            garbage
            """
        let entries = ProcessCgroupEntry.parse(text)
        #expect(entries.count == 4)
        #expect(entries[0] == ProcessCgroupEntry(hierarchyID: 12, controllers: ["pids"], path: "/kubepods/burstable/pod1/abc"))
        #expect(entries[1].controllers == ["cpu", "cpuacct"])
        #expect(entries[2].controllers == ["name=systemd"])
        #expect(entries[3].path == "/../../kubepods.slice/x.scope")
        #expect(entries[3].isDeleted)
        #expect(entries[3].isUnified)
    }

    @Test func cpuMaxAndShareConversions() {
        #expect(Cgroup.parseCpuMax("50000 100000\n") == (50_000, 100_000))
        #expect(Cgroup.parseCpuMax("max 100000") == (nil, 100_000))
        #expect(CgroupLimits.weight(fromShares: 1024) == 100)
        #expect(CgroupLimits.weight(fromShares: 2) == 1)
        #expect(CgroupLimits.weight(fromShares: 262_144) == 10_000)
        #expect(CgroupLimits.weight(fromShares: 0) == nil)
        #expect(CgroupLimits.shares(fromWeight: 1) == 2)
        #expect(CgroupLimits.shares(fromWeight: 10_000) == 262_144)
        if sysconf(Int32(_SC_PAGESIZE)) == 4096 {
            #expect(Cgroup.v1UnlimitedMemory == 9_223_372_036_854_771_712)
        }
    }
}

/// Cgroup operations on a cgroup2-shaped directory tree in /tmp (regular files stand
/// in for the control files), for the v2 code paths this hybrid machine cannot run:
/// the v2 file formats of `apply`/`readLimits`, the per-cgroup controller check, and
/// bottom-up recursive removal of the recorded kubepods tree.
@Suite struct CgroupFakeV2TreeTests {
    /// A tree `<scratch>/pod/ctr` with empty control files; `leafControllers` is the
    /// content of the leaf's `cgroup.controllers`.
    private func makeTree(leafControllers: String) throws -> (scratch: String, cgroup: Cgroup) {
        let scratch = try KernelTestSupport.makeScratchDirectory()
        try KernelTestSupport.writeFile(scratch + "/cgroup.controllers", "cpu memory pids\n")
        let leaf = scratch + "/pod/ctr"
        try SystemFile.makeDirectories(leaf)
        try KernelTestSupport.writeFile(leaf + "/cgroup.controllers", leafControllers)
        for file in ["memory.max", "cpu.max", "cpu.weight", "pids.max"] {
            try KernelTestSupport.writeFile(leaf + "/" + file, "")
        }
        let hierarchy = CgroupHierarchy(
            version: .v2, mountPoint: scratch, root: "/", controllers: CgroupSystem.unifiedControllers(mountPoint: scratch))
        #expect(hierarchy.controllers == ["cpu", "memory", "pids"])
        return (scratch, try Cgroup(path: "/pod/ctr", hierarchies: [hierarchy]))
    }

    @Test func appliesLimitsInV2Formats() throws {
        let (scratch, cgroup) = try makeTree(leafControllers: "cpu memory pids\n")
        defer { try? SystemFile.removeTree(scratch) }
        try cgroup.apply(
            CgroupLimits(
                memoryLimitBytes: 64 << 20, cpuQuotaMicros: 50_000, cpuPeriodMicros: 100_000, cpuWeight: 50,
                pidsMax: 100))
        let leaf = scratch + "/pod/ctr/"
        #expect(try SystemFile.read(leaf + "memory.max") == "67108864")
        #expect(try SystemFile.read(leaf + "cpu.max") == "50000 100000")
        #expect(try SystemFile.read(leaf + "cpu.weight") == "50")
        #expect(try SystemFile.read(leaf + "pids.max") == "100")
        let read = try cgroup.readLimits()
        #expect(
            read
                == CgroupLimits(
                    memoryLimitBytes: 67_108_864, cpuQuotaMicros: 50_000, cpuPeriodMicros: 100_000, cpuWeight: 50,
                    pidsMax: 100))
    }

    @Test func unlimitedAndSharesOnV2() throws {
        let (scratch, cgroup) = try makeTree(leafControllers: "cpu memory pids\n")
        defer { try? SystemFile.removeTree(scratch) }
        try KernelTestSupport.writeFile(scratch + "/pod/ctr/cpu.max", "20000 50000\n")
        try cgroup.apply(CgroupLimits(memoryLimitBytes: -1, cpuQuotaMicros: -1, cpuShares: 1024, pidsMax: -1))
        let leaf = scratch + "/pod/ctr/"
        #expect(try SystemFile.read(leaf + "memory.max") == "max")
        #expect(try SystemFile.read(leaf + "cpu.max").hasPrefix("max 50000"))  // period kept
        #expect(try SystemFile.read(leaf + "cpu.weight") == "100")
        #expect(try SystemFile.read(leaf + "pids.max") == "max")
    }

    @Test func refusesAControllerTheCgroupDoesNotHave() throws {
        let (scratch, cgroup) = try makeTree(leafControllers: "cpu\n")
        defer { try? SystemFile.removeTree(scratch) }
        do {
            try cgroup.apply(CgroupLimits(memoryLimitBytes: 1 << 20))
            Issue.record("memory limit applied although the cgroup lacks the controller")
        } catch {
            #expect(error.errno == EOPNOTSUPP)
        }
        #expect(try SystemFile.read(scratch + "/pod/ctr/memory.max") == "")
        #expect(try cgroup.readLimits().memoryLimitBytes == nil)
    }

    @Test func removesTheRecordedKubepodsTreeBottomUp() throws {
        let scratch = try KernelTestSupport.makeScratchDirectory()
        defer { try? SystemFile.removeTree(scratch) }
        let lines = try KernelTestSupport.fixture("cgroup/pod1-cgroup-tree.txt").split(separator: "\n").map(String.init)
        #expect(lines.count == 9)
        for line in lines { try SystemFile.makeDirectories(scratch + "/" + line) }
        let hierarchy = CgroupHierarchy(version: .v2, mountPoint: scratch, root: "/", controllers: [])
        let kubepods = try Cgroup(path: "/kubepods.slice", hierarchies: [hierarchy])
        #expect(Set(kubepods.descendants()) == Set(lines.dropFirst().map { "/" + $0 }))
        let pod = try Cgroup(
            path: "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod5f2b1c3e_7a9d_4e8f_b123_4567890abcde.slice",
            hierarchies: [hierarchy])
        #expect(pod.descendants().count == 3)
        do {
            try pod.remove(busyRetrySeconds: 0)
            Issue.record("non-recursive removal of a cgroup with children succeeded")
        } catch {
            #expect(error.errno == ENOTEMPTY || error.errno == EBUSY)
        }
        try kubepods.remove(recursive: true)
        #expect(!SystemFile.exists(scratch + "/kubepods.slice"))
        #expect(try SystemFile.listDirectory(scratch).isEmpty)
    }
}
