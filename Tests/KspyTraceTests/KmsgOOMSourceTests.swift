import Glibc
import KspyKernel
import KspyTrace
import Testing
import KspyTestSupport

/// `KmsgOOMSource` against real kills: a v1 memory cgroup of this test limited to 32M,
/// a python3 allocating 128M in it; the kernel kills it and logs the report.
@Suite(.serialized) struct KmsgOOMSourceTests {
    /// What one provoked kill looked like from outside: the victim's PID, its memory
    /// cgroup as /proc/<pid>/cgroup showed it, and the wall time around the kill.
    struct Kill {
        var pid: Int32
        var memoryPath: String
        var before: Int64
        var after: Int64
    }

    /// Runs python3 in a fresh 32M cgroup below `tree` until the kernel kills it.
    static func provokeKill(in tree: OwnedCgroupTree) throws -> Kill {
        let directory = try tree.make("/victim")
        try SystemFile.write(String(32 << 20), to: directory + "/memory.limit_in_bytes")
        // The shell moves itself into the cgroup, waits for the go-ahead, then becomes python3.
        let child = try ShellChild(
            "echo $$ > \(directory)/cgroup.procs && read go && exec /usr/bin/python3 -c 'b=bytearray(128<<20)'")
        defer { child.killAndReap() }
        var memoryPath: String? = nil
        TraceTest.waitUntil(seconds: 5) {
            memoryPath = child.cgroups()?.first { $0.controllers.contains("memory") }?.path
            return memoryPath == tree.rootPath + "/victim"
        }
        let path = try #require(memoryPath)
        #expect(path == tree.rootPath + "/victim")
        let before = EventTime.nowNanoseconds()
        child.send("go")
        let status = try #require(child.waitForExit(seconds: 30), "python3 did not end")
        let after = EventTime.nowNanoseconds()
        #expect(ShellChild.killedBySIGKILL(status), "python3 should have been OOM-killed (status \(status))")
        // The kernel's own count of this cgroup.
        #expect(try TraceTest.oomKillCount(directory) == 1)
        return Kill(pid: child.pid, memoryPath: path, before: before, after: after)
    }

    @Test func reportsANewKillWithPidCommPathAndFigures() throws {
        guard requireRoot() else { return }
        let memory = try #require(try TraceTest.system().hierarchy(for: "memory"))
        let tree = try OwnedCgroupTree(hierarchy: memory)
        defer { tree.cleanup() }

        let source = try KmsgOOMSource()
        #expect(source.name == "kmsg")
        let queue = BoundedEventQueue<OOMKillEvent>(capacity: 256)
        let producer = BackgroundRun { stop in source.run(into: queue, stop: stop) }
        defer { producer.finish() }

        let kill = try Self.provokeKill(in: tree)
        let (found, _) = TraceTest.waitForEvent(queue, seconds: 10) { $0.pid == kill.pid }
        let event = try #require(found, "no kmsg event for PID \(kill.pid)")
        #expect(event.source == "kmsg")
        #expect(event.comm == "python3")
        #expect(event.cgroupPath == kill.memoryPath)
        #expect((event.anonRssKB ?? 0) > 0)
        #expect(event.totalVmKB != nil)
        #expect(event.uid == 0)
        #expect(event.oomScoreAdj == 0)
        #expect(event.kills == 1)
        // Read live, so the printk-clock offset is corrected: within 2 s of the kill
        // (uncorrected, this VM's printk clock is 4.5 s behind CLOCK_MONOTONIC).
        #expect(event.timeNanoseconds >= kill.before - 2_000_000_000)
        #expect(event.timeNanoseconds <= kill.after + 2_000_000_000)
        #expect(producer.finish(), "run did not return after stop")
    }

    @Test func sinceReplaysAnEarlierKill() throws {
        guard requireRoot() else { return }
        let memory = try #require(try TraceTest.system().hierarchy(for: "memory"))
        let tree = try OwnedCgroupTree(hierarchy: memory)
        defer { tree.cleanup() }

        let kill = try Self.provokeKill(in: tree)
        // Created after the kill: only the replay of the buffer can report it.
        let source = try KmsgOOMSource(since: 600)
        let queue = BoundedEventQueue<OOMKillEvent>(capacity: 4096)
        let producer = BackgroundRun { stop in source.run(into: queue, stop: stop) }
        defer { producer.finish() }
        let (found, _) = TraceTest.waitForEvent(queue, seconds: 10) { $0.pid == kill.pid }
        let event = try #require(found, "the replay did not contain PID \(kill.pid)")
        #expect(event.comm == "python3")
        #expect(event.cgroupPath == kill.memoryPath)
        #expect((event.anonRssKB ?? 0) > 0)

        // Without `since`, the same kill is not reported again.
        let fresh = try KmsgOOMSource()
        let freshQueue = BoundedEventQueue<OOMKillEvent>(capacity: 256)
        let freshProducer = BackgroundRun { stop in fresh.run(into: freshQueue, stop: stop) }
        defer { freshProducer.finish() }
        let (again, _) = TraceTest.waitForEvent(freshQueue, seconds: 1) { $0.pid == kill.pid }
        #expect(again == nil)
    }
}
