import Foundation
import Glibc
import KspyKernel
import Testing

@testable import KspyTrace
import KspyTestSupport

/// `BPFOOMSource` against the real kernel: a process OOM-killed in a memory cgroup of
/// this test must come out as one event with the kernel's PID, comm, cgroup path and
/// figures, and nothing the source loaded may stay in the kernel after `run`.
/// Serialized: the tests count BPF programs and ring-buffer drops.
@Suite(.serialized)
struct BPFOOMSourceTests {
    /// Runs a process that allocates 128 MiB in a cgroup limited to 32 MiB, placed
    /// there before it allocates; returns it after the kernel killed it, and the
    /// cgroup line /proc showed for it.
    private func oomKill(in cgroup: BPFTestMemoryCgroup, python: String) throws -> (ShellChild, String) {
        let procLog = "/tmp/kspy-bpftest-" + BPFTest.randomHex(12)
        defer { unlink(procLog) }
        let child = try ShellChild(
            "echo $$ > '\(cgroup.directory)/cgroup.procs' && cat /proc/$$/cgroup > '\(procLog)' && "
                + "exec '\(python)' -c 'b = bytearray(128 << 20)'")
        let status = child.waitForExit(seconds: 30)
        #expect(status != nil, "the memory hog did not exit within 30 s")
        #expect(status.map(ShellChild.killedBySIGKILL) == true, "the memory hog was not killed by SIGKILL (wait status \(status ?? -1))")
        // The memory line: `N:memory:/path` (v1) or `0::/path` (v2).
        let lines = (try? SystemFile.read(procLog))?.split(separator: "\n").map(String.init) ?? []
        let line =
            cgroup.hierarchy.version == .v1
            ? lines.first {
                $0.split(separator: ":", maxSplits: 2).dropFirst().first?.split(separator: ",").contains("memory")
                    ?? false
            }
            : lines.first { $0.hasPrefix("0::") }
        let shown =
            line.map { String($0.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)[2]) } ?? ""
        return (child, shown)
    }

    /// "Nothing stays loaded": after `run` returned (or `close()`), none of the source's
    /// program ids is loaded, no program with its name prefix in the id range it used
    /// remains, and no link attaches any of them. The kernel frees a detached program
    /// when its last reference goes, partly from deferred work (bpf_link_put,
    /// bpf_prog_put from RCU callbacks), and a concurrent `BPFSystem.programs()` holds a
    /// short-lived fd on every program, so this allows up to 3 s for that to finish.
    private func expectUnloaded(_ source: BPFOOMSource) throws {
        #expect(!source.isAttached)
        let ours = Set(source.programIDs)
        #expect(ours.count == 2, "expected the ids of both programs, got \(source.programIDs)")
        let low = ours.min() ?? 0
        let high = ours.max() ?? 0
        var programs: [BPFProgramInfo] = []
        var links: [BPFLinkInfo] = []
        let started = EventTime.monotonicNanoseconds()
        let deadline = started + 3_000_000_000
        repeat {
            programs = try BPFSystem.programs().filter {
                ours.contains($0.id)
                    || ($0.name.hasPrefix(BPFOOMSource.programNamePrefix) && $0.id >= low && $0.id <= high)
            }
            links = try BPFSystem.links().filter { ours.contains($0.programID) || source.linkIDs.contains($0.id) }
            if programs.isEmpty && links.isEmpty { break }
            usleep(20_000)
        } while EventTime.monotonicNanoseconds() < deadline
        #expect(programs.isEmpty, "programs still loaded 3 s after run returned: \(programs)")
        #expect(links.isEmpty, "links remain 3 s after run returned: \(links)")
        let waited = (EventTime.monotonicNanoseconds() - started) / 1_000_000
        if waited > 100 { print("note: the kernel released the BPF programs \(waited) ms after run returned") }
    }

    @Test(
        "an OOM kill in a v1 memory cgroup becomes one bpf event with pid, comm, cgroup and figures",
        arguments: [false, true])
    func oomKillIsReported(figuresFirst: Bool) throws {
        guard requireRoot() else { return }
        guard let python = BPFTest.python() else {
            Issue.record("python3 is needed to allocate memory in the test (apt-get install python3)")
            return
        }
        let cgroup = try BPFTestMemoryCgroup(limitBytes: 32 << 20)
        defer { cgroup.cleanup() }

        let source = try BPFOOMSource(ringBufferBytes: 256 * 1024, figuresFirst: figuresFirst)
        let loaded = try BPFTest.loadedPrograms(prefix: BPFOOMSource.programNamePrefix)
        #expect(Set(source.programIDs).isSubset(of: Set(loaded.map(\.id))))
        #expect(
            Set(loaded.filter { source.programIDs.contains($0.id) }.map(\.name)) == ["kspy_oom_task", "kspy_oom_figs"])
        #expect(source.linkIDs.count == 2)

        let queue = BoundedEventQueue<OOMKillEvent>(capacity: 64)
        let runner = BackgroundRun { stop in source.run(into: queue, stop: stop) }
        let started = EventTime.nowNanoseconds()
        let (child, procPath) = try oomKill(in: cgroup, python: python)

        var event: OOMKillEvent? = nil
        let deadline = EventTime.monotonicNanoseconds() + 5_000_000_000
        while event == nil && EventTime.monotonicNanoseconds() < deadline {
            if let next = queue.pop(timeoutSeconds: 0.1), next.pid == child.pid { event = next }
        }
        #expect(runner.finish(), "run did not return within 10 s of stop")
        try expectUnloaded(source)

        let found = try #require(event, "no bpf event for the OOM-killed PID \(child.pid)")
        #expect(found.source == "bpf")
        #expect(found.comm == String(URL(fileURLWithPath: python).lastPathComponent.prefix(15)))
        #expect(procPath == cgroup.leafPath, "/proc showed \(procPath)")
        #expect(found.cgroupPath == procPath)
        #expect(found.cgroupID != nil && found.cgroupID == BPFTest.inode(cgroup.directory))
        #expect((found.anonRssKB ?? 0) > 0)
        #expect((found.totalVmKB ?? 0) > 0)
        #expect(found.totalVmKB ?? 0 >= found.anonRssKB ?? 0)
        #expect(found.fileRssKB != nil && found.shmemRssKB != nil && found.pgtablesKB != nil)
        #expect(found.uid == 0)
        #expect(found.oomScoreAdj == 0)
        #expect(found.kills == 1)
        #expect(
            abs(found.timeNanoseconds - started) < 10_000_000_000,
            "event time \(found.timeNanoseconds) vs start \(started)")
        #expect(found.timeNanoseconds <= EventTime.nowNanoseconds())
        #expect(queue.dropped == 0)
    }

    @Test("close() and deinit without run detach and unload the programs")
    func closeWithoutRunUnloads() throws {
        guard requireRoot() else { return }
        let closed = try BPFOOMSource()
        #expect(closed.isAttached)
        closed.close()
        closed.close()  // idempotent
        try expectUnloaded(closed)
        // A run after close returns at once.
        closed.run(into: BoundedEventQueue(capacity: 1), stop: StopFlag())

        var ids: [UInt32] = []
        do {
            let dropped = try BPFOOMSource()
            ids = dropped.programIDs
            #expect(!ids.isEmpty)
        }
        let remaining = try BPFSystem.programs().filter { ids.contains($0.id) }
        #expect(remaining.isEmpty, "deinit left programs loaded: \(remaining)")
        let links = try BPFSystem.links().filter { ids.contains($0.programID) }
        #expect(links.isEmpty, "deinit left links: \(links)")
    }

    @Test("records the ring buffer has no room for are counted as dropped")
    func ringBufferOverrunIsCounted() throws {
        guard requireRoot() else { return }
        guard let python = BPFTest.python() else {
            Issue.record("python3 is needed to allocate memory in the test (apt-get install python3)")
            return
        }
        let cgroup = try BPFTestMemoryCgroup(limitBytes: 32 << 20)
        defer { cgroup.cleanup() }
        // One page holds one 2 kB record and nobody consumes until `run`, so of three
        // kills the first is kept and the other two are dropped and counted.
        let source = try BPFOOMSource(ringBufferBytes: 4096)
        #expect(source.ringBufferBytes == 4096)
        var pids: [Int32] = []
        for _ in 0..<3 {
            let (child, _) = try oomKill(in: cgroup, python: python)
            pids.append(child.pid)
        }
        let queue = BoundedEventQueue<OOMKillEvent>(capacity: 64)
        let runner = BackgroundRun { stop in source.run(into: queue, stop: stop) }
        var events: [OOMKillEvent] = []
        let deadline = EventTime.monotonicNanoseconds() + 1_000_000_000
        while EventTime.monotonicNanoseconds() < deadline {
            if let event = queue.pop(timeoutSeconds: 0.1) { events.append(event) }
        }
        #expect(runner.finish())
        while let event = queue.pop(timeoutSeconds: 0) { events.append(event) }
        try expectUnloaded(source)
        // Other OOM kills on the machine (other tests) may take the one slot before ours
        // or arrive once `run` consumes; of ours, at most the first is delivered and the
        // rest are counted.
        let ours = events.filter { pids.contains($0.pid ?? -1) }
        let description =
            "events \(events.map { ($0.pid ?? -1, $0.comm ?? "") }), ours \(pids), dropped \(queue.dropped)"
        #expect(ours.count <= 1, "\(description)")
        #expect(ours.allSatisfy { $0.pid == pids[0] }, "\(description)")
        #expect(ours.count + queue.dropped >= 3, "\(description)")
        #expect(queue.dropped >= 2, "\(description)")
    }
}
