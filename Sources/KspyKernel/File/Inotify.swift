import Glibc

/// An owned inotify(7) instance (non-blocking, close-on-exec). Works on cgroupfs:
/// the kernel raises IN_MODIFY on files such as cgroup v2 `memory.events` when their
/// counters change (cgroup-v2.rst), and on regular files written with write(2).
public final class Inotify {
    /// One event read from the instance.
    public struct Event: Hashable, Sendable {
        /// The watch descriptor it belongs to.
        public var watch: Int32
        /// IN_* bits.
        public var mask: UInt32
        /// Pairs IN_MOVED_FROM / IN_MOVED_TO.
        public var cookie: UInt32
        /// The name inside a watched directory, empty for the watched object itself.
        public var name: String
    }

    /// The descriptor; -1 after `close()`.
    public private(set) var fd: Int32

    /// A new instance.
    /// - Throws: `KernelError` with the errno of inotify_init1(2) (EMFILE at the
    ///   per-user instance limit).
    public init() throws(KernelError) {
        let fd = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        if fd < 0 { throw KernelError.fromErrno("inotify_init1", "new instance") }
        self.fd = fd
    }

    deinit { close() }

    /// Watches `path` for `mask` (e.g. `UInt32(IN_MODIFY)`); returns the watch descriptor
    /// (the same one again for a path already watched).
    /// - Throws: `KernelError` (ENOENT when the path vanished, ENOSPC at
    ///   max_user_watches).
    public func addWatch(_ path: String, mask: UInt32) throws(KernelError) -> Int32 {
        let wd = inotify_add_watch(fd, path, mask)
        if wd < 0 { throw KernelError.fromErrno("inotify_add_watch", path) }
        return wd
    }

    /// Removes a watch; errors (already gone: EINVAL) are ignored.
    public func removeWatch(_ watch: Int32) {
        _ = inotify_rm_watch(fd, watch)
    }

    /// Every event queued now (empty when none: the instance is non-blocking).
    public func readEvents() -> [Event] {
        var events: [Event] = []
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        let header = MemoryLayout<inotify_event>.size
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return events }
            var offset = 0
            buffer.withUnsafeBytes { raw in
                while offset + header <= n {
                    let wd = raw.loadUnaligned(fromByteOffset: offset, as: Int32.self)
                    let mask = raw.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self)
                    let cookie = raw.loadUnaligned(fromByteOffset: offset + 8, as: UInt32.self)
                    let length = Int(raw.loadUnaligned(fromByteOffset: offset + 12, as: UInt32.self))
                    let nameBytes = raw[(offset + header)..<min(offset + header + length, n)]
                    let name = String(decoding: nameBytes.prefix(while: { $0 != 0 }), as: UTF8.self)
                    events.append(Event(watch: wd, mask: mask, cookie: cookie, name: name))
                    offset += header + length
                }
            }
        }
    }

    /// Closes the descriptor (idempotent); the kernel drops every watch.
    public func close() {
        if fd >= 0 {
            Glibc.close(fd)
            fd = -1
        }
    }
}
