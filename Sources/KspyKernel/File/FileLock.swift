import Glibc

/// An exclusive flock(2) on a lock file, held for the duration of a closure. Used to
/// serialise kspy processes that change shared state (test pods, IP allocations).
public enum FileLock {
    /// Runs `body` holding an exclusive lock on `path` (created 0600 if missing; its
    /// directory must exist). The lock is released when `body` returns or throws, and
    /// by the kernel if the process dies.
    public static func withExclusiveLock<T>(_ path: String, _ body: () throws -> T) throws -> T {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        if fd < 0 { throw KernelError.fromErrno("open", path) }
        defer { close(fd) }
        while flock(fd, LOCK_EX) != 0 {
            if errno != EINTR { throw KernelError.fromErrno("flock", path) }
        }
        defer { flock(fd, LOCK_UN) }
        return try body()
    }
}
