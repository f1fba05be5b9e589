import CKspyShim
import Glibc
import KspyKernel
import Testing


/// A unique name for a link this test creates: `prefix` + 8 random hex digits
/// (at most 15 bytes with a prefix of up to 7).
func netlinkTestName(_ prefix: String) -> String {
    let value = UInt32.random(in: 0...UInt32.max)
    let digits = String(value, radix: 16)
    return prefix + String(repeating: "0", count: 8 - digits.count) + digits
}

/// A throw-away network namespace held by a child process this test started:
/// `/usr/bin/unshare --net /bin/sleep 60`. `fd` is an open `/proc/<pid>/ns/net`.
/// `close()` (also run on deinit) closes the fd and SIGKILLs and reaps that child, by
/// its PID only; the kernel then destroys the namespace and every link in it.
final class NetlinkTestNamespace {
    /// The PID of the `sleep` holding the namespace.
    let pid: pid_t
    /// An open descriptor of the namespace.
    private(set) var fd: Int32 = -1
    /// The nsfs path of the namespace, for `nsenter --net=`.
    var path: String { "/proc/\(pid)/ns/net" }

    init() throws {
        pid = try netlinkTestSpawn(["/usr/bin/unshare", "--net", "/bin/sleep", "60"], stdout: -1)
        do {
            let host = try NamespaceID.of(path: "/proc/self/ns/net")
            var switched = false
            for _ in 0..<1000 {
                if let id = try? NamespaceID.of(path: "/proc/\(pid)/ns/net"), id != host {
                    switched = true
                    break
                }
                usleep(5000)
            }
            guard switched else { throw KernelError("wait for unshare --net", "PID \(pid)", errno: ETIMEDOUT) }
            fd = open(path, O_RDONLY | O_CLOEXEC)
            if fd < 0 { throw KernelError.fromErrno("open", path) }
            guard try NamespaceID.of(fd: fd) != host else { throw KernelError("new netns", path, errno: EINVAL) }
        } catch {
            close()
            throw error
        }
    }

    /// The namespace's identity (nsfs device and inode).
    func id() throws -> NamespaceID { try NamespaceID.of(fd: fd) }

    /// Closes the fd and kills and reaps the child (idempotent).
    func close() {
        if fd >= 0 {
            Glibc.close(fd)
            fd = -1
        }
        if kill(pid, SIGKILL) == 0 {
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        }
    }

    deinit { close() }
}

/// Runs `arguments` (absolute path first) to completion and returns its exit status and
/// standard output. Used for iproute2 as an independent witness of what the kernel shows.
func netlinkTestRun(_ arguments: [String]) throws -> (status: Int32, output: String) {
    var pipeFDs: [Int32] = [-1, -1]
    // Close-on-exec, so children that other tests spawn meanwhile do not hold the write end.
    if kspy_pipe_cloexec(&pipeFDs) != 0 { throw KernelError.fromErrno("pipe2", arguments[0]) }
    let pid: pid_t
    do {
        pid = try netlinkTestSpawn(arguments, stdout: pipeFDs[1])
    } catch {
        Glibc.close(pipeFDs[0])
        Glibc.close(pipeFDs[1])
        throw error
    }
    Glibc.close(pipeFDs[1])
    var output: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = chunk.withUnsafeMutableBytes { read(pipeFDs[0], $0.baseAddress, $0.count) }
        if n < 0 && errno == EINTR { continue }
        if n <= 0 { break }
        output.append(contentsOf: chunk[0..<n])
    }
    Glibc.close(pipeFDs[0])
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    let exitCode = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    return (exitCode, String(decoding: output, as: UTF8.self))
}

/// posix_spawn(3) of `arguments` with stdout on `stdout` (-1: inherited).
private func netlinkTestSpawn(_ arguments: [String], stdout: Int32) throws -> pid_t {
    var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
    var envp: [UnsafeMutablePointer<CChar>?] = [strdup("PATH=/usr/sbin:/usr/bin:/sbin:/bin"), nil]
    defer {
        for pointer in argv { free(pointer) }
        for pointer in envp { free(pointer) }
    }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    if stdout >= 0 { posix_spawn_file_actions_adddup2(&actions, stdout, 1) }
    var pid: pid_t = 0
    let rc = posix_spawn(&pid, arguments[0], &actions, nil, &argv, &envp)
    if rc != 0 { throw KernelError("posix_spawn", arguments[0], errno: rc) }
    return pid
}
