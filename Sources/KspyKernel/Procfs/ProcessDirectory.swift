import Glibc

/// An open `/proc/<pid>` directory: the files of one process read relative to a
/// directory descriptor (openat(2), fstatat(2)), so a scan of every process pays one
/// path lookup per process instead of one per file. While the descriptor is open a
/// reused PID cannot redirect the reads to another process: once the task exits,
/// every read through it fails with ENOENT or ESRCH (proc(5)), which `KernelError.isGone`
/// reports.
public final class ProcessDirectory: Sendable {
    /// The process ID.
    public let pid: Int32
    private let fd: Int32
    private let path: String

    /// Opens `<procRoot>/<pid>`.
    /// - Throws: `KernelError` (`isGone` when there is no such process).
    public init(pid: Int32, procRoot: String = "/proc") throws(KernelError) {
        self.pid = pid
        path = procRoot + "/" + String(pid)
        fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd < 0 { throw KernelError.fromErrno("open", path) }
    }

    deinit { close(fd) }

    /// The bytes of file `name` (e.g. `"stat"`, `"cgroup"`) in this directory.
    /// - Throws: `KernelError` (`isGone` when the process exited).
    public func readBytes(_ name: String) throws(KernelError) -> [UInt8] {
        let file = openat(fd, name, O_RDONLY | O_CLOEXEC)
        if file < 0 { throw KernelError.fromErrno("open", path + "/" + name) }
        defer { close(file) }
        var result: [UInt8] = []
        var capacity = 4096  // one read for stat, cgroup and most small files
        while true {
            let start = result.count
            result.reserveCapacity(start + capacity)
            var readError: Int32 = 0
            let n = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: capacity) { buffer -> Int in
                let count = Glibc.read(file, buffer.baseAddress, capacity)
                if count < 0 { readError = errno } else { result.append(contentsOf: buffer[0..<count]) }
                return count
            }
            if n < 0 {
                if readError == EINTR { continue }
                throw KernelError("read", path + "/" + name, errno: readError)
            }
            if n == 0 { return result }
            capacity = min(capacity * 2, 64 * 1024)
        }
    }

    /// File `name` as UTF-8 text (invalid bytes are repaired).
    public func read(_ name: String) throws(KernelError) -> String {
        String(decoding: try readBytes(name), as: UTF8.self)
    }

    /// The parsed `stat` file.
    /// - Throws: `KernelError` (`isGone` also when it reads empty: the task is exiting).
    public func stat() throws(KernelError) -> ProcessStat {
        let bytes = try readBytes("stat")
        if bytes.isEmpty { throw KernelError("read", path + "/stat", errno: ESRCH) }
        guard let stat = ProcessStat.parse(bytes: bytes) else { throw KernelError("parse", path + "/stat", errno: EINVAL) }
        return stat
    }

    /// The parsed `status` file.
    public func status() throws(KernelError) -> ProcessStatus {
        let text = try read("status")
        if text.isEmpty { throw KernelError("read", path + "/status", errno: ESRCH) }
        return ProcessStatus.parse(text)
    }

    /// The entries of the `cgroup` file (cgroups(7)).
    public func cgroups() throws(KernelError) -> [ProcessCgroupEntry] {
        ProcessCgroupEntry.parse(try read("cgroup"))
    }

    /// The identity of the process's `kind` namespace: (st_dev, st_ino) of
    /// `ns/<kind>` with the magic link followed (namespaces(7)). Nil when this kernel
    /// has no such kind (no `ns/<kind>` entry, e.g. `time` before Linux 5.6).
    /// - Throws: `KernelError` (`isGone` when the process exited; a zombie's links no
    ///   longer resolve and report ENOENT too).
    public func namespace(_ kind: NamespaceKind) throws(KernelError) -> NamespaceID? {
        let name = "ns/" + kind.rawValue
        var st = Glibc.stat()
        if fstatat(fd, name, &st, 0) == 0 {
            return NamespaceID(device: UInt64(st.st_dev), inode: UInt64(st.st_ino))
        }
        let error = errno
        if error == ENOENT, fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) != 0, errno == ENOENT,
            fstatat(fd, "ns", &st, 0) == 0
        {
            return nil
        }
        throw KernelError("stat", path + "/" + name, errno: error)
    }

    /// Every namespace of the process that this kernel has, read with readlinkat(2) of
    /// the `ns/<kind>` links (`net:[4026531992]`) instead of following each link with
    /// stat: the inode is in the link text, and every namespace lives on the one nsfs
    /// superblock, so its device — `nsfsDevice`, stat'ed once per scan — completes the
    /// (device, inode) identity. This is what makes a full-node scan affordable; a link
    /// that does not read as `<kind>:[<inode>]` falls back to `namespace(_:)`.
    /// - Throws: `KernelError` (`isGone` when the process exited or is a zombie).
    public func namespaces(nsfsDevice: UInt64) throws(KernelError) -> [NamespaceKind: NamespaceID] {
        var result: [NamespaceKind: NamespaceID] = [:]
        var buffer = [CChar](repeating: 0, count: 64)
        for kind in NamespaceKind.allCases {
            let n = readlinkat(fd, ProcessDirectory.namespaceLinks[kind]!, &buffer, buffer.count)
            if n < 0 {
                let error = errno
                if error == ENOENT, kind == .time || kind == .cgroup {
                    // Kinds a kernel may lack; absent unless the process is gone.
                    if let id = try namespace(kind) { result[kind] = id }
                    continue
                }
                throw KernelError("readlink", path + "/ns/" + kind.rawValue, errno: error)
            }
            if let inode = ProcessDirectory.inode(inLink: buffer, count: n) {
                result[kind] = NamespaceID(device: nsfsDevice, inode: inode)
            } else if let id = try namespace(kind) {
                result[kind] = id
            }
        }
        return result
    }

    private static let namespaceLinks: [NamespaceKind: String] = Dictionary(
        uniqueKeysWithValues: NamespaceKind.allCases.map { ($0, "ns/" + $0.rawValue) })

    /// The inode in a namespace link's text `<kind>:[<inode>]`.
    private static func inode(inLink buffer: [CChar], count: Int) -> UInt64? {
        guard let open = buffer[0..<count].firstIndex(of: CChar(UInt8(ascii: "["))),
            buffer[count - 1] == CChar(UInt8(ascii: "]"))
        else { return nil }
        var value: UInt64 = 0
        for char in buffer[(open + 1)..<(count - 1)] {
            let byte = UInt8(bitPattern: char)
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value &* 10 &+ UInt64(byte - UInt8(ascii: "0"))
        }
        return value
    }

    /// Every namespace of the process that this kernel has: one link followed with
    /// stat for the nsfs device, the others read as links (`namespaces(nsfsDevice:)`;
    /// following a namespace link costs several times reading it).
    public func namespaces() throws(KernelError) -> [NamespaceKind: NamespaceID] {
        guard let net = try namespace(.net) else { return [:] }
        return try namespaces(nsfsDevice: net.device)
    }

    /// The target of symbolic link `name` (e.g. `"cwd"`, `"exe"`), as the kernel
    /// shows it from the reader's root.
    public func readLink(_ name: String) throws(KernelError) -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlinkat(fd, name, &buffer, buffer.count - 1)
        if n < 0 { throw KernelError.fromErrno("readlink", path + "/" + name) }
        return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
