import Glibc

/// A procfs/cgroupfs pseudo-file held open and read again from offset 0 on every
/// call, for files sampled over and over (`cpu.stat` each interval). The kernel
/// regenerates a seq_file's contents when a read starts at offset 0, so `pread(fd, …,
/// 0)` returns fresh values without the path lookup, open and close that make up most
/// of the cost of reading a small cgroup file. A cgroup removed meanwhile makes the
/// read fail (ENODEV); the descriptor is closed when the value is released.
public final class RereadableFile {
    /// The path it was opened at.
    public let path: String
    private let fd: Int32

    /// Opens `path` read-only.
    /// - Throws: `KernelError` with the errno of `open` (EMFILE when out of descriptors).
    public init(path: String) throws(KernelError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw KernelError.fromErrno("open", path) }
        self.path = path
        self.fd = fd
    }

    deinit { close(fd) }

    /// Reads the current contents from offset 0 into `buffer` (grown as needed) and
    /// returns how many bytes it holds.
    /// - Throws: `KernelError` with the errno of `pread` (ENODEV once the cgroup is gone).
    public func read(into buffer: inout [UInt8]) throws(KernelError) -> Int {
        if buffer.count < 4096 { buffer = [UInt8](repeating: 0, count: 4096) }
        var filled = 0
        while true {
            let n = buffer.withUnsafeMutableBytes { raw in
                pread(fd, raw.baseAddress! + filled, raw.count - filled, off_t(filled))
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw KernelError.fromErrno("read", path)
            }
            if n == 0 { return filled }
            filled += n
            if filled == buffer.count { buffer += [UInt8](repeating: 0, count: buffer.count) }
        }
    }

    /// Raises the soft limit on open descriptors to the hard limit (held files need
    /// one each; the usual soft limit of 1024 is below a large node's container count).
    /// Returns the soft limit in force afterwards.
    @discardableResult
    public static func raiseDescriptorLimit() -> UInt64 {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 0 }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { return UInt64(raised.rlim_cur) }
        }
        return UInt64(limit.rlim_cur)
    }
}
