import KspyKernel

/// One process as a node scan saw it: the facts from `/proc/<pid>` that discovery
/// needs, and what its cgroup path says about its pod and container.
public struct ProcessRecord: Hashable, Sendable {
    /// The process ID (in the reader's PID namespace).
    public var pid: Int32
    /// The parent's PID.
    public var ppid: Int32
    /// The command name (`comm`, at most 15 bytes).
    public var comm: String
    /// Start time in clock ticks since boot (`stat` field 22): with the PID, the
    /// process's identity across PID reuse.
    public var startTimeTicks: UInt64
    /// Its `/proc/<pid>/cgroup` entries.
    public var cgroups: [ProcessCgroupEntry]
    /// Its namespaces (empty when they were not read, or for a zombie).
    public var namespaces: [NamespaceKind: NamespaceID]
    /// The pod and container its cgroup path shows, nil for host processes.
    public var attribution: CgroupAttribution?
    /// The cgroup entry that was classified (kubelet's tree: v1 `memory` line, else the
    /// v2 line), nil for host processes.
    public var classifiedCgroup: ProcessCgroupEntry?

    /// Creates a record from its fields, classifying `cgroups`.
    public init(
        pid: Int32, ppid: Int32, comm: String, startTimeTicks: UInt64, cgroups: [ProcessCgroupEntry],
        namespaces: [NamespaceKind: NamespaceID]
    ) {
        self.init(
            pid: pid, ppid: ppid, comm: comm, startTimeTicks: startTimeTicks,
            membership: CgroupMembership(cgroups), namespaces: namespaces)
    }

    /// Creates a record whose cgroup file was already parsed and classified (processes
    /// of one container share it, so a scan does that once per distinct file).
    public init(
        pid: Int32, ppid: Int32, comm: String, startTimeTicks: UInt64, membership: CgroupMembership,
        namespaces: [NamespaceKind: NamespaceID]
    ) {
        self.pid = pid
        self.ppid = ppid
        self.comm = comm
        self.startTimeTicks = startTimeTicks
        self.cgroups = membership.entries
        self.namespaces = namespaces
        classifiedCgroup = membership.classifiedEntry
        attribution = membership.attribution
    }

    /// The cgroup path shown for the process: the classified entry's, else the entry
    /// kubelet's tree would be in (`CgroupPathClassifier.preferredOrder`: v1 memory,
    /// then cpu, then v2), so hybrid hosts show the same hierarchy for every process.
    public var cgroupPath: String? {
        (classifiedCgroup ?? CgroupPathClassifier.preferredOrder(cgroups).first)?.path
    }
}
