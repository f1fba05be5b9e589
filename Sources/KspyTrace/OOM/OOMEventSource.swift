/// A producer of OOM kill events: the BPF tracepoint program, cgroup OOM counters, or
/// the kernel log. A source is created by a throwing initialiser — failing there
/// (no BTF, no privilege, no such file) is what makes `kspy trace oom` fall back to
/// the next source — and then `run` on a thread of its own until `stop` is raised.
public protocol OOMEventSource: AnyObject, Sendable {
    /// `bpf`, `cgroup` or `kmsg` (the `source` key of the events).
    var name: String { get }
    /// Produces events into `queue` (unnamed: the stream names them) until `stop` is
    /// raised, checking it at least every 100 ms; losses before the queue (ring-buffer
    /// overruns, kmsg EPIPE) go to `queue.recordDropped`. Releases everything it holds
    /// (BPF links and programs, fds) before returning.
    func run(into queue: BoundedEventQueue<OOMKillEvent>, stop: StopFlag)
}
