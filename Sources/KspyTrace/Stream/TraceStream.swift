import Glibc

/// The consuming half of a trace: drains the bounded queue on the calling thread,
/// passes each event through `prepare` (naming and filtering; nil skips it), writes
/// it, and stops when `count` events were written, `timeoutSeconds` passed, a stop
/// signal arrived on `signalFD` (a signalfd, see `kspy_stop_signalfd`), or the
/// producers closed the queue and it ran empty. Raises `stop` on the way out so the
/// producers end too.
public struct TraceStream<Event: Sendable> {
    /// The queue the producers fill.
    public let queue: BoundedEventQueue<Event>
    /// Raised when the stream ends.
    public let stop: StopFlag
    /// Stop after this many written events.
    public var count: Int?
    /// Stop after this many seconds.
    public var timeoutSeconds: Double?
    /// A non-blocking signalfd whose readability means "stop".
    public var signalFD: Int32?

    /// A stream over `queue`.
    public init(queue: BoundedEventQueue<Event>, stop: StopFlag, count: Int?, timeoutSeconds: Double?, signalFD: Int32?) {
        self.queue = queue
        self.stop = stop
        self.count = count
        self.timeoutSeconds = timeoutSeconds
        self.signalFD = signalFD
    }

    /// Why the stream ended.
    public enum Ending: String, Sendable {
        case count, timeout, signal, sourceEnded
    }

    /// Runs until an ending condition; returns the number of events written and why it
    /// ended. A `write` that throws (stdout closed) ends the stream as `sourceEnded`.
    public func run(prepare: (Event) -> Event?, write: (Event) throws -> Void) -> (written: Int, ending: Ending) {
        let start = EventTime.monotonicNanoseconds()
        var written = 0
        defer { stop.stop() }
        while true {
            if let count, written >= count { return (written, .count) }
            if let timeoutSeconds, Double(EventTime.monotonicNanoseconds() - start) / 1e9 >= timeoutSeconds {
                return (written, .timeout)
            }
            if let signalFD, kspySignalPending(signalFD) { return (written, .signal) }
            guard let event = queue.pop(timeoutSeconds: 0.05) else {
                if queue.isClosed && queue.waiting == 0 { return (written, .sourceEnded) }
                continue
            }
            guard let ready = prepare(event) else { continue }
            do {
                try write(ready)
            } catch {
                return (written, .sourceEnded)
            }
            written += 1
        }
    }

    /// True when a signal waits on the signalfd (poll with zero timeout).
    private func kspySignalPending(_ fd: Int32) -> Bool {
        var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&entry, 1, 0) > 0 && entry.revents & Int16(POLLIN) != 0
    }
}
