import Glibc

/// The identity of a namespace: the (device, inode) pair of its nsfs file, as
/// `stat(2)` on `/proc/<pid>/ns/<kind>` returns it (namespaces(7): "if two processes
/// are in the same namespace, the device IDs and inode numbers of their
/// /proc/<pid>/ns/xxx symbolic links will be the same"). The inode alone is what
/// `lsns` and `readlink` show (`net:[4026531992]`).
public struct NamespaceID: Hashable, Codable, Sendable, CustomStringConvertible {
    /// Device number of the nsfs filesystem.
    public let device: UInt64
    /// Inode number of the namespace.
    public let inode: UInt64

    /// Creates an identity from its parts.
    public init(device: UInt64, inode: UInt64) {
        self.device = device
        self.inode = inode
    }

    /// Reads the identity of `kind` namespace of process `pid` (`/proc/<pid>/ns/<kind>`).
    /// - Throws: `KernelError` (`isGone` when the process exited).
    public static func of(pid: Int32, _ kind: NamespaceKind, procRoot: String = "/proc") throws(KernelError)
        -> NamespaceID
    {
        try of(path: "\(procRoot)/\(pid)/ns/\(kind.rawValue)")
    }

    /// Reads the identity of the namespace file at `path` (follows the magic link).
    public static func of(path: String) throws(KernelError) -> NamespaceID {
        var st = stat()
        if stat(path, &st) != 0 { throw KernelError.fromErrno("stat", path) }
        return NamespaceID(device: UInt64(st.st_dev), inode: UInt64(st.st_ino))
    }

    /// Reads the identity of an open namespace or pidfd-derived namespace fd.
    public static func of(fd: Int32) throws(KernelError) -> NamespaceID {
        var st = stat()
        if fstat(fd, &st) != 0 { throw KernelError.fromErrno("fstat", "fd \(fd)") }
        return NamespaceID(device: UInt64(st.st_dev), inode: UInt64(st.st_ino))
    }

    public var description: String { "\(inode)" }
}
