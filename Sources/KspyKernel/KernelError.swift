import Glibc

/// An error from a kernel interface, carrying the operation, the object it acted on
/// and the errno, so the message tells a user what failed and why.
public struct KernelError: Error, CustomStringConvertible, Equatable, Sendable {
    /// What kspy was doing, e.g. `"open"`, `"setns"`, `"write cgroup file"`.
    public let operation: String
    /// The path, PID or other object the operation acted on.
    public let subject: String
    /// The errno the kernel returned.
    public let errno: Int32

    /// Creates an error for `operation` on `subject` with an explicit errno.
    public init(_ operation: String, _ subject: String, errno: Int32) {
        self.operation = operation
        self.subject = subject
        self.errno = errno
    }

    /// Creates an error for `operation` on `subject` from the calling thread's `errno`.
    public static func fromErrno(_ operation: String, _ subject: String) -> KernelError {
        KernelError(operation, subject, errno: Glibc.errno)
    }

    /// True when the error means the object is gone (ENOENT, ESRCH): a process that
    /// exited or a cgroup removed meanwhile. Scans treat this as "skip", not "fail".
    public var isGone: Bool { errno == ENOENT || errno == ESRCH }

    public var description: String {
        "\(operation) \(subject): \(String(cString: strerror(errno)))"
    }
}
