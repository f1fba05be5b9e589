import Glibc
import KspyKernel

/// Reads the process table from procfs: one `ProcessRecord` per process, tolerant of
/// processes exiting mid-scan (DESIGN.md: ENOENT/ESRCH on one process means "skip it").
public struct ProcessTableScanner: Sendable {
    /// Where procfs is mounted.
    public var procRoot: String
    /// Whether to read the namespace links (eight fstatat(2) calls per process).
    public var readsNamespaces: Bool

    /// A scanner of the procfs at `procRoot`.
    public init(procRoot: String = "/proc", readsNamespaces: Bool = true) {
        self.procRoot = procRoot
        self.readsNamespaces = readsNamespaces
    }

    /// Every process that exists for the whole of its read, by ascending PID.
    /// Processes that exit during the scan are skipped.
    /// - Throws: `KernelError` only when procfs itself cannot be listed.
    public func scan() throws(KernelError) -> [ProcessRecord] {
        var records: [ProcessRecord] = []
        let pids = try Procfs(procRoot: procRoot).pids()
        records.reserveCapacity(pids.count)
        var cache = CgroupMembershipCache()
        // One nsfs superblock holds every namespace: its device is read once.
        let nsfsDevice = try? NamespaceID.of(path: procRoot + "/self/ns/net").device
        for pid in pids {
            // stat and cgroup are world-readable: the only failure left is the process
            // having exited, which a scan skips.
            if let record = try? record(pid: pid, cache: &cache, nsfsDevice: nsfsDevice) { records.append(record) }
        }
        return records
    }

    /// The record of one process; its namespaces are empty when they cannot be read
    /// (a zombie, or another user's process without root).
    /// - Throws: `KernelError` (`isGone` when there is no such process or it exited
    ///   while being read).
    public func record(pid: Int32) throws(KernelError) -> ProcessRecord {
        var cache = CgroupMembershipCache()
        return try record(pid: pid, cache: &cache, nsfsDevice: nil)
    }

    private func record(pid: Int32, cache: inout CgroupMembershipCache, nsfsDevice: UInt64?) throws(KernelError)
        -> ProcessRecord
    {
        let directory = try ProcessDirectory(pid: pid, procRoot: procRoot)
        let statBytes = try directory.readBytes("stat")
        guard let stat = ProcessStat.parse(bytes: statBytes) else {
            throw KernelError("parse", "\(procRoot)/\(pid)/stat", errno: statBytes.isEmpty ? ESRCH : EINVAL)
        }
        let membership = cache.membership(of: try directory.readBytes("cgroup"))
        var namespaces: [NamespaceKind: NamespaceID] = [:]
        if readsNamespaces {
            do {
                if let device = nsfsDevice {
                    namespaces = try directory.namespaces(nsfsDevice: device)
                } else {
                    namespaces = try directory.namespaces()
                }
            } catch {
                // A zombie's links no longer resolve while the process is still listed;
                // without root, other users' links give EACCES. Both leave them empty.
                if error.isGone, (try? directory.stat())?.state != "Z" { throw error }
            }
        }
        return ProcessRecord(
            pid: pid, ppid: stat.ppid, comm: stat.comm, startTimeTicks: stat.startTimeTicks, membership: membership,
            namespaces: namespaces)
    }
}
