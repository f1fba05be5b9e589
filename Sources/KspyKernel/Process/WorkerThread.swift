import CKspyShim
import Glibc

/// One piece of work run on a thread of its own while the caller goes on; `value()`
/// joins the thread and returns the result. A bare pthread: nothing of Foundation's or
/// Dispatch's start-up is paid for it, which matters on `kspy exec`'s latency path. It
/// runs on another CPU than its creator's when the process may use one
/// (`kspy_start_thread_beside`), so that it starts at once. When the caller asks for the
/// value before the worker has begun (its CPU busy with another machine's work, say),
/// or no thread could be created, the caller runs the work itself instead of waiting.
public final class WorkerThread<Result: Sendable>: @unchecked Sendable {
    // Written by the worker before it exits, read by the caller after pthread_join
    // (which orders the two); `work` is taken by whichever thread claims it first.
    private var work: (@Sendable () -> Result)?
    private var result: Result?
    private var thread = pthread_t()
    private var running = false
    /// 0 until a thread claims the work (`kspy_claim`).
    private let claim: UnsafeMutablePointer<Int32>

    /// Starts `work` on a new thread.
    public init(_ work: @escaping @Sendable () -> Result) {
        self.work = work
        claim = UnsafeMutablePointer<Int32>.allocate(capacity: 1)
        claim.initialize(to: 0)
        let job = Unmanaged.passRetained(WorkerJob { [self] in
            if kspy_claim(claim) != 0 { result = takeWork()() }
        })
        if kspy_start_thread_beside(&thread, workerThreadMain, job.toOpaque()) == 0 {
            running = true
        } else {
            job.release()
        }
    }

    deinit {
        if running { pthread_detach(thread) }  // never asked for: its resources go when it ends
        claim.deallocate()
    }

    /// The work's result: computed here when the worker has not begun it, else waited for.
    public func value() -> Result {
        // Only the caller's thread reads `result`, and only once the work is done: run
        // here (the worker will find the work claimed) or after joining the worker.
        if kspy_claim(claim) != 0 { result = takeWork()() }
        if running {
            pthread_join(thread, nil)
            running = false
        }
        guard let result else { preconditionFailure("WorkerThread: the work gave no result") }
        return result
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
