import CKspyShim
import Glibc

/// An owned eventfd(2): a kernel counter that polls readable while non-zero. cgroup v1
/// notifications (`cgroup.event_control`, cgroup-v1/memory.rst "Memory thresholds" and
/// "OOM Control") signal one. Created through the C shim (`kspy_eventfd`): the Glibc
/// module does not import `<sys/eventfd.h>`.
public final class EventFD {
    /// The descriptor; -1 after `close()`.
    public private(set) var fd: Int32

    /// A new eventfd with counter 0, close-on-exec, non-blocking (EFD_CLOEXEC |
    /// EFD_NONBLOCK, which equal O_CLOEXEC | O_NONBLOCK).
    /// - Throws: `KernelError` with the errno of eventfd(2).
    public init() throws(KernelError) {
        let fd = kspy_eventfd()
        if fd < 0 { throw KernelError.fromErrno("eventfd", "new counter") }
        self.fd = fd
    }

    deinit { close() }

    /// Reads and resets the counter; nil when it is zero (EAGAIN) or on an error.
    public func read() -> UInt64? {
        var value: UInt64 = 0
        while true {
            let n = withUnsafeMutableBytes(of: &value) { Glibc.read(fd, $0.baseAddress, 8) }
            if n == 8 { return value }
            if n < 0 && errno == EINTR { continue }
            return nil
        }
    }

    /// Adds `value` to the counter (wakes pollers).
    public func signal(_ value: UInt64 = 1) {
        var value = value
        _ = withUnsafeBytes(of: &value) { Glibc.write(fd, $0.baseAddress, 8) }
    }

    /// Closes the descriptor (idempotent).
    public func close() {
        if fd >= 0 {
            Glibc.close(fd)
            fd = -1
        }
    }
}
