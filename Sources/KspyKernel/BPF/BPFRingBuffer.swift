import CLibbpf
import Glibc

/// The consumer side of a BPF ring buffer map (BPF_MAP_TYPE_RINGBUF, kernel
/// Documentation/bpf/ringbuf.rst) through libbpf's `ring_buffer__new`/`__poll`: the
/// handler is called once per record, on the thread that calls `poll`, with the
/// record's bytes (valid only during the call). Not for concurrent use.
public final class BPFRingBuffer: @unchecked Sendable {
    /// Holds the Swift handler for the C callback, which gets it back as its context.
    private final class Handler {
        let body: (UnsafeRawBufferPointer) -> Void
        init(_ body: @escaping (UnsafeRawBufferPointer) -> Void) { self.body = body }
    }

    private var handle: OpaquePointer?
    private var context: Unmanaged<Handler>?
    /// The ring buffer map's name.
    public let mapName: String
    /// Keeps the map's object (and so the map's fd) alive while the buffer exists.
    private let map: BPFMap

    /// `ring_buffer_sample_fn`: the C entry point; forwards to the Swift handler.
    private static let sample: ring_buffer_sample_fn = { context, data, size in
        guard let context else { return 0 }
        let handler = Unmanaged<Handler>.fromOpaque(context).takeUnretainedValue()
        handler.body(UnsafeRawBufferPointer(start: data, count: size))
        return 0
    }

    /// Maps the ring buffer `map` (of a loaded object) for reading.
    /// - Throws: `BPFError` (EINVAL when the map is not a ring buffer).
    public init(map: BPFMap, handler: @escaping (UnsafeRawBufferPointer) -> Void) throws(BPFError) {
        mapName = map.name
        self.map = map
        let context = Unmanaged.passRetained(Handler(handler))
        let (created, log) = BPFLibraryLog.capture { () -> (OpaquePointer?, Int32) in
            let buffer = ring_buffer__new(map.fileDescriptor, BPFRingBuffer.sample, context.toOpaque(), nil)
            return (buffer, errno)
        }
        guard let buffer = created.0 else {
            context.release()
            throw BPFError("open BPF ring buffer", map.name, errno: created.1, log: log)
        }
        handle = buffer
        self.context = context
    }

    deinit { close() }

    /// Waits up to `timeoutMilliseconds` for records (epoll) and hands every available
    /// one to the handler; returns how many. An interrupted wait (EINTR) returns 0.
    /// - Throws: `BPFError` for any other failure, or EBADF after `close()`.
    @discardableResult
    public func poll(timeoutMilliseconds: Int32) throws(BPFError) -> Int {
        guard let handle else { throw BPFError("poll BPF ring buffer", mapName, errno: EBADF) }
        let result = ring_buffer__poll(handle, timeoutMilliseconds)
        if result == -EINTR { return 0 }
        if result < 0 { throw BPFError.fromResult("poll BPF ring buffer", mapName, result: result) }
        return Int(result)
    }

    /// Hands every record available now to the handler without waiting; returns how
    /// many.
    @discardableResult
    public func consume() throws(BPFError) -> Int {
        guard let handle else { throw BPFError("read BPF ring buffer", mapName, errno: EBADF) }
        let result = ring_buffer__consume(handle)
        if result == -EINTR { return 0 }
        if result < 0 { throw BPFError.fromResult("read BPF ring buffer", mapName, result: result) }
        return Int(result)
    }

    /// Unmaps the buffer and releases the handler. Idempotent.
    public func close() {
        if let handle {
            ring_buffer__free(handle)
            self.handle = nil
        }
        if let context {
            context.release()
            self.context = nil
        }
    }
}
