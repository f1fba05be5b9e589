import Foundation
import Glibc
import KspyKernel
import KspyTrace
import Testing


/// Shared helpers of the trace tests.
enum TraceTest {
    /// `count` random lowercase hex digits.
    static func randomHex(_ count: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        var text = ""
        while text.count < count {
            let digits = String(generator.next() as UInt64, radix: 16)
            text += String(repeating: "0", count: 16 - digits.count) + digits
        }
        return String(text.prefix(count))
    }

    /// A random pod UID in API form (UUID, lowercase).
    static func podUID() -> String {
        let hex = randomHex(32)
        let parts = [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { range in
            String(hex.dropFirst(range.lowerBound).prefix(range.count))
        }
        return parts.joined(separator: "-")
    }

    /// The hierarchies of this machine.
    static func system() throws -> CgroupSystem { try CgroupSystem.current() }

    /// Polls `condition` every 20 ms until it holds or `seconds` pass.
    @discardableResult
    static func waitUntil(seconds: Double, _ condition: () -> Bool) -> Bool {
        let deadline = EventTime.monotonicNanoseconds() + Int64(seconds * 1e9)
        while EventTime.monotonicNanoseconds() < deadline {
            if condition() { return true }
            usleep(20_000)
        }
        return condition()
    }

    /// Pops events until one satisfies `match` or `seconds` pass; returns it and the
    /// events that came before it.
    static func waitForEvent<E: Sendable>(
        _ queue: BoundedEventQueue<E>, seconds: Double, _ match: (E) -> Bool
    ) -> (match: E?, others: [E]) {
        let deadline = EventTime.monotonicNanoseconds() + Int64(seconds * 1e9)
        var others: [E] = []
        while EventTime.monotonicNanoseconds() < deadline {
            guard let event = queue.pop(timeoutSeconds: 0.1) else { continue }
            if match(event) { return (event, others) }
            others.append(event)
        }
        return (nil, others)
    }

    /// The kernel's `oom_kill` counter of a v1 memory cgroup directory.
    static func oomKillCount(_ directory: String) throws -> UInt64? {
        MemoryEvents.parse(oomControl: try SystemFile.read(directory + "/memory.oom_control")).oomKillCount
    }
}

/// A producer running `body` on a thread of its own; `finish()` raises the stop flag
/// and waits until it returned.
final class BackgroundRun: @unchecked Sendable {
    let stop = StopFlag()
    private let done = DispatchSemaphore(value: 0)
    private var finished = false

    init(_ body: @escaping @Sendable (StopFlag) -> Void) {
        let stop = self.stop
        let done = self.done
        let thread = Thread {
            body(stop)
            done.signal()
        }
        thread.start()
    }

    /// Stops the producer and waits (at most 10 s) for it to return; true when it did.
    @discardableResult
    func finish() -> Bool {
        if finished { return true }
        stop.stop()
        finished = done.wait(timeout: .now() + 10) == .success
        return finished
    }

    deinit { finish() }
}

/// A `/bin/sh -c` child of this test, with a pipe on its stdin. Killed (SIGKILL, by
/// PID — it is our own child and not yet reaped, so the PID cannot be reused) and
/// reaped on `reap`/deinit, so no test leaves a process behind.
final class ShellChild {
    let pid: pid_t
    private var stdinWrite: Int32
    private(set) var waitStatus: Int32? = nil

    init(_ script: String) throws {
        var pipeFDs: [Int32] = [-1, -1]
        guard pipe(&pipeFDs) == 0 else { throw KernelError.fromErrno("pipe", "child stdin") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, pipeFDs[0], 0)
        posix_spawn_file_actions_addclose(&actions, pipeFDs[1])
        let arguments = ["/bin/sh", "-c", script]
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        var envp: [UnsafeMutablePointer<CChar>?] = [strdup("PATH=/usr/bin:/bin"), nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var child: pid_t = 0
        let rc = posix_spawn(&child, "/bin/sh", &actions, nil, &argv, &envp)
        close(pipeFDs[0])
        if rc != 0 {
            close(pipeFDs[1])
            throw KernelError("posix_spawn", "/bin/sh", errno: rc)
        }
        pid = child
        stdinWrite = pipeFDs[1]
        _ = fcntl(stdinWrite, F_SETFD, FD_CLOEXEC)
    }

    /// Writes a line to the child's stdin (e.g. the go-ahead a script `read`s).
    func send(_ line: String) {
        var bytes = Array((line + "\n").utf8)
        _ = bytes.withUnsafeMutableBytes { write(stdinWrite, $0.baseAddress, $0.count) }
    }

    /// The child's `/proc/<pid>/cgroup` entries (nil once it is gone).
    func cgroups() -> [ProcessCgroupEntry]? { try? Procfs().cgroups(pid: pid) }

    /// Waits up to `seconds` for the child to exit; returns its wait status or nil.
    func waitForExit(seconds: Double) -> Int32? {
        if let waitStatus { return waitStatus }
        let deadline = EventTime.monotonicNanoseconds() + Int64(seconds * 1e9)
        repeat {
            var status: Int32 = 0
            let rc = waitpid(pid, &status, WNOHANG)
            if rc == pid {
                waitStatus = status
                return status
            }
            if rc < 0 && errno != EINTR { return nil }
            usleep(10_000)
        } while EventTime.monotonicNanoseconds() < deadline
        return nil
    }

    /// SIGKILLs the child unless already reaped, and reaps it.
    func killAndReap() {
        if waitStatus == nil {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            waitStatus = status
        }
        if stdinWrite >= 0 {
            close(stdinWrite)
            stdinWrite = -1
        }
    }

    /// True when the wait status says "killed by SIGKILL".
    static func killedBySIGKILL(_ status: Int32) -> Bool {
        (status & 0x7f) == SIGKILL
    }

    deinit { killAndReap() }
}

/// A cgroup subtree this test owns in one hierarchy: `/kspy-trtest-<hex>` at the top.
/// `cleanup()` SIGKILLs whatever is still inside (only this test's children are) and
/// removes the tree bottom-up; call it in `defer`.
final class OwnedCgroupTree {
    let hierarchy: CgroupHierarchy
    /// The owned root's path, e.g. `/kspy-trtest-0123abcd`.
    let rootPath: String

    init(hierarchy: CgroupHierarchy) throws {
        self.hierarchy = hierarchy
        rootPath = "/kspy-trtest-" + TraceTest.randomHex(12)
        try SystemFile.makeDirectories(hierarchy.directory(for: rootPath))
    }

    /// The directory of `path` (relative to the owned root) in the hierarchy.
    func directory(_ relative: String) -> String {
        hierarchy.directory(for: rootPath + relative)
    }

    /// Creates the cgroup `relative` below the owned root (with parents).
    @discardableResult
    func make(_ relative: String) throws -> String {
        let directory = directory(relative)
        try SystemFile.makeDirectories(directory)
        return directory
    }

    /// Kills what is inside and removes the tree.
    func cleanup() {
        guard let root = try? Cgroup(path: rootPath, hierarchies: [hierarchy]) else { return }
        try? root.killAll(timeoutSeconds: 5)
        do { try root.remove(recursive: true, busyRetrySeconds: 3) } catch {
            Issue.record("could not remove test cgroup \(rootPath): \(error)")
        }
    }
}
