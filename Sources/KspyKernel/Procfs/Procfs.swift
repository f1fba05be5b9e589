import Glibc

/// Tolerant readers of per-process files in procfs (proc(5)). Every reader throws a
/// `KernelError` whose `isGone` is true when the process exited meanwhile — open
/// gives ENOENT, a read of an exiting task can give ESRCH, and `stat` can read
/// empty — so scans skip such PIDs instead of failing. `procRoot` lets tests point
/// the readers at a recorded tree.
public struct Procfs: Sendable {
    /// Where procfs is mounted (default `/proc`).
    public var procRoot: String

    /// Readers on the procfs at `procRoot`.
    public init(procRoot: String = "/proc") {
        self.procRoot = procRoot
    }

    /// The directory of process `pid`.
    public func directory(of pid: Int32) -> String { "\(procRoot)/\(pid)" }

    /// The PIDs of all processes visible in this procfs (the numeric entries of its
    /// root directory; threads are not listed there), ascending.
    public func pids() throws(KernelError) -> [Int32] {
        try SystemFile.listDirectory(procRoot).compactMap { name in
            guard let first = name.utf8.first, first >= UInt8(ascii: "0"), first <= UInt8(ascii: "9") else {
                return nil
            }
            return Int32(name)
        }.sorted()
    }

    /// Reads and parses `/proc/<pid>/stat`.
    /// - Throws: `KernelError`; `isGone` also when the file reads empty (ESRCH).
    public func stat(pid: Int32) throws(KernelError) -> ProcessStat {
        let path = directory(of: pid) + "/stat"
        let text = try SystemFile.read(path)
        if text.isEmpty { throw KernelError("read", path, errno: ESRCH) }
        guard let stat = ProcessStat.parse(text) else { throw KernelError("parse", path, errno: EINVAL) }
        return stat
    }

    /// Reads and parses `/proc/<pid>/status`.
    public func status(pid: Int32) throws(KernelError) -> ProcessStatus {
        let path = directory(of: pid) + "/status"
        let text = try SystemFile.read(path)
        if text.isEmpty { throw KernelError("read", path, errno: ESRCH) }
        return ProcessStatus.parse(text)
    }

    /// Reads `/proc/<pid>/cgroup` (cgroups(7)).
    public func cgroups(pid: Int32) throws(KernelError) -> [ProcessCgroupEntry] {
        ProcessCgroupEntry.parse(try SystemFile.read(directory(of: pid) + "/cgroup"))
    }

    /// The namespaces of `pid` from `/proc/<pid>/ns/*` (namespaces(7)), identified by
    /// (device, inode) with `NamespaceID.of(pid:_:)`. A kind this kernel does not have
    /// (no entry in the `ns` directory, e.g. `time` before 5.6) is absent, not an error.
    /// - Throws: `KernelError` (`isGone` when the process exited — also for a zombie,
    ///   whose namespace links no longer resolve).
    public func namespaces(pid: Int32) throws(KernelError) -> [NamespaceKind: NamespaceID] {
        let present = Set(try SystemFile.listDirectory(directory(of: pid) + "/ns"))
        var result: [NamespaceKind: NamespaceID] = [:]
        for kind in NamespaceKind.allCases where present.contains(kind.rawValue) {
            result[kind] = try NamespaceID.of(pid: pid, kind, procRoot: procRoot)
        }
        return result
    }

    /// The environment of `pid` from `/proc/<pid>/environ` (NUL-separated
    /// `KEY=value`; needs ptrace read access, else EACCES).
    public func environment(pid: Int32) throws(KernelError) -> [String] {
        ProcText.nulSeparated(try SystemFile.readBytes(directory(of: pid) + "/environ"))
    }

    /// The arguments of `pid` from `/proc/<pid>/cmdline` (NUL-separated; empty for
    /// kernel threads and zombies).
    public func commandLine(pid: Int32) throws(KernelError) -> [String] {
        ProcText.nulSeparated(try SystemFile.readBytes(directory(of: pid) + "/cmdline"))
    }

    /// `/proc/<pid>/oom_score_adj` (−1000…1000, proc(5)).
    public func oomScoreAdj(pid: Int32) throws(KernelError) -> Int {
        let path = directory(of: pid) + "/oom_score_adj"
        let text = try SystemFile.readTrimmed(path)
        guard let value = Int(text) else {
            throw KernelError("parse", path, errno: text.isEmpty ? ESRCH : EINVAL)
        }
        return value
    }

    /// The mount table of `pid` (`/proc/<pid>/mountinfo`, in its mount namespace).
    public func mountInfo(pid: Int32) throws(KernelError) -> [MountInfoEntry] {
        try MountInfo.read(pid: pid, procRoot: procRoot)
    }

    /// The LSM label of `pid` from `/proc/<pid>/attr/current` (proc(5); AppArmor
    /// `profile (enforce)`, SELinux `user:role:type:level`), without trailing NUL or
    /// newline. Nil when no LSM provides it (EINVAL, or the file is absent) or it is empty.
    /// - Throws: `KernelError` (`isGone` when the process exited; EACCES).
    public func securityLabel(pid: Int32) throws(KernelError) -> String? {
        let path = directory(of: pid) + "/attr/current"
        do {
            let label = ProcText.trim(try SystemFile.read(path))
            return label.isEmpty ? nil : label
        } catch {
            if error.errno == EINVAL { return nil }
            if error.errno == ENOENT && SystemFile.exists(directory(of: pid)) { return nil }
            throw error
        }
    }

    /// The UID mappings of `pid`'s user namespace (`/proc/<pid>/uid_map`,
    /// user_namespaces(7)), as seen from the reader's user namespace.
    public func uidMap(pid: Int32) throws(KernelError) -> [IDMapRange] {
        IDMapRange.parse(try SystemFile.read(directory(of: pid) + "/uid_map"))
    }

    /// The GID mappings of `pid`'s user namespace (`/proc/<pid>/gid_map`).
    public func gidMap(pid: Int32) throws(KernelError) -> [IDMapRange] {
        IDMapRange.parse(try SystemFile.read(directory(of: pid) + "/gid_map"))
    }

    /// Reads what a process listing needs in one go: `stat` is required (its
    /// failure is thrown), every other part is nil when it cannot be read for a
    /// reason other than the process being gone (e.g. EACCES on `environ`).
    /// - Throws: `KernelError` with `isGone` when the process exited at any step.
    public func entry(pid: Int32) throws(KernelError) -> ProcessEntry {
        func optional<T>(_ read: () throws(KernelError) -> T) throws(KernelError) -> T? {
            do { return try read() } catch { if error.isGone { throw error } else { return nil } }
        }
        let stat = try stat(pid: pid)
        return ProcessEntry(
            pid: pid,
            stat: stat,
            status: try optional { () throws(KernelError) in try status(pid: pid) },
            cgroups: try optional { () throws(KernelError) in try cgroups(pid: pid) },
            namespaces: try optional { () throws(KernelError) in try namespaces(pid: pid) },
            commandLine: try optional { () throws(KernelError) in try commandLine(pid: pid) })
    }
}
