import CKspyShim
import Glibc

/// One piece of work run on a thread of its own while the caller goes on; `value()`
/// joins the thread and returns the result. A bare pthread: nothing of Foundation's or
/// Dispatch's start-up is paid for it, which matters on `kspy exec`'s latency path. It
/// runs on another CPU than its creator's when the process may use one
/// (`kspy_start_thread_beside`), so that it starts at once.
/// When no thread can be created, `value()` runs the work on the caller's thread.
public final class WorkerThread<Result: Sendable>: @unchecked Sendable {
    // Written by the worker before it exits, read by the caller after pthread_join
    // (which orders the two); `work` is taken by whichever thread runs it.
    private var work: (@Sendable () -> Result)?
    private var result: Result?
    private var thread = pthread_t()
    private var running = false

    /// Starts `work` on a new thread.
    public init(_ work: @escaping @Sendable () -> Result) {
        self.work = work
        let job = Unmanaged.passRetained(WorkerJob { [self] in result = takeWork()() })
        if kspy_start_thread_beside(&thread, workerThreadMain, job.toOpaque()) == 0 {
            running = true
        } else {
            job.release()
        }
    }

    deinit {
        if running { pthread_detach(thread) }  // never asked for: its resources go when it ends
    }

    /// The work's result, waiting for the thread if it is still running.
    public func value() -> Result {
        if running {
            pthread_join(thread, nil)
            running = false
        }
        if let result { return result }
        let computed = takeWork()()
        result = computed
        return computed
    }

    private func takeWork() -> @Sendable () -> Result {
        guard let work else { preconditionFailure("WorkerThread: the work ran already") }
        self.work = nil
        return work
    }
}

/// The work as the non-generic thread entry sees it (no dynamic cast on the way).
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
