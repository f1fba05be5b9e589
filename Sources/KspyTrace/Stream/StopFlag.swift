import Synchronization

/// Tells event sources running on their own threads to stop (count reached, timeout,
/// SIGINT/SIGTERM); sources check it at least every poll interval.
public final class StopFlag: Sendable {
    private let flag = Atomic<Bool>(false)

    /// A flag not yet raised.
    public init() {}

    /// Raises the flag.
    public func stop() { flag.store(true, ordering: .releasing) }

    /// True once raised.
    public var isStopped: Bool { flag.load(ordering: .acquiring) }
}
