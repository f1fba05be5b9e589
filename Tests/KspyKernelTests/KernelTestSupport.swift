import Glibc
import KspyKernel
import Testing
import KspyTestSupport

/// Helpers for the procfs / mountinfo / cgroup tests. (`requireRoot()` lives in the
/// Spawn tests' support file with the same behaviour; this one is namespaced so the
/// two files stay independent.)
enum KernelTestSupport {

    /// A random lowercase hex string of 16 digits.
    static func randomHex() -> String {
        var generator = SystemRandomNumberGenerator()
        let value = generator.next() as UInt64
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    /// The text of a recorded fixture under `Tests/KspyKernelTests/Fixtures/`
    /// (copied from recordings of a real Debian 6.1 kernel), located from this
    /// source file's path so nothing outside the repository is read at run time.
    static func fixture(_ relativePath: String, filePath: String = #filePath) throws -> String {
        let directory = String(filePath[..<(filePath.lastIndex(of: "/") ?? filePath.startIndex)])
        return try SystemFile.read(directory + "/Fixtures/" + relativePath)
    }

    /// A fresh scratch directory under /tmp (removed by `removeScratch`).
    static func makeScratchDirectory() throws -> String {
        let path = "/tmp/kspy-kernel-test-" + randomHex()
        try SystemFile.makeDirectories(path)
        return path
    }

    /// Writes `text` to a new regular file (test trees only).
    static func writeFile(_ path: String, _ text: String) throws {
        try SystemFile.writeAtomically(Array(text.utf8), to: path)
    }
}

/// A child process this test started with posix_spawn(3). It is SIGKILLed and reaped
/// on deinit if the test did not reap it, so no test leaves a process behind.
final class ChildProcess {
    /// The child's PID.
    let pid: pid_t
    /// The wait status once reaped.
    private(set) var waitStatus: Int32? = nil

    /// Spawns `arguments[0]` (an absolute path) with `arguments` and `environment`.
    init(_ arguments: [String], environment: [String] = ["PATH=/usr/bin:/bin"]) throws {
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        var envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup($0) } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var child: pid_t = 0
        let rc = posix_spawn(&child, arguments[0], nil, nil, &argv, &envp)
        if rc != 0 { throw KernelError("posix_spawn", arguments[0], errno: rc) }
        pid = child
    }

    /// Waits for the child to exit and returns its wait status (idempotent).
    @discardableResult
    func reap() -> Int32 {
        if let waitStatus { return waitStatus }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        waitStatus = status
        return status
    }

    /// True when it was reaped and had been killed by `signal`.
    func wasKilled(by signal: Int32) -> Bool {
        guard let status = waitStatus else { return false }
        let termSignal = status & 0x7f
        return termSignal != 0 && termSignal != 0x7f && termSignal == signal
    }

    /// Waits (without reaping) until the child is a zombie (state `Z` in its raw
    /// `/proc/<pid>/stat`) or `timeoutSeconds` pass.
    func waitUntilZombie(timeoutSeconds: Double = 5) -> Bool {
        for _ in 0..<Int(timeoutSeconds * 200) {
            if let text = try? SystemFile.read("/proc/\(pid)/stat"), text.contains(") Z ") { return true }
            usleep(5000)
        }
        return false
    }

    /// Waits until the child sleeps (state `S` in its raw `/proc/<pid>/stat`): after
    /// posix_spawn returns, exec may still be setting up the new image (arguments,
    /// comm), so tests of `sleep` children wait for this first.
    @discardableResult
    func waitUntilSleeping(timeoutSeconds: Double = 5) -> Bool {
        for _ in 0..<Int(timeoutSeconds * 200) {
            if let text = try? SystemFile.read("/proc/\(pid)/stat"), text.contains(") S ") { return true }
            usleep(5000)
        }
        return false
    }

    deinit {
        if waitStatus == nil {
            kill(pid, SIGKILL)
            reap()
        }
    }
}

/// A unique cgroup `/kspy-test-<hex>` in every hierarchy of this machine, for one
/// test. `cleanup()` kills what is inside (only processes the test started) and
/// removes the subtree in every hierarchy; call it from a `defer` so it also runs
/// when the test fails.
struct TestCgroupRoot {
    let system: CgroupSystem
    let root: Cgroup

    init() throws {
        system = try CgroupSystem.current()
        root = try Cgroup(path: "/kspy-test-" + KernelTestSupport.randomHex(), system: system)
    }

    /// A cgroup below the test root (`relative` like `pod/ctr`).
    func cgroup(_ relative: String, hierarchies: [CgroupHierarchy]? = nil) throws -> Cgroup {
        try Cgroup(path: root.path + "/" + relative, hierarchies: hierarchies ?? system.hierarchies)
    }

    /// Kills the test's processes left in the subtree and removes it everywhere.
    func cleanup() {
        do { try root.killAll(timeoutSeconds: 5) } catch { print("test cleanup: \(error)") }
        do { try root.remove(recursive: true) } catch { print("test cleanup: \(error)") }
    }
}
