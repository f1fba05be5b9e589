import Glibc
import KspyKernel
import Synchronization

/// OOM kills from the kernel log (`/dev/kmsg`, runtimes.md §6.3): the `oom-kill:` and
/// `Killed process` lines of each kill, combined by `KernelOOMReport.Assembler`. The
/// last fallback of `kspy trace oom`: it needs only read access to /dev/kmsg (root,
/// or `kernel.dmesg_restrict=0`), gives PID, comm, memory figures and the victim's
/// memory cgroup — but the cgroup path is missing when the kernel rate-limited the
/// summary line (more than 10 OOM dumps in 5 s).
///
/// Time: records carry µs of the printk clock (local_clock), which can run seconds
/// apart from CLOCK_MONOTONIC (observed 4.5 s on a VM). Records read as they arrive
/// bound the offset (read time − record time ≥ offset); the smallest such value seen
/// in the last five minutes corrects the event times. Before the first live record
/// (replayed records of `since`) the clocks are assumed equal.
public final class KmsgOOMSource: OOMEventSource {
    /// `kmsg`.
    public let name = "kmsg"
    /// The open /dev/kmsg descriptor; -1 once `run` released it.
    private let descriptor: Mutex<Int32>
    /// Records older than this printk-clock µs are skipped (nil: none are).
    private let cutoffMicros: UInt64?

    /// Opens `path` (`/dev/kmsg`) read-only and non-blocking. Without `since` only
    /// records written from now on are read (the file is positioned at its end);
    /// with `since` seconds the buffer is read from its start and records older than
    /// now − since are skipped, so recent kills are replayed.
    /// - Throws: `KernelError` (EPERM/EACCES without privilege, ENOENT without the device).
    public init(since: Double? = nil, path: String = "/dev/kmsg") throws(KernelError) {
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        if fd < 0 { throw KernelError.fromErrno("open", path) }
        if let since {
            if lseek(fd, 0, SEEK_SET) < 0 {
                let error = KernelError.fromErrno("seek to the start of", path)
                close(fd)
                throw error
            }
            let now = EventTime.monotonicNanoseconds() / 1000
            let cutoff = now - Int64(max(0, since) * 1e6)
            cutoffMicros = cutoff > 0 ? UInt64(cutoff) : nil
        } else {
            if lseek(fd, 0, SEEK_END) < 0 {
                let error = KernelError.fromErrno("seek to the end of", path)
                close(fd)
                throw error
            }
            cutoffMicros = nil
        }
        descriptor = Mutex(fd)
    }

    deinit {
        let fd = descriptor.withLock { $0 }
        if fd >= 0 { close(fd) }
    }

    /// Reads records until `stop` is raised (polling with 100 ms timeouts), pushing one
    /// event per kill. EPIPE (records overwritten before they were read) counts one
    /// drop. Closes /dev/kmsg before returning; a second `run` returns at once.
    public func run(into queue: BoundedEventQueue<OOMKillEvent>, stop: StopFlag) {
        let fd = descriptor.withLock { value in
            let fd = value
            value = -1
            return fd
        }
        guard fd >= 0 else { return }
        defer { close(fd) }
        var assembler = KernelOOMReport.Assembler(source: name)
        // A record is at most CONSOLE_EXT_LOG_MAX (8 KiB) plus its dictionary.
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        var live = false
        var offsetNanoseconds: Int64 = 0
        var offsetMeasuredAt: Int64? = nil
        while !stop.isStopped {
            var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&entry, 1, 100)
            if ready < 0 && errno != EINTR { return }
            // Drain every record available now; a non-blocking read ends with EAGAIN.
            while !stop.isStopped {
                let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
                if n < 0 {
                    let error = errno
                    if error == EINTR { continue }
                    if error == EPIPE {
                        queue.recordDropped(1)
                        continue
                    }
                    if error == EAGAIN { live = true }
                    break
                }
                if n == 0 { break }
                guard let record = KmsgRecord.parse(buffer[0..<n]) else { continue }
                if let cutoffMicros, record.monotonicMicros < cutoffMicros { continue }
                if live {
                    let now = EventTime.monotonicNanoseconds()
                    let sample = now - Int64(clamping: record.monotonicMicros) * 1000
                    if offsetMeasuredAt == nil || sample < offsetNanoseconds
                        || now - (offsetMeasuredAt ?? now) > 300_000_000_000
                    {
                        offsetNanoseconds = sample
                        offsetMeasuredAt = now
                    }
                }
                if let event = assembler.consume(record, clockOffsetNanoseconds: offsetNanoseconds) {
                    queue.push(event)
                }
            }
        }
    }
}
