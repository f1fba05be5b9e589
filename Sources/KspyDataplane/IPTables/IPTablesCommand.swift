import CKspyShim
import Glibc
import KspyKernel

/// Runs one external program (no shell) through `Spawner` and collects its output.
/// Used for the `iptables-*-save` readers.
enum IPTablesCommand {
    /// What the program printed and how it ended.
    struct Output {
        var status: ExitStatus
        var stdout: [UInt8]
        var stderr: [UInt8]
    }

    /// The directories searched for programs, after `$PATH`.
    static let standardDirectories = ["/usr/sbin", "/sbin", "/usr/bin", "/bin", "/usr/local/sbin", "/usr/local/bin"]

    /// The absolute path of `program` (searched in `$PATH`, then the sbin/bin directories).
    static func locate(_ program: String) -> String? {
        if program.hasPrefix("/") { return access(program, X_OK) == 0 ? program : nil }
        var directories: [String] = []
        if let path = getenv("PATH") {
            directories = String(cString: path).split(separator: ":").map(String.init)
        }
        for directory in directories + standardDirectories where !directory.isEmpty {
            let candidate = directory + "/" + program
            if access(candidate, X_OK) == 0 { return candidate }
        }
        return nil
    }

    /// Runs `arguments` (`arguments[0]` an absolute path) with a minimal environment and
    /// reads stdout and stderr to EOF (both through pipes, polled, so neither can fill up
    /// and stall the child), then reaps it.
    static func run(_ arguments: [String]) throws(DataplaneError) -> Output {
        let display = arguments.joined(separator: " ")
        var out: [Int32] = [-1, -1]
        var err: [Int32] = [-1, -1]
        guard kspy_pipe_cloexec(&out) == 0 else { throw failure(display, "pipe2") }
        guard kspy_pipe_cloexec(&err) == 0 else {
            close(out[0])
            close(out[1])
            throw failure(display, "pipe2")
        }
        var request = SpawnRequest(
            mode: .exec(
                path: arguments[0], arguments: arguments,
                environment: ["PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C"]))
        request.stdout = out[1]
        request.stderr = err[1]
        request.newSession = false
        let child: SpawnedProcess
        do {
            child = try Spawner.spawn(request)
        } catch {
            for fd in out + err { close(fd) }
            throw DataplaneError("cannot run \(display): \(error)")
        }
        close(out[1])
        close(err[1])
        var stdout: [UInt8] = []
        var stderr: [UInt8] = []
        var fds = [
            pollfd(fd: out[0], events: Int16(POLLIN), revents: 0),
            pollfd(fd: err[0], events: Int16(POLLIN), revents: 0),
        ]
        var buffer = [UInt8](repeating: 0, count: 65536)
        while fds.contains(where: { $0.fd >= 0 }) {
            let rc = poll(&fds, nfds_t(fds.count), -1)
            if rc < 0 {
                if errno == EINTR { continue }
                break
            }
            for i in fds.indices where fds[i].fd >= 0 && fds[i].revents != 0 {
                let n = buffer.withUnsafeMutableBytes { read(fds[i].fd, $0.baseAddress, $0.count) }
                if n > 0 {
                    if i == 0 {
                        stdout.append(contentsOf: buffer[0..<n])
                    } else {
                        stderr.append(contentsOf: buffer[0..<n])
                    }
                } else if n == 0 || (errno != EINTR && errno != EAGAIN) {
                    close(fds[i].fd)
                    fds[i].fd = -1
                }
            }
        }
        for f in fds where f.fd >= 0 { close(f.fd) }
        let status: ExitStatus
        do {
            status = try child.pidfd.reap() ?? .exited(0)
        } catch {
            throw DataplaneError("cannot reap \(display): \(error)")
        }
        return Output(status: status, stdout: stdout, stderr: stderr)
    }

    private static func failure(_ display: String, _ call: String) -> DataplaneError {
        DataplaneError("cannot run \(display): \(call): \(String(cString: strerror(errno)))")
    }
}
