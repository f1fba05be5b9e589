import CKspyShim
import Glibc

/// An owned pidfd (pidfd_open(2)): a handle on one process that, unlike a PID, can never
/// refer to a different process after the original exits and its PID is reused.
/// Signals and setns go through it; it polls readable when the process exits.
public final class Pidfd: @unchecked Sendable {
    /// The descriptor. Valid until `close()` or deinit.
    public private(set) var fd: Int32
    /// The PID the pidfd was opened for (in kspy's PID namespace).
    public let pid: Int32

    /// Takes ownership of an existing pidfd.
    public init(adopting fd: Int32, pid: Int32) {
        self.fd = fd
        self.pid = pid
    }

    /// Opens a pidfd for `pid`. Open it as soon as a PID is chosen, then verify the
    /// process is the one meant (e.g. its start time) through the pidfd.
    /// - Throws: `KernelError` (ESRCH when no such process: `isGone`).
    public convenience init(pid: Int32) throws(KernelError) {
        let fd = kspy_pidfd_open(pid, 0)
        if fd < 0 { throw KernelError.fromErrno("pidfd_open", "PID \(pid)") }
        self.init(adopting: fd, pid: pid)
    }

    deinit { close() }

    /// Closes the descriptor (idempotent).
    public func close() {
        if fd >= 0 {
            Glibc.close(fd)
            fd = -1
        }
    }

    /// Sends `signal` with pidfd_send_signal(2). ESRCH (already exited) is reported.
    public func send(signal: Int32) throws(KernelError) {
        if kspy_pidfd_send_signal(fd, signal) != 0 {
            throw KernelError.fromErrno("signal \(signal) to", "PID \(pid)")
        }
    }

    /// True while the process has not exited (the pidfd is not yet readable, poll(2)).
    public var isRunning: Bool {
        var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&entry, 1, 0) == 0
    }

    /// Waits up to `timeoutMilliseconds` (-1: forever) for the process to exit.
    /// Returns true when it has exited.
    public func waitForExit(timeoutMilliseconds: Int32) -> Bool {
        var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        while true {
            let rc = poll(&entry, 1, timeoutMilliseconds)
            if rc < 0 && errno == EINTR { continue }
            return rc > 0
        }
    }

    /// Reaps the process (it must be a child of this process): waitid(P_PIDFD).
    /// Returns nil when `block` is false and it is still running.
    public func reap(block: Bool = true) throws(KernelError) -> ExitStatus? {
        var status: Int32 = 0
        var signaled: Int32 = 0
        var reapedPID: pid_t = 0
        if kspy_pidfd_wait(fd, block ? 0 : WNOHANG, &status, &signaled, &reapedPID) != 0 {
            throw KernelError.fromErrno("waitid", "PID \(pid)")
        }
        if reapedPID == 0 { return nil }
        return signaled != 0 ? .signaled(status) : .exited(status)
    }
}

/// How a process ended.
public enum ExitStatus: Equatable, Sendable, CustomStringConvertible {
    /// Exited with this code.
    case exited(Int32)
    /// Killed by this signal.
    case signaled(Int32)

    /// The shell convention: the exit code, or 128 + the signal number.
    public var shellCode: Int32 {
        switch self {
        case .exited(let code): return code
        case .signaled(let signal): return 128 + signal
        }
    }

    public var description: String {
        switch self {
        case .exited(let code): return "exit code \(code)"
        case .signaled(let signal): return "signal \(signal)"
        }
    }
}
