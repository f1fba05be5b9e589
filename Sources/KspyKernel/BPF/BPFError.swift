import Glibc

/// An error from libbpf or the bpf(2) syscall: the operation, the BPF object, program
/// or map it acted on, the errno libbpf returned (libbpf ≥ 1.0 returns `-errno` or
/// sets `errno`, libbpf(3) "API error reporting"), and the warnings libbpf printed
/// meanwhile (the verifier log of a rejected program, a failed CO-RE relocation), so
/// the message says what the kernel refused and why.
public struct BPFError: Error, CustomStringConvertible, Equatable, Sendable {
    /// What kspy was doing, e.g. `"load BPF object"`, `"attach BPF program"`.
    public let operation: String
    /// The object, program or map name.
    public let subject: String
    /// The errno, positive.
    public let errno: Int32
    /// libbpf's messages printed during the operation (warnings and info, not debug),
    /// oldest first; empty when it printed none.
    public let log: [String]

    /// An error for `operation` on `subject` with a positive errno.
    public init(_ operation: String, _ subject: String, errno: Int32, log: [String] = []) {
        self.operation = operation
        self.subject = subject
        self.errno = abs(errno)
        self.log = log
    }

    /// An error from a libbpf call that returned a negative errno (`result < 0`), or
    /// from the thread's `errno` when `result` is not itself an errno (NULL returns).
    public static func fromResult(_ operation: String, _ subject: String, result: Int32? = nil, log: [String] = [])
        -> BPFError
    {
        let code = result.map { abs($0) } ?? Glibc.errno
        return BPFError(operation, subject, errno: code == 0 ? EINVAL : code, log: log)
    }

    /// True when the kernel refused for lack of privilege (EPERM, EACCES): without
    /// CAP_BPF/CAP_PERFMON (or root) programs cannot be loaded.
    public var isPermissionDenied: Bool { errno == EPERM || errno == EACCES }

    public var description: String {
        var text = "\(operation) \(subject): \(String(cString: strerror(errno)))"
        // The tail of the log carries the reason (the verifier's last lines).
        let tail = log.suffix(12)
        if !tail.isEmpty {
            text += "\n" + tail.map { "  libbpf: " + $0 }.joined(separator: "\n")
        }
        return text
    }
}
