import CKspyShim
import Glibc

/// One piece of work run on a thread of its own while the caller goes on; `wait()`
/// returns once it has run. A bare pthread: nothing of Foundation's or Dispatch's
/// start-up is paid for it, and the class is not generic (a generic class's metadata is
/// built at first use), which matters on `kspy exec`'s latency path. The work hands its
/// result over through what it captures. It starts on another CPU than its creator's
/// when the process may use one (`kspy_start_thread_beside`), so that it starts at once,
/// and may move from there like any thread. When
/// the caller waits before the worker has begun (its CPU taken by the host, say), or no
/// thread could be created, the caller runs the work itself instead of waiting.
public final class WorkerThread: @unchecked Sendable {
    // `work` is taken by whichever thread claims it first (`kspy_claim`); the caller
    // sees the worker's effects after pthread_join.
    private var work: (@Sendable () -> Void)?
    private var thread = pthread_t()
    private var running = false
    /// 0 until a thread claims the work.
    private let claim: UnsafeMutablePointer<Int32>

    /// Starts `work` on a new thread.
    public init(_ work: @escaping @Sendable () -> Void) {
        self.work = work
        claim = UnsafeMutablePointer<Int32>.allocate(capacity: 1)
        claim.initialize(to: 0)
        let job = Unmanaged.passRetained(WorkerJob { [self] in
            if kspy_claim(claim) != 0 { takeWork()() }
        })
        if kspy_start_thread_beside(&thread, workerThreadMain, job.toOpaque()) == 0 {
            running = true
        } else {
            job.release()
        }
    }

    deinit {
        if running { pthread_detach(thread) }  // never waited for: its resources go when it ends
        claim.deallocate()
    }

    /// Returns once the work has run: here, when the worker has not begun it, or on the
    /// worker, which it then waits for.
    public func wait() {
        if kspy_claim(claim) != 0 { takeWork()() }
        if running {
            pthread_join(thread, nil)
            running = false
        }
    }

    private func takeWork() -> @Sendable () -> Void {
        guard let work else { preconditionFailure("WorkerThread: the work ran already") }
        self.work = nil
        return work
    }
}

/// The work as the thread entry sees it.
private final class WorkerJob {
    let run: () -> Void
    init(_ run: @escaping () -> Void) { self.run = run }
}

/// Thread entry: run the job, releasing the reference `init` passed over.
private func workerThreadMain(_ argument: UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? {
    guard let argument else { return nil }
    Unmanaged<WorkerJob>.fromOpaque(argument).takeRetainedValue().run()
    return nil
}
