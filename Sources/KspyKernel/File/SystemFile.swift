import Glibc

/// Whole-file reads and writes for the small pseudo-files of procfs, sysfs and
/// cgroupfs. They use `open`/`read`/`write` directly (no Foundation) so that each call
/// is one syscall sequence whose errno is reported as it came from the kernel —
/// cgroupfs reports a rejected limit only as the errno of `write(2)`.
public enum SystemFile {
    /// Reads the whole file at `path` as bytes.
    /// - Throws: `KernelError` with the errno of `open` or `read` (ENOENT/ESRCH when a
    ///   process or cgroup vanished: check `isGone`).
    public static func readBytes(_ path: String) throws(KernelError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw KernelError.fromErrno("open", path) }
        defer { close(fd) }
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw KernelError.fromErrno("read", path)
            }
            if n == 0 { break }
            result.append(contentsOf: chunk[0..<n])
        }
        return result
    }

    /// Reads the whole file at `path` as UTF-8 text (invalid bytes are repaired).
    public static func read(_ path: String) throws(KernelError) -> String {
        String(decoding: try readBytes(path), as: UTF8.self)
    }

    /// Reads the file and returns it with surrounding whitespace and newlines removed,
    /// the form of single-value files such as `memory.max` or `cpu.shares`.
    public static func readTrimmed(_ path: String) throws(KernelError) -> String {
        let text = try read(path)
        var scalars = Substring(text)
        while let last = scalars.last, last.isWhitespace || last.isNewline { scalars.removeLast() }
        while let first = scalars.first, first.isWhitespace || first.isNewline { scalars.removeFirst() }
        return String(scalars)
    }

    /// Writes `value` to an existing file in one `write(2)` call, as the kernel's
    /// control files expect (cgroupfs parses each write separately).
    /// - Throws: `KernelError` with the errno of `open` or `write` (e.g. EINVAL for a
    ///   value the kernel rejects, EBUSY for a memory limit below current usage).
    public static func write(_ value: String, to path: String) throws(KernelError) {
        let fd = open(path, O_WRONLY | O_CLOEXEC)
        if fd < 0 { throw KernelError.fromErrno("open", path) }
        defer { close(fd) }
        var bytes = Array(value.utf8)
        let n = bytes.withUnsafeMutableBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        if n < 0 { throw KernelError.fromErrno("write \(value.debugDescription) to", path) }
        if n != bytes.count { throw KernelError("short write to", path, errno: EIO) }
        bytes.removeAll()
    }

    /// Creates or replaces the regular file at `path` with `contents`, atomically:
    /// written to a temporary file in the same directory, then renamed over. Readers
    /// see the old or the new content, never a partial one. (No fsync: this is for
    /// state under /run, which does not outlive a reboot anyway.)
    public static func writeAtomically(_ contents: [UInt8], to path: String, mode: mode_t = 0o644)
        throws(KernelError)
    {
        let temporary = path + ".tmp.\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        if fd < 0 { throw KernelError.fromErrno("create", temporary) }
        var offset = 0
        while offset < contents.count {
            let n = contents.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                let error = KernelError.fromErrno("write", temporary)
                close(fd)
                unlink(temporary)
                throw error
            }
            offset += n
        }
        close(fd)
        if rename(temporary, path) != 0 {
            let error = KernelError.fromErrno("rename to", path)
            unlink(temporary)
            throw error
        }
    }

    /// True when something exists at `path` (does not follow a final symlink).
    public static func exists(_ path: String) -> Bool {
        var st = stat()
        return lstat(path, &st) == 0
    }

    /// Creates the directory `path` and any missing parents (like `mkdir -p`).
    /// An existing directory is not an error.
    public static func makeDirectories(_ path: String, mode: mode_t = 0o755) throws(KernelError) {
        if path.isEmpty || path == "/" { return }
        var st = stat()
        if stat(path, &st) == 0 {
            if (st.st_mode & S_IFMT) == S_IFDIR { return }
            throw KernelError("mkdir", path, errno: ENOTDIR)
        }
        let parent = String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)])
        if !parent.isEmpty { try makeDirectories(parent, mode: mode) }
        if mkdir(path, mode) != 0 && errno != EEXIST { throw KernelError.fromErrno("mkdir", path) }
    }

    /// Lists the names in directory `path` (without `.` and `..`).
    public static func listDirectory(_ path: String) throws(KernelError) -> [String] {
        guard let dir = opendir(path) else { throw KernelError.fromErrno("opendir", path) }
        return names(in: dir)
    }

    /// Lists the names in directory `path` (without `.` and `..`); nil when there is no
    /// such directory (ENOENT, ENOTDIR), without an error thrown for that expected case
    /// (a process's first thrown error costs a runtime conformance lookup, which `kspy
    /// exec` would pay for each runtime store a node does not have).
    public static func listDirectoryIfPresent(_ path: String) throws(KernelError) -> [String]? {
        guard let dir = opendir(path) else {
            if errno == ENOENT || errno == ENOTDIR { return nil }
            throw KernelError.fromErrno("opendir", path)
        }
        return names(in: dir)
    }

    /// The entries of an open directory stream, which it closes.
    private static func names(in dir: OpaquePointer) -> [String] {
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = Glibc.readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// Removes the tree at `path` like `rm -rf`, without crossing into mount points
    /// below it (a still-mounted directory makes the removal fail with EBUSY instead of
    /// deleting the mounted filesystem's contents). A missing path is not an error.
    public static func removeTree(_ path: String) throws(KernelError) {
        var st = stat()
        if lstat(path, &st) != 0 {
            if errno == ENOENT { return }
            throw KernelError.fromErrno("lstat", path)
        }
        if (st.st_mode & S_IFMT) == S_IFDIR {
            for name in try listDirectory(path) {
                let child = path + "/" + name
                var childStat = stat()
                if lstat(child, &childStat) == 0, (childStat.st_mode & S_IFMT) == S_IFDIR,
                    childStat.st_dev != st.st_dev
                {
                    throw KernelError("remove (a filesystem is still mounted at)", child, errno: EBUSY)
                }
                try removeTree(child)
            }
            if rmdir(path) != 0 && errno != ENOENT { throw KernelError.fromErrno("rmdir", path) }
        } else if unlink(path) != 0 && errno != ENOENT {
            throw KernelError.fromErrno("unlink", path)
        }
    }
}
