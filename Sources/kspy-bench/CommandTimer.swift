import Foundation
import Glibc
import KspyKernel

/// Runs external commands and measures their wall time.
enum CommandTimer {
    /// The result of one timed command.
    struct Run {
        let seconds: Double
        let status: Int32
        let output: String
        /// The child's peak resident set (`ru_maxrss` of wait4(2) for this child alone),
        /// in KiB. Linux counts the pages the child held between fork and exec too, i.e.
        /// a copy of kspy-bench's own anonymous memory: compare with `forkBaselineKiB()`.
        let maxResidentKiB: Int
    }

    /// Runs `arguments` (first = program path) and returns its wall time, exit status,
    /// combined output and peak resident set.
    /// With `captureOutput` false the output is read only when the command fails, so
    /// large outputs do not grow kspy-bench (and with it the next child's fork copy).
    static func run(_ arguments: [String], captureOutput: Bool = true) throws -> Run {
        // Output goes to a file, not a pipe: an OCI runtime's `create` leaves the
        // container's init holding its stdio, so a pipe would never reach EOF.
        let outputPath = "/tmp/kspy-bench-output-\(getpid())"
        let fd = open(outputPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        if fd < 0 { throw BenchError("cannot create \(outputPath)") }
        defer { unlink(outputPath) }
        var request = SpawnRequest(
            mode: .exec(path: arguments[0], arguments: arguments, environment: ProcessInfo.processInfo.environment.map { "\($0)=\($1)" }))
        request.stdout = fd
        request.stderr = fd
        request.newSession = false
        let start = now()
        let child: SpawnedProcess
        do {
            child = try Spawner.spawn(request)
        } catch {
            close(fd)
            throw error
        }
        // wait4 on the child's PID (safe: an unreaped child's PID cannot be reused)
        // returns the rusage of this child alone, unlike
        // getrusage(RUSAGE_CHILDREN), whose ru_maxrss is the maximum over all children.
        var rawStatus: Int32 = 0
        var usage = rusage()
        while wait4(child.pid, &rawStatus, 0, &usage) < 0 {
            if errno == EINTR { continue }
            close(fd)
            throw BenchError("wait4 \(child.pid): \(String(cString: strerror(errno)))")
        }
        let elapsed = now() - start
        close(fd)
        // wait(2) status: low 7 bits = terminating signal (0: exited), bits 8-15 = exit code.
        let signal = rawStatus & 0x7f
        let status = signal == 0 ? (rawStatus >> 8) & 0xff : 128 + signal
        let data = captureOutput || status != 0 ? FileManager.default.contents(atPath: outputPath) ?? Data() : Data()
        return Run(
            seconds: elapsed, status: status, output: String(decoding: data, as: UTF8.self),
            maxResidentKiB: usage.ru_maxrss)
    }

    /// The peak resident set a child shows when it does next to nothing (`true`): what
    /// it inherited from kspy-bench between fork and exec. A child's `maxResidentKiB`
    /// above this is its own peak; at or below it, only an upper bound.
    static func forkBaselineKiB() throws -> Int {
        guard let truePath = which("true") else { throw BenchError("true not found on PATH") }
        return try mustRun([truePath], captureOutput: false).maxResidentKiB
    }

    /// Runs and fails with the command's output when it exits non-zero.
    @discardableResult
    static func mustRun(_ arguments: [String], captureOutput: Bool = true) throws -> Run {
        let result = try run(arguments, captureOutput: captureOutput)
        if result.status != 0 {
            throw BenchError("\(arguments.joined(separator: " ")) exited \(result.status): \(result.output)")
        }
        return result
    }

    static func now() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }

    /// The absolute path of `program` on PATH, or nil.
    static func which(_ program: String) -> String? {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/sbin:/usr/bin:/sbin:/bin").split(separator: ":") {
            let path = "\(dir)/\(program)"
            if access(path, X_OK) == 0 { return path }
        }
        return nil
    }
}

/// A benchmark could not run.
struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { description = message }
}

/// Medians and ratios.
enum Stats {
    static func median(_ values: [Double]) -> Double {
        guard !values.isEmpty else { return .nan }
        let sorted = values.sorted()
        let mid = sorted.count / 2
        return sorted.count % 2 == 0 ? (sorted[mid - 1] + sorted[mid]) / 2 : sorted[mid]
    }

    static func milliseconds(_ seconds: Double) -> String {
        String(format: "%.2f ms", seconds * 1000)
    }
}
