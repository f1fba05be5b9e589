import Glibc
import Testing

@testable import KspyKernel
import KspyTestSupport

/// Real-kernel tests of the C spawn path: namespaces created and joined, the pause
/// loop, error reporting from the child.
@Suite struct SpawnTests {
    /// Reads everything from `fd` until EOF.
    private func readAll(_ fd: Int32) -> String {
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            bytes += buffer[0..<n]
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private func pause() throws -> SpawnedProcess {
        var request = SpawnRequest(mode: .pause)
        request.newNamespaces = [.net, .ipc, .uts, .pid, .mnt]
        request.hostname = "spawn-test"
        request.loopbackUp = true
        request.processName = "pause"
        return try Spawner.spawn(request)
    }

    /// The output lines of `sh -c script` spawned into `namespaces` of `pause` (the
    /// request adjusted by `configure`), after checking that it exited 0.
    private func shellLines(
        _ script: String, joining pause: SpawnedProcess, _ namespaces: NamespaceKinds,
        configure: (inout SpawnRequest) -> Void = { _ in }
    ) throws -> [String] {
        var out: [Int32] = [-1, -1]
        #expect(pipe(&out) == 0)
        var request = SpawnRequest(
            mode: .exec(path: "sh", arguments: ["sh", "-c", script], environment: ["PATH=/usr/bin:/bin"]))
        request.joinTarget = pause.pidfd
        request.joinNamespaces = namespaces
        request.stdout = out[1]
        configure(&request)
        let child = try Spawner.spawn(request)
        close(out[1])
        let lines = readAll(out[0]).split(separator: "\n").map(String.init)
        close(out[0])
        #expect(try child.pidfd.reap() == .exited(0))
        return lines
    }

    @Test func pauseHoldsNewNamespacesAndExitsOnSIGTERM() throws {
        guard requireRoot() else { return }
        let pause = try pause()
        defer { try? pause.pidfd.send(signal: SIGKILL); _ = try? pause.pidfd.reap() }
        let comm = try SystemFile.readTrimmed("/proc/\(pause.pid)/comm")
        #expect(comm == "pause")
        for kind in [NamespaceKind.net, .ipc, .uts, .pid, .mnt] {
            let own = try NamespaceID.of(pid: getpid(), kind)
            let its = try NamespaceID.of(pid: pause.pid, kind)
            #expect(own != its, "pause should have its own \(kind) namespace")
        }
        #expect(pause.pidfd.isRunning)
        // Right after spawn returns: the handler is in place before the parent hears
        // that setup succeeded (an init discards signals it has no handler for).
        try pause.pidfd.send(signal: SIGTERM)
        let exited = pause.pidfd.waitForExit(timeoutMilliseconds: 5000)
        #expect(exited, "the pause ignored SIGTERM")
        if exited { #expect(try pause.pidfd.reap() == .exited(0)) }
    }

    /// The fixed inode numbers of the initial namespaces: ours is the initial PID
    /// namespace exactly when /proc/self/status lists one NSpid; namespaces the pause
    /// created never have them.
    @Test func initialNamespacesHaveTheirFixedInodes() throws {
        guard requireRoot() else { return }
        let status = try SystemFile.read("/proc/self/status")
        let nsPIDs = status.split(separator: "\n").first { $0.hasPrefix("NSpid:") }?.split(separator: "\t").dropFirst()
        let ownPID = try NamespaceID.of(path: "/proc/self/ns/pid")
        #expect((ownPID.inode == NamespaceKind.pid.initialNamespaceInode) == (nsPIDs?.count == 1))
        let pause = try pause()
        defer { try? pause.pidfd.send(signal: SIGKILL); _ = try? pause.pidfd.reap() }
        for kind in [NamespaceKind.ipc, .uts, .pid] {
            let its = try NamespaceID.of(pid: pause.pid, kind)
            #expect(kind.initialNamespaceInode != nil)
            #expect(its.inode != kind.initialNamespaceInode, "\(kind)")
        }
        #expect(NamespaceKind.net.initialNamespaceInode == nil && NamespaceKind.mnt.initialNamespaceInode == nil)
    }

    /// Namespace kind sets are the CLONE_NEW* masks setns and clone take.
    @Test func namespaceKindsAreCloneFlagMasks() {
        let kinds: NamespaceKinds = [.net, .pid, .mnt]
        #expect(kinds.rawValue == 0x4000_0000 | 0x2000_0000 | 0x0002_0000)
        #expect(NamespaceKinds(kinds: [.mnt, .pid, .net]) == kinds)
        var visited: [NamespaceKind] = []
        kinds.forEach { visited.append($0) }
        #expect(visited == [.mnt, .pid, .net])  // NamespaceKind order
        #expect(kinds.subtracting(.pid) == [.net, .mnt])
        #expect(kinds.contains(.pid) && !kinds.contains(.user))
        var all = NamespaceKinds()
        for kind in NamespaceKind.allCases { all.insert(NamespaceKinds(kind)) }
        var count = 0
        all.forEach { _ in count += 1 }
        #expect(count == NamespaceKind.allCases.count)
    }

    @Test func childJoinsPauseNamespacesAndSeesItsHostname() throws {
        guard requireRoot() else { return }
        let pause = try pause()
        defer { try? pause.pidfd.send(signal: SIGKILL); _ = try? pause.pidfd.reap() }
        let lines = try shellLines(
            "hostname; readlink /proc/self/ns/net; ls /proc/self/fd", joining: pause, [.net, .ipc, .uts])
        let pauseNet = try NamespaceID.of(pid: pause.pid, .net)
        #expect(lines.first == "spawn-test")
        #expect(lines.dropFirst().first == "net:[\(pauseNet.inode)]")
        // Only 0, 1, 2 and the descriptor ls opens for the listing: nothing of ours leaks.
        #expect(lines.dropFirst(2).count <= 4, "leaked descriptors: \(lines.dropFirst(2))")
    }

    @Test func joinedPIDNamespaceMakesPausePID1() throws {
        guard requireRoot() else { return }
        let pause = try pause()
        defer { try? pause.pidfd.send(signal: SIGKILL); _ = try? pause.pidfd.reap() }
        var out: [Int32] = [-1, -1]
        #expect(pipe(&out) == 0)
        var request = SpawnRequest(
            mode: .exec(path: "/bin/sh", arguments: ["sh", "-c", "readlink /proc/self/ns/pid"], environment: []))
        request.joinTarget = pause.pidfd
        request.joinNamespaces = [.pid, .net]
        request.stdout = out[1]
        let child = try Spawner.spawn(request)
        close(out[1])
        let output = readAll(out[0]).trimmingSuffixNewlines()
        close(out[0])
        #expect(try child.pidfd.reap() == .exited(0))
        let pausePID = try NamespaceID.of(pid: pause.pid, .pid)
        #expect(output == "pid:[\(pausePID.inode)]")
        #expect(pausePID != (try NamespaceID.of(pid: getpid(), .pid)))
        // The pause is PID 1 of its namespace.
        let status = try SystemFile.read("/proc/\(pause.pid)/status")
        #expect(status.split(separator: "\n").contains { $0.hasPrefix("NSpid:") && $0.hasSuffix("\t1") })
        // Our own thread's pid_for_children was restored after the clone.
        #expect(try NamespaceID.of(path: "/proc/thread-self/ns/pid_for_children") == NamespaceID.of(pid: getpid(), .pid))
    }

    /// The vfork-style start `kspy exec` uses: the child enters the cgroup before it
    /// joins the pause's namespaces (clone3 starts it in the v2 one, or it writes
    /// itself there; it writes itself into each v1 `tasks`), and `spawn` returns after
    /// its exec. The copying start enters the same way.
    @Test(arguments: [(true, false), (true, true), (false, false), (false, true)])
    func childJoinsItsCgroupBeforeTheNamespaces(sharesMemory: Bool, unifiedByWrite: Bool) throws {
        guard requireRoot() else { return }
        let test = try TestCgroupRoot()
        defer { test.cleanup() }
        let cgroup = try test.cgroup("pod/ctr")
        try cgroup.create()
        let pause = try pause()
        defer { try? pause.pidfd.send(signal: SIGKILL); _ = try? pause.pidfd.reap() }
        let join = try cgroup.openForJoining()
        defer { join.close() }
        #expect(join.hierarchyCount == test.system.hierarchies.count)
        #expect((join.unifiedDirectory != nil) == test.system.hierarchies.contains { $0.version == .v2 })
        // The whole process is listed in each hierarchy's cgroup.procs, not only its thread.
        let listed = test.system.hierarchies.map { "grep -qx $$ \(cgroup.directory(in: $0))/cgroup.procs && echo listed" }
        let script = (["hostname", "cat /proc/self/cgroup"] + listed).joined(separator: "; ")
        let lines = try shellLines(script, joining: pause, [.uts, .pid]) { request in
            request.joinCgroup = join
            request.joinsUnifiedCgroupByWrite = unifiedByWrite
            request.sharesMemoryUntilExec = sharesMemory
        }
        #expect(lines.first == "spawn-test")
        // Every hierarchy's line names the cgroup (the pause made no cgroup namespace).
        let cgroupLines = lines.dropFirst().filter { $0 != "listed" }
        #expect(cgroupLines.count == test.system.hierarchies.count)
        #expect(cgroupLines.allSatisfy { $0.hasSuffix(":" + cgroup.path) }, "\(cgroupLines)")
        #expect(lines.filter { $0 == "listed" }.count == test.system.hierarchies.count, "\(lines)")
        // Our own thread's pid_for_children was restored after the clone.
        #expect(try NamespaceID.of(path: "/proc/thread-self/ns/pid_for_children") == NamespaceID.of(pid: getpid(), .pid))
    }

    @Test func sharedMemoryStartRefusesNamespacesToCreate() throws {
        // Namespaces to create cannot be combined with a shared-memory start.
        var creating = SpawnRequest(mode: .exec(path: "/bin/true", arguments: ["true"], environment: []))
        creating.newNamespaces = [.uts]
        creating.sharesMemoryUntilExec = true
        #expect(throws: KernelError.self) { _ = try Spawner.spawn(creating) }
    }

    @Test func missingExecutableIsReportedFromTheChild() throws {
        guard requireRoot() else { return }
        let request = SpawnRequest(mode: .exec(path: "kspy-no-such-program", arguments: ["x"], environment: []))
        do {
            _ = try Spawner.spawn(request)
            Issue.record("spawn of a missing program succeeded")
        } catch let error as SpawnError {
            #expect(error.errno == ENOENT)
            #expect(error.description == "exec kspy-no-such-program: executable file not found")
        }
    }
}

extension String {
    fileprivate func trimmingSuffixNewlines() -> String {
        var s = self
        while s.hasSuffix("\n") { s.removeLast() }
        return s
    }
}
