import Foundation
import Glibc
import KspyKernel
import KspyTrace
import Testing
import KspyTestSupport

/// `CgroupOOMSource`: real v1 notifications (eventfd + cgroup.event_control) on a
/// kubelet-shaped tree of this test, and the v2 counter logic against a FAKE tree of
/// regular files (this machine's cgroup2 mount has no memory controller).
@Suite(.serialized) struct CgroupOOMSourceTests {
    /// `/kubepods/burstable/pod<uid>` and a container below it, in `tree`.
    struct PodTree {
        var podRelative: String
        var containerRelative: String
        init() {
            podRelative = "/kubepods/burstable/pod" + TraceTest.podUID()
            containerRelative = podRelative + "/" + TraceTest.randomHex(64)
        }
    }

    /// Runs python3 allocating 128M in the v1 memory cgroup `directory` until the kernel
    /// kills it; returns the victim's PID.
    static func allocate(in directory: String) throws -> Int32 {
        let child = try ShellChild(
            "echo $$ > \(directory)/cgroup.procs && exec /usr/bin/python3 -c 'b=bytearray(128<<20)'")
        defer { child.killAndReap() }
        let status = try #require(child.waitForExit(seconds: 30), "python3 did not end")
        #expect(ShellChild.killedBySIGKILL(status), "python3 should have been OOM-killed (status \(status))")
        return child.pid
    }

    @Test func v1ContainerOOMIsReportedOnItsCgroup() throws {
        guard requireRoot() else { return }
        let system = try TraceTest.system()
        let memory = try #require(system.hierarchy(for: "memory"))
        try #require(memory.version == .v1, "this test is for the v1 memory hierarchy")
        let tree = try OwnedCgroupTree(hierarchy: memory)
        defer { tree.cleanup() }
        let shape = PodTree()
        try tree.make(shape.podRelative)
        let container = try tree.make(shape.containerRelative)
        try SystemFile.write(String(32 << 20), to: container + "/memory.limit_in_bytes")
        let containerPath = tree.rootPath + shape.containerRelative
        let podPath = tree.rootPath + shape.podRelative

        let source = try CgroupOOMSource(system: system)
        #expect(source.name == "cgroup")
        let queue = BoundedEventQueue<OOMKillEvent>(capacity: 256)
        let producer = BackgroundRun { stop in source.run(into: queue, stop: stop) }
        defer { producer.finish() }
        #expect(TraceTest.waitUntil(seconds: 5) { source.watchedPaths.contains(containerPath) })
        #expect(source.watchedPaths.contains(podPath), "pod cgroups are watched too")

        _ = try Self.allocate(in: container)
        let kernelCount = try #require(try TraceTest.oomKillCount(container))
        #expect(kernelCount >= 1)
        let (found, others) = TraceTest.waitForEvent(queue, seconds: 10) { $0.cgroupPath == containerPath }
        let event = try #require(found, "no cgroup event for \(containerPath)")
        #expect(event.source == "cgroup")
        #expect(event.kills >= 1)
        #expect(UInt64(event.kills) <= kernelCount)
        #expect(event.pid == nil)
        // v1 counts the kill only in the victim's cgroup: no event for the pod.
        let (podEvent, _) = TraceTest.waitForEvent(queue, seconds: 0.5) { $0.cgroupPath == podPath }
        #expect(podEvent == nil)
        #expect(!others.contains { $0.cgroupPath == podPath })

        // Removing the cgroup fires the eventfd too; the watch goes, without an event.
        tree.cleanup()
        #expect(TraceTest.waitUntil(seconds: 5) { !source.watchedPaths.contains(containerPath) })
        let (late, _) = TraceTest.waitForEvent(queue, seconds: 0.5) { $0.cgroupPath == containerPath }
        #expect(late == nil)
        #expect(producer.finish())
        #expect(source.watchedPaths.isEmpty)
    }

    @Test func v1ContainerCreatedAfterStartIsWatched() throws {
        guard requireRoot() else { return }
        let system = try TraceTest.system()
        let memory = try #require(system.hierarchy(for: "memory"))
        try #require(memory.version == .v1, "this test is for the v1 memory hierarchy")
        let tree = try OwnedCgroupTree(hierarchy: memory)
        defer { tree.cleanup() }
        let shape = PodTree()
        try tree.make(shape.podRelative)

        let source = try CgroupOOMSource(system: system, rescanSeconds: 0.5)
        let queue = BoundedEventQueue<OOMKillEvent>(capacity: 256)
        let producer = BackgroundRun { stop in source.run(into: queue, stop: stop) }
        defer { producer.finish() }
        let podPath = tree.rootPath + shape.podRelative
        #expect(TraceTest.waitUntil(seconds: 5) { source.watchedPaths.contains(podPath) })

        let container = try tree.make(shape.containerRelative)
        try SystemFile.write(String(32 << 20), to: container + "/memory.limit_in_bytes")
        let containerPath = tree.rootPath + shape.containerRelative
        #expect(TraceTest.waitUntil(seconds: 5) { source.watchedPaths.contains(containerPath) })

        _ = try Self.allocate(in: container)
        let (found, _) = TraceTest.waitForEvent(queue, seconds: 10) { $0.cgroupPath == containerPath }
        let event = try #require(found, "no cgroup event for the late container \(containerPath)")
        #expect(event.kills >= 1)
        #expect(UInt64(event.kills) <= (try TraceTest.oomKillCount(container) ?? 0))
    }

    @Test func v1PodLevelLimitKillsInThePodCgroup() throws {
        guard requireRoot() else { return }
        let system = try TraceTest.system()
        let memory = try #require(system.hierarchy(for: "memory"))
        try #require(memory.version == .v1, "this test is for the v1 memory hierarchy")
        let tree = try OwnedCgroupTree(hierarchy: memory)
        defer { tree.cleanup() }
        let shape = PodTree()
        let pod = try tree.make(shape.podRelative)
        try tree.make(shape.containerRelative)
        try SystemFile.write(String(32 << 20), to: pod + "/memory.limit_in_bytes")

        let source = try CgroupOOMSource(system: system)
        let queue = BoundedEventQueue<OOMKillEvent>(capacity: 256)
        let producer = BackgroundRun { stop in source.run(into: queue, stop: stop) }
        defer { producer.finish() }
        let podPath = tree.rootPath + shape.podRelative
        #expect(TraceTest.waitUntil(seconds: 5) { source.watchedPaths.contains(podPath) })
        // A process directly in the pod cgroup (like a runtime helper) hits the pod limit.
        _ = try Self.allocate(in: pod)
        let (found, _) = TraceTest.waitForEvent(queue, seconds: 10) { $0.cgroupPath == podPath }
        let event = try #require(found, "no event for the pod cgroup")
        #expect(event.kills == Int(try TraceTest.oomKillCount(pod) ?? 0))
    }

    // MARK: - v2 (fake)

    /// Rewrites a FAKE `memory.events` (a regular file) in place with write(2), as the
    /// kernel's counters change: IN_MODIFY fires on the same inode.
    static func writeEvents(_ path: String, oomKill: Int, local: Bool = false) throws {
        let text = "low 0\nhigh 0\nmax \(oomKill * 3)\noom \(oomKill)\noom_kill \(oomKill)\noom_group_kill 0\n"
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw KernelError.fromErrno("open", path) }
        defer { close(fd) }
        var bytes = Array(text.utf8)
        let n = bytes.withUnsafeMutableBytes { write(fd, $0.baseAddress, $0.count) }
        guard n == bytes.count else { throw KernelError.fromErrno("write", path) }
    }

    @Test func v2CounterDeltasFromAFakeTree() throws {
        // FAKE: a temp directory shaped like a cgroup2 mount with the memory controller;
        // memory.events files are regular files this test rewrites. No kernel cgroup is used.
        let mount = "/tmp/kspy-trtest-fake-v2-" + TraceTest.randomHex(12)
        try SystemFile.makeDirectories(mount)
        defer { try? SystemFile.removeTree(mount) }
        let fake = CgroupHierarchy(version: .v2, mountPoint: mount, root: "/", controllers: ["cpu", "memory", "pids"])
        let shape = PodTree()
        try SystemFile.makeDirectories(mount + shape.containerRelative)
        let containerEvents = mount + shape.containerRelative + "/memory.events"
        let podLocal = mount + shape.podRelative + "/memory.events.local"
        try Self.writeEvents(containerEvents, oomKill: 3)  // kills before the trace: baseline
        try Self.writeEvents(mount + shape.podRelative + "/memory.events", oomKill: 3)
        try Self.writeEvents(podLocal, oomKill: 0)

        let source = try CgroupOOMSource(hierarchies: [fake], rescanSeconds: 0.3)
        let queue = BoundedEventQueue<OOMKillEvent>(capacity: 64)
        let producer = BackgroundRun { stop in source.run(into: queue, stop: stop) }
        defer { producer.finish() }
        #expect(TraceTest.waitUntil(seconds: 5) { source.watchedPaths.contains(shape.containerRelative) })
        #expect(source.watchedPaths.contains(shape.podRelative))
        #expect(queue.pop(timeoutSeconds: 0.3) == nil, "the baseline must not be reported")

        // Two kills in the container: the hierarchical file of the pod moves too, its
        // .local file does not — one event, on the container.
        try Self.writeEvents(containerEvents, oomKill: 5)
        try Self.writeEvents(mount + shape.podRelative + "/memory.events", oomKill: 5)
        let event = try #require(queue.pop(timeoutSeconds: 3))
        #expect(event.cgroupPath == shape.containerRelative)
        #expect(event.kills == 2)
        #expect(event.source == "cgroup")
        #expect(queue.pop(timeoutSeconds: 0.5) == nil)

        // A kill of a process in the pod cgroup itself: pod .local moves.
        try Self.writeEvents(podLocal, oomKill: 1)
        let podEvent = try #require(queue.pop(timeoutSeconds: 3))
        #expect(podEvent.cgroupPath == shape.podRelative)
        #expect(podEvent.kills == 1)

        // A container created during the trace: its earlier count is all new.
        let late = shape.podRelative + "/" + TraceTest.randomHex(64)
        try SystemFile.makeDirectories(mount + late)
        try Self.writeEvents(mount + late + "/memory.events", oomKill: 1)
        let lateEvent = try #require(queue.pop(timeoutSeconds: 3))
        #expect(lateEvent.cgroupPath == late)
        #expect(lateEvent.kills == 1)

        // A vanished container is dropped.
        try SystemFile.removeTree(mount + shape.containerRelative)
        #expect(TraceTest.waitUntil(seconds: 3) { !source.watchedPaths.contains(shape.containerRelative) })
        #expect(queue.pop(timeoutSeconds: 0.3) == nil)
    }

    @Test func noMemoryHierarchyIsAnError() {
        #expect(throws: KernelError.self) { try CgroupOOMSource(hierarchies: []) }
    }
}
