import CKspyShim
import Glibc

/// Moves the calling thread into another process's namespace with setns(2).
/// Namespaces are per thread: only the caller moves. Mount and user namespaces cannot
/// be joined by a multithreaded process (setns(2) EINVAL), so they are refused here;
/// join those in a forked child (the spawn shim) instead.
public enum ThreadNamespace {
    /// Joins the `kind` namespace of the file at `path` (e.g. `/proc/1/ns/cgroup`).
    /// - Throws: `KernelError` (EINVAL for mnt/user, EPERM without CAP_SYS_ADMIN).
    public static func join(_ kind: NamespaceKind, path: String) throws(KernelError) {
        if kind == .mnt || kind == .user {
            throw KernelError("setns \(kind.rawValue) in a multithreaded process:", path, errno: EINVAL)
        }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw KernelError.fromErrno("open", path) }
        defer { close(fd) }
        if kspy_setns(fd, kind.cloneFlag) != 0 { throw KernelError("setns", path, errno: kspy_errno()) }
    }
}
