import Foundation
import Glibc
import KspyKernel

/// Helpers of the trace and exec scenarios: clocks, percentiles, long-running children
/// whose output is read line by line as it arrives, and the targets block.
enum BenchClock {
    /// CLOCK_REALTIME in nanoseconds since the epoch.
    static func realtimeNanoseconds() -> Int64 { read(CLOCK_REALTIME) }

    /// CLOCK_MONOTONIC in nanoseconds (what BPF's `bpf_ktime_get_ns` and bpftrace's
    /// `nsecs` count).
    static func monotonicNanoseconds() -> Int64 { read(CLOCK_MONOTONIC) }

    /// REALTIME − MONOTONIC now: the monotonic reading is the midpoint of two taken
    /// around the realtime one.
    static func realtimeMinusMonotonic() -> Int64 {
        let before = monotonicNanoseconds()
        let real = realtimeNanoseconds()
        let after = monotonicNanoseconds()
        return real - (before + (after - before) / 2)
    }

    /// The CPU time (user + system, all threads, in seconds) of process `pid` so far,
    /// from its CPU-time clock (clock_getcpuclockid(3)); nil once it is gone.
    static func processCPUSeconds(_ pid: Int32) -> Double? {
        var clock = clockid_t()
        guard clock_getcpuclockid(pid, &clock) == 0 else { return nil }
        var t = timespec()
        guard clock_gettime(clock, &t) == 0 else { return nil }
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }

    /// Per thread of `pid`: nanoseconds on a CPU and waiting on a run queue
    /// (/proc/<pid>/task/<tid>/schedstat, CONFIG_SCHED_INFO); empty when unavailable.
    static func threadSchedStats(_ pid: Int32) -> [Int32: (run: Int64, wait: Int64)] {
        var result: [Int32: (run: Int64, wait: Int64)] = [:]
        guard let tids = try? SystemFile.listDirectory("/proc/\(pid)/task") else { return result }
        for name in tids {
            guard let tid = Int32(name), let text = try? SystemFile.readTrimmed("/proc/\(pid)/task/\(tid)/schedstat")
            else { continue }
            let fields = text.split(separator: " ").compactMap { Int64($0) }
            if fields.count >= 2 { result[tid] = (fields[0], fields[1]) }
        }
        return result
    }

    private static func read(_ clock: clockid_t) -> Int64 {
        var t = timespec()
        clock_gettime(clock, &t)
        return Int64(t.tv_sec) * 1_000_000_000 + Int64(t.tv_nsec)
    }

    /// Parses RFC 3339 UTC with up to nine fractional digits
    /// (`2026-11-26T12:00:00.123456789Z`) into nanoseconds since the epoch.
    static func parseRFC3339(_ text: String) -> Int64? {
        let bytes = Array(text.utf8)
        guard bytes.count >= 20, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
            bytes[10] == UInt8(ascii: "T"), bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":"),
            bytes.last == UInt8(ascii: "Z")
        else { return nil }
        func number(_ range: Range<Int>) -> Int32? {
            var value: Int32 = 0
            for index in range {
                let digit = bytes[index]
                guard digit >= 48 && digit <= 57 else { return nil }
                value = value * 10 + Int32(digit - 48)
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
            let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19)
        else { return nil }
        var nanos: Int64 = 0
        if bytes[19] == UInt8(ascii: ".") {
            let digits = bytes[20..<(bytes.count - 1)]
            guard !digits.isEmpty, digits.count <= 9, digits.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
            for digit in digits { nanos = nanos * 10 + Int64(digit - 48) }
            for _ in digits.count..<9 { nanos *= 10 }
        } else if bytes.count != 20 {
            return nil
        }
        var parts = tm()
        parts.tm_year = year - 1900
        parts.tm_mon = month - 1
        parts.tm_mday = day
        parts.tm_hour = hour
        parts.tm_min = minute
        parts.tm_sec = second
        let seconds = timegm(&parts)
        return Int64(seconds) * 1_000_000_000 + nanos
    }
}

extension Stats {
    /// The `p` quantile (0…1) by linear interpolation between the closest ranks (with
    /// 50 values, p99 lies between the 49th and the 50th).
    static func percentile(_ values: [Double], _ p: Double) -> Double {
        guard !values.isEmpty else { return .nan }
        let sorted = values.sorted()
        let position = p * Double(sorted.count - 1)
        let lower = Int(position.rounded(.down))
        let upper = min(lower + 1, sorted.count - 1)
        return sorted[lower] + (sorted[upper] - sorted[lower]) * (position - Double(lower))
    }

    /// A cell: `text` padded to `width`.
    static func cell(_ text: String, _ width: Int) -> String {
        text.count >= width ? text + " " : text.padding(toLength: width, withPad: " ", startingAt: 0)
    }

    /// One line of a targets block.
    static func verdict(_ target: String, _ measured: String, met: Bool, miss: String) {
        print("  " + cell(target, 38) + cell(measured, 44) + (met ? "met" : "NOT met (\(miss))"))
    }
}

/// A pipe whose read end kspy-bench keeps (close-on-exec) and whose write end becomes
/// a child's stdout or stderr; complete lines are handed out as they arrive.
final class LinePipe {
    let readFD: Int32
    private(set) var writeFD: Int32
    private var pending: [UInt8] = []
    /// True once the writer side closed (EOF read).
    private(set) var atEOF = false
    /// Everything read so far (kept for error messages), capped.
    private(set) var transcript = ""

    init() throws {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { throw BenchError("pipe: \(String(cString: strerror(errno)))") }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        readFD = fds[0]
        writeFD = fds[1]
    }

    deinit {
        closeWriteEnd()
        close(readFD)
    }

    /// Closes kspy-bench's copy of the write end (after the child got it).
    func closeWriteEnd() {
        if writeFD >= 0 {
            close(writeFD)
            writeFD = -1
        }
    }

    /// Reads what is available (call when poll says readable) and returns the complete
    /// lines it finished. Sets `atEOF` on end of file.
    func readLines() -> [String] {
        var buffer = [UInt8](repeating: 0, count: 65536)
        let n = buffer.withUnsafeMutableBytes { Glibc.read(readFD, $0.baseAddress, $0.count) }
        if n < 0 {
            if errno == EINTR || errno == EAGAIN { return [] }
            atEOF = true
            return []
        }
        if n == 0 {
            atEOF = true
            if pending.isEmpty { return [] }
            defer { pending.removeAll() }
            return [String(decoding: pending, as: UTF8.self)]
        }
        pending.append(contentsOf: buffer[0..<n])
        var lines: [String] = []
        while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
            lines.append(String(decoding: pending[..<newline], as: UTF8.self))
            pending.removeSubrange(...newline)
        }
        if transcript.utf8.count < 16384 { transcript += lines.map { $0 + "\n" }.joined() }
        return lines
    }
}

/// A long-running child of a scenario (a tracer): spawned with its stdout and stderr
/// on pipes, stopped by a signal through its pidfd and reaped with wait4(2) for its
/// rusage. Only ever signals its own child.
final class TracedChild {
    let name: String
    let process: SpawnedProcess
    let stdout: LinePipe
    let stderr: LinePipe
    private(set) var reaped = false
    /// User + system CPU seconds of the child and its reaped descendants (after `stop`).
    private(set) var cpuSeconds: Double = 0
    /// wait(2)-style exit: exit code, or 128 + signal.
    private(set) var exitStatus: Int32 = 0

    init(name: String, arguments: [String]) throws {
        self.name = name
        stdout = try LinePipe()
        stderr = try LinePipe()
        var request = SpawnRequest(
            mode: .exec(
                path: arguments[0], arguments: arguments,
                environment: ProcessInfo.processInfo.environment.map { "\($0)=\($1)" }))
        request.stdout = stdout.writeFD
        request.stderr = stderr.writeFD
        request.newSession = false
        process = try Spawner.spawn(request)
        stdout.closeWriteEnd()
        stderr.closeWriteEnd()
    }

    var pid: Int32 { process.pid }

    /// Sends `signal` (to this child only, through its pidfd) unless already reaped.
    func send(_ signal: Int32) {
        if !reaped { try? process.pidfd.send(signal: signal) }
    }

    /// Reaps the child when it has exited (or waits up to `timeoutSeconds` for it);
    /// returns false when it is still running.
    @discardableResult
    func reap(timeoutSeconds: Double) -> Bool {
        if reaped { return true }
        guard process.pidfd.waitForExit(timeoutMilliseconds: Int32(timeoutSeconds * 1000)) else { return false }
        var status: Int32 = 0
        var usage = rusage()
        while wait4(process.pid, &status, 0, &usage) < 0 {
            if errno == EINTR { continue }
            reaped = true
            return true
        }
        reaped = true
        cpuSeconds =
            Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
            + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
        let signal = status & 0x7f
        exitStatus = signal == 0 ? (status >> 8) & 0xff : 128 + signal
        return true
    }

    /// Signals `signal`, drains both pipes until EOF (handing stdout lines to
    /// `onLine`), and reaps; escalates to SIGKILL after `graceSeconds`.
    func stop(signal: Int32, graceSeconds: Double = 5, onLine: (String, Int64) -> Void = { _, _ in }) {
        if reaped { return }
        send(signal)
        let deadline = CommandTimer.now() + graceSeconds
        var killed = false
        while !(stdout.atEOF && stderr.atEOF) {
            if CommandTimer.now() > deadline {
                if killed { break }
                send(SIGKILL)
                killed = true
                continue
            }
            var fds = [stdout, stderr].filter { !$0.atEOF }.map {
                pollfd(fd: $0.readFD, events: Int16(POLLIN), revents: 0)
            }
            if poll(&fds, nfds_t(fds.count), 100) <= 0 { continue }
            let arrival = BenchClock.realtimeNanoseconds()
            for entry in fds where entry.revents != 0 {
                if entry.fd == stdout.readFD {
                    for line in stdout.readLines() { onLine(line, arrival) }
                } else {
                    _ = stderr.readLines()
                }
            }
        }
        if !reap(timeoutSeconds: killed ? 2 : graceSeconds) {
            send(SIGKILL)
            reap(timeoutSeconds: 5)
        }
    }

    /// Last resort on error paths: SIGKILL and reap.
    func kill() {
        if reaped { return }
        send(SIGKILL)
        reap(timeoutSeconds: 5)
    }
}

/// Runs a short command with its output to /dev/null and returns its wall seconds and
/// CPU seconds (user + system of it and its reaped children, from wait4(2)).
enum QuietCommand {
    struct Result {
        let wallSeconds: Double
        let cpuSeconds: Double
        let status: Int32
    }

    static func run(_ arguments: [String]) throws -> Result {
        let null = open("/dev/null", O_WRONLY | O_CLOEXEC)
        guard null >= 0 else { throw BenchError("cannot open /dev/null") }
        defer { close(null) }
        var request = SpawnRequest(
            mode: .exec(path: arguments[0], arguments: arguments, environment: ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"]))
        request.stdout = null
        request.stderr = null
        request.newSession = false
        let start = CommandTimer.now()
        let child = try Spawner.spawn(request)
        var status: Int32 = 0
        var usage = rusage()
        while wait4(child.pid, &status, 0, &usage) < 0 {
            if errno == EINTR { continue }
            throw BenchError("wait4 \(child.pid): \(String(cString: strerror(errno)))")
        }
        let wall = CommandTimer.now() - start
        let cpu =
            Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
            + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
        let signal = status & 0x7f
        return Result(wallSeconds: wall, cpuSeconds: cpu, status: signal == 0 ? (status >> 8) & 0xff : 128 + signal)
    }
}
