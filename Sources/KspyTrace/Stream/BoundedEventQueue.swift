import Glibc

/// The bounded queue between an event source and the writer (DESIGN.md "Streams"):
/// a source never blocks on a slow reader — when the queue is full the event is
/// dropped and counted, so memory stays bounded however long the stream runs.
public final class BoundedEventQueue<Element: Sendable>: @unchecked Sendable {
    /// The most events held at once.
    public let capacity: Int
    private var buffer: [Element?]
    private var head = 0
    private var count = 0
    private var droppedCount = 0
    private var closed = false
    private var mutex = pthread_mutex_t()
    private var condition = pthread_cond_t()

    /// An empty queue holding at most `capacity` events.
    public init(capacity: Int) {
        self.capacity = max(1, capacity)
        buffer = Array(repeating: nil, count: self.capacity)
        pthread_mutex_init(&mutex, nil)
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(&condition, &attributes)
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        pthread_cond_destroy(&condition)
        pthread_mutex_destroy(&mutex)
    }

    private func locked<T>(_ body: () -> T) -> T {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        return body()
    }

    /// Adds `element`; returns false (and counts a drop) when the queue is full or closed.
    @discardableResult
    public func push(_ element: Element) -> Bool {
        locked {
            guard !closed, count < capacity else {
                droppedCount += 1
                return false
            }
            buffer[(head + count) % capacity] = element
            count += 1
            pthread_cond_signal(&condition)
            return true
        }
    }

    /// Counts `n` events lost before they reached the queue (e.g. BPF ring-buffer
    /// overruns), so the summary reports every loss in one number.
    public func recordDropped(_ n: Int) {
        locked { droppedCount += n }
    }

    /// Events dropped so far.
    public var dropped: Int { locked { droppedCount } }

    /// Events waiting.
    public var waiting: Int { locked { count } }

    /// The oldest event, waiting up to `timeoutSeconds` for one; nil on timeout or
    /// when the queue is closed and empty.
    public func pop(timeoutSeconds: Double) -> Element? {
        var deadline = timespec()
        clock_gettime(CLOCK_MONOTONIC, &deadline)
        let total = Int(deadline.tv_nsec) + Int(timeoutSeconds * 1e9)
        deadline.tv_sec += total / 1_000_000_000
        deadline.tv_nsec = total % 1_000_000_000
        return locked {
            while count == 0 && !closed {
                if pthread_cond_timedwait(&condition, &mutex, &deadline) == ETIMEDOUT { break }
            }
            guard count > 0 else { return nil }
            let element = buffer[head]
            buffer[head] = nil
            head = (head + 1) % capacity
            count -= 1
            return element
        }
    }

    /// Closes the queue: later pushes are dropped, a waiting `pop` returns.
    public func close() {
        locked {
            closed = true
            pthread_cond_broadcast(&condition)
        }
    }

    /// True once `close()` was called.
    public var isClosed: Bool { locked { closed } }
}
