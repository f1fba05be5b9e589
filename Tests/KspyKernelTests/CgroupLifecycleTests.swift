import Glibc
import KspyKernel
import Testing
import KspyTestSupport

/// Real cgroups on this machine, all below a unique `/kspy-test-<hex>` in every
/// hierarchy and removed again in a `defer` (also when a test fails). Only processes
/// the test spawned itself are moved, killed and reaped.
@Suite struct CgroupLifecycleTests {
    @Test func createLimitJoinKillAndRemove() throws {
        guard requireRoot() else { return }
        let test = try TestCgroupRoot()
        defer { test.cleanup() }
        let system = test.system
        let container = try test.cgroup("pod/ctr")
        try container.create()
        for hierarchy in system.hierarchies {
            #expect(SystemFile.exists(container.directory(in: hierarchy)), "\(hierarchy.mountPoint)")
        }
        #expect(container.exists)

        // A new cgroup starts unlimited.
        let initial = try container.readLimits()
        #expect(initial.memoryLimitBytes == nil)
        #expect(initial.cpuQuotaMicros == nil)
        #expect(initial.pidsMax == nil)

        let limits = CgroupLimits(
            memoryLimitBytes: 64 << 20, cpuQuotaMicros: 50_000, cpuPeriodMicros: 100_000, cpuShares: 512,
            pidsMax: 100)
        try container.apply(limits)
        let memory = try #require(system.hierarchy(for: "memory"))
        let cpu = try #require(system.hierarchy(for: "cpu"))
        let pids = try #require(system.hierarchy(for: "pids"))
        func file(_ hierarchy: CgroupHierarchy, _ name: String) throws -> String {
            try SystemFile.readTrimmed(container.directory(in: hierarchy) + "/" + name)
        }
        if memory.version == .v1 {
            #expect(try file(memory, "memory.limit_in_bytes") == "67108864")
            #expect(try file(cpu, "cpu.cfs_quota_us") == "50000")
            #expect(try file(cpu, "cpu.cfs_period_us") == "100000")
            #expect(try file(cpu, "cpu.shares") == "512")
            #expect(try file(pids, "pids.max") == "100")
            #expect(try container.readLimits() == limits)
        } else {
            #expect(try file(memory, "memory.max") == "67108864")
            #expect(try file(cpu, "cpu.max") == "50000 100000")
            #expect(try file(pids, "pids.max") == "100")
        }

        // A process of our own joins in every hierarchy.
        let child = try ChildProcess(["/bin/sleep", "30"])
        try container.addProcess(pid: child.pid)
        let lines = try Procfs().cgroups(pid: child.pid)
        #expect(lines.count == system.hierarchies.count)
        #expect(lines.first { $0.controllers.contains("memory") }?.path == container.path)
        #expect(lines.first { $0.isUnified }?.path == container.path)
        for line in lines { #expect(line.path == container.path, "\(line.controllers)") }
        #expect(try container.processes() == [child.pid])
        for hierarchy in system.hierarchies {
            #expect(try container.processes(in: hierarchy) == [child.pid], "\(hierarchy.mountPoint)")
        }
        #expect(try test.root.processes() == [])
        #expect(try test.root.subtreeProcesses() == [child.pid])
        #expect(test.root.descendants() == [test.root.path + "/pod", test.root.path + "/pod/ctr"])

        // Counters read from the live cgroup.
        let events = try container.memoryEvents()
        #expect(events.oomKillCount == 0)
        if memory.version == .v1 {
            #expect(events.oomKillDisabled == false)
            #expect(events.underOOM == false)
            let usage = try container.memoryUsage()
            #expect(usage.failCount == 0)
            #expect(usage.usageBytes != nil)
            #expect(usage.peakBytes != nil)
        }
        let stat = try container.cpuStat()
        #expect(stat.periods != nil)
        #expect(stat.throttledPeriods != nil)
        #expect(stat.throttledNanoseconds != nil)
        #expect(stat.usageMicros != nil)
        if system.unified != nil, SystemFile.exists("/proc/pressure/cpu") {
            let pressure = try #require(try container.pressure(.cpu))
            #expect(pressure.some != nil)
        }

        // killAll kills it; we reap it.
        try container.killAll()
        child.reap()
        #expect(child.wasKilled(by: SIGKILL))
        #expect(try container.processes() == [])

        try test.root.remove(recursive: true)
        for hierarchy in system.hierarchies {
            #expect(!SystemFile.exists(test.root.directory(in: hierarchy)), "\(hierarchy.mountPoint)")
        }
    }

    /// v1 cpusets start empty; `create` copies cpus/mems from the parent so a process
    /// can join. A directory made without that refuses the process with ENOSPC.
    @Test func cpusetLevelsAreInitializedSoProcessesCanJoin() throws {
        guard requireRoot() else { return }
        let test = try TestCgroupRoot()
        defer { test.cleanup() }
        guard let cpuset = test.system.hierarchy(for: "cpuset"), cpuset.version == .v1 else {
            print("no v1 cpuset hierarchy on this machine")
            return
        }
        let cgroup = try test.cgroup("a/b", hierarchies: [cpuset])
        try cgroup.create()
        let rootCpus = try SystemFile.readTrimmed(cpuset.mountPoint + "/cpuset.cpus")
        let rootMems = try SystemFile.readTrimmed(cpuset.mountPoint + "/cpuset.mems")
        #expect(!rootCpus.isEmpty)
        for level in [test.root.path, test.root.path + "/a", cgroup.path] {
            let directory = cpuset.directory(for: level)
            #expect(try SystemFile.readTrimmed(directory + "/cpuset.cpus") == rootCpus, "\(level)")
            #expect(try SystemFile.readTrimmed(directory + "/cpuset.mems") == rootMems, "\(level)")
        }
        let child = try ChildProcess(["/bin/sleep", "30"])
        try cgroup.addProcess(pid: child.pid)
        let line = try Procfs().cgroups(pid: child.pid).first { $0.controllers == ["cpuset"] }
        #expect(line?.path == cgroup.path)

        // The kernel fact the initialization is for.
        let raw = cpuset.directory(for: test.root.path + "/raw")
        #expect(mkdir(raw, 0o755) == 0)
        #expect(try SystemFile.readTrimmed(raw + "/cpuset.cpus") == "")
        do {
            try SystemFile.write(String(child.pid), to: raw + "/cgroup.procs")
            Issue.record("joining an uninitialized v1 cpuset succeeded")
        } catch {
            #expect(error.errno == ENOSPC)
        }

        try test.root.killAll()
        child.reap()
        #expect(child.wasKilled(by: SIGKILL))
    }

    /// Without a cgroup2 member (no cgroup.kill), killAll signals each PID through a
    /// pidfd until cgroup.procs is empty.
    @Test func killAllWithoutCgroupKillUsesTheSignalLoop() throws {
        guard requireRoot() else { return }
        let test = try TestCgroupRoot()
        defer { test.cleanup() }
        let v1Only = try test.cgroup("loop", hierarchies: test.system.v1Hierarchies)
        guard !v1Only.hierarchies.isEmpty else {
            print("no v1 hierarchies on this machine")
            return
        }
        try v1Only.create()
        let children = try (0..<3).map { _ in try ChildProcess(["/bin/sleep", "30"]) }
        for child in children { try v1Only.addProcess(pid: child.pid) }
        #expect(try v1Only.processes() == children.map(\.pid).sorted())
        try v1Only.killAll()
        #expect(try v1Only.processes() == [])
        for child in children {
            child.reap()
            #expect(child.wasKilled(by: SIGKILL))
        }
        try v1Only.remove()
        #expect(!v1Only.hierarchies.contains { SystemFile.exists(v1Only.directory(in: $0)) })
    }

    /// rmdir of a populated cgroup fails with EBUSY; remove() retries briefly and
    /// reports it. A missing cgroup is not an error.
    @Test func removeReportsBusyAndIgnoresMissing() throws {
        guard requireRoot() else { return }
        let test = try TestCgroupRoot()
        defer { test.cleanup() }
        let memoryOnly = try test.cgroup("busy", hierarchies: [try #require(test.system.hierarchy(for: "memory"))])
        try memoryOnly.create()
        let child = try ChildProcess(["/bin/sleep", "30"])
        try memoryOnly.addProcess(pid: child.pid)
        do {
            try memoryOnly.remove(busyRetrySeconds: 0.05)
            Issue.record("removing a populated cgroup succeeded")
        } catch {
            #expect(error.errno == EBUSY)
        }
        try memoryOnly.killAll()
        child.reap()
        try memoryOnly.remove()
        try memoryOnly.remove()  // already gone: fine
        #expect(!memoryOnly.exists)
        // Reading a vanished cgroup reports "gone".
        do {
            _ = try memoryOnly.processes()
            Issue.record("processes() of a removed cgroup succeeded")
        } catch {
            #expect(error.isGone)
        }
    }

    /// A held cgroup file shows each new value when read again, and fails (instead of
    /// showing stale values) once its cgroup is removed.
    @Test func rereadableFileFollowsTheCgroupAndFailsWhenItIsRemoved() throws {
        guard requireRoot() else { return }
        let test = try TestCgroupRoot()
        defer { test.cleanup() }
        let cpu = try #require(test.system.hierarchy(for: "cpu"))
        let cgroup = try test.cgroup("held", hierarchies: [cpu])
        try cgroup.create()
        let name = cpu.version == .v1 ? "cpu.cfs_quota_us" : "cpu.max"
        let path = cgroup.directory(in: cpu) + "/" + name
        let file = try RereadableFile(path: path)
        var buffer: [UInt8] = []
        func current() throws(KernelError) -> String {
            let count = try file.read(into: &buffer)
            return String(decoding: buffer[0..<count], as: UTF8.self)
        }
        #expect(try current() == (try SystemFile.read(path)))
        for quota in [20_000, 30_000] {
            try SystemFile.write(cpu.version == .v1 ? "\(quota)" : "\(quota) 100000", to: path)
            #expect(try current().hasPrefix("\(quota)"))
        }
        try cgroup.remove()
        do {
            let text = try current()
            Issue.record("a removed cgroup's file still read \(text.debugDescription)")
        } catch {
            #expect(error.errno == ENODEV)
        }
    }

    /// killAll and remove refuse the root cgroup before touching anything.
    @Test func refusesToKillOrRemoveTheRootCgroup() throws {
        let root = try Cgroup(path: "/", system: try CgroupSystem.current())
        do {
            try root.killAll()
            Issue.record("killAll on / did not refuse")
        } catch {
            #expect(error.errno == EPERM)
        }
        do {
            try root.remove()
            Issue.record("remove of / did not refuse")
        } catch {
            #expect(error.errno == EPERM)
        }
        do {
            try root.apply(CgroupLimits(pidsMax: 1))
            Issue.record("apply on / did not refuse")
        } catch {
            #expect(error.errno == EPERM)
        }
    }

    @Test func rejectsUnsafePaths() throws {
        let hierarchy = CgroupHierarchy(version: .v2, mountPoint: "/sys/fs/cgroup", root: "/", controllers: [])
        #expect(throws: KernelError.self) { try Cgroup(path: "relative/path", hierarchies: [hierarchy]) }
        #expect(throws: KernelError.self) { try Cgroup(path: "/a/../../etc", hierarchies: [hierarchy]) }
        #expect(throws: KernelError.self) { try Cgroup(path: "/a/./b", hierarchies: [hierarchy]) }
        let normalized = try Cgroup(path: "//kubepods//pod1/", hierarchies: [hierarchy])
        #expect(normalized.path == "/kubepods/pod1")
        #expect(normalized.directory(in: hierarchy) == "/sys/fs/cgroup/kubepods/pod1")
        #expect(try normalized.child("ctr").path == "/kubepods/pod1/ctr")
        #expect(try Cgroup(path: "/", hierarchies: [hierarchy]).isRoot)
        // A `.` or `..` component anywhere, also last, is refused; dots inside a name are not.
        for unsafe in ["/a/..", "/..", "/.", "/a/.", "/a/./", "//../a"] {
            #expect(throws: KernelError.self, "\(unsafe)") { try Cgroup(path: unsafe, hierarchies: [hierarchy]) }
        }
        for kept in ["/...", "/a.b/c..d", "/.hidden/x", "/kubepods/pod1"] {
            #expect(try Cgroup(path: kept, hierarchies: [hierarchy]).path == kept)
        }
        #expect(try Cgroup(path: "/a/b//", hierarchies: [hierarchy]).path == "/a/b")
    }

    /// A hierarchy's directory for a cgroup path: under its mount point, leading slashes
    /// dropped, the root cgroup being the mount point itself.
    @Test func directoryUnderTheMountPoint() {
        let mounted = CgroupHierarchy(version: .v1, mountPoint: "/sys/fs/cgroup/memory", root: "/", controllers: ["memory"])
        #expect(mounted.directory(for: "/") == "/sys/fs/cgroup/memory")
        #expect(mounted.directory(for: "///") == "/sys/fs/cgroup/memory")
        #expect(mounted.directory(for: "/kubepods/pod1") == "/sys/fs/cgroup/memory/kubepods/pod1")
        #expect(mounted.directory(for: "//kubepods") == "/sys/fs/cgroup/memory/kubepods")
        #expect(mounted.directory(for: "kubepods") == "/sys/fs/cgroup/memory/kubepods")
        #expect(mounted.directory(for: "/pöd") == "/sys/fs/cgroup/memory/pöd")
        let atRoot = CgroupHierarchy(version: .v2, mountPoint: "/", root: "/", controllers: [])
        #expect(atRoot.directory(for: "/") == "/")
        #expect(atRoot.directory(for: "/a/b") == "/a/b")
    }
}
