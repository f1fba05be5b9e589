import CKspyShim
import Glibc

/// Runs work inside another network namespace without moving the calling thread:
/// a short-lived helper thread calls setns(2) with CLONE_NEWNET on a namespace fd
/// (`/proc/<pid>/ns/net`, a bind mount under /run/netns) or a pidfd (kernel >= 5.8),
/// runs the closure and exits. setns(2) into a network namespace changes only the
/// calling thread and is allowed in a multithreaded process; sockets created on that
/// thread stay bound to that namespace for their whole life (socket(7), network_namespaces(7)).
public enum NetworkNamespaceThread {
    /// Runs `body` on a new thread that has joined the network namespace of `namespaceFD`
    /// and returns its result once the thread has finished.
    /// - Throws: `KernelError` from pthread_create or setns (EINVAL when the fd is not a
    ///   network namespace, EPERM without CAP_SYS_ADMIN over it); `body` does not run then.
    public static func run<T>(namespaceFD: Int32, _ body: () -> T) throws(KernelError) -> T {
        var result: T? = nil
        let outcome: (errno: Int32, operation: String) = withoutActuallyEscaping(body) { body in
            let job = NamespaceJob(fd: namespaceFD) { result = body() }
            return withExtendedLifetime(job) {
                var thread = pthread_t()
                let rc = pthread_create(&thread, nil, namespaceThreadMain, Unmanaged.passUnretained(job).toOpaque())
                if rc != 0 { return (rc, "pthread_create") }
                pthread_join(thread, nil)
                return (job.setnsErrno, "setns(CLONE_NEWNET)")
            }
        }
        if outcome.errno != 0 {
            throw KernelError(outcome.operation, "namespace fd \(namespaceFD)", errno: outcome.errno)
        }
        guard let result else { throw KernelError("run in network namespace", "fd \(namespaceFD)", errno: EIO) }
        return result
    }
}

/// The state shared with the helper thread; `pthread_join` orders all accesses.
private final class NamespaceJob: @unchecked Sendable {
    let fd: Int32
    let work: () -> Void
    var setnsErrno: Int32 = 0

    init(fd: Int32, work: @escaping () -> Void) {
        self.fd = fd
        self.work = work
    }
}

/// Thread entry: join the namespace, then run the job (only if setns succeeded).
private func namespaceThreadMain(_ argument: UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? {
    guard let argument else { return nil }
    let job = Unmanaged<NamespaceJob>.fromOpaque(argument).takeUnretainedValue()
    if kspy_setns(job.fd, NamespaceKind.net.cloneFlag) != 0 {
        job.setnsErrno = kspy_errno()
        return nil
    }
    job.work()
    return nil
}
