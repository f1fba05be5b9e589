/// A snapshot of one process for listings (`Procfs.entry(pid:)`): `/proc/<pid>/stat`
/// plus, where readable, `status`, `cgroup`, `ns/*` and `cmdline` (proc(5)).
public struct ProcessEntry: Hashable, Sendable {
    /// The PID.
    public var pid: Int32
    /// `/proc/<pid>/stat`.
    public var stat: ProcessStat
    /// `/proc/<pid>/status`, nil if unreadable.
    public var status: ProcessStatus?
    /// `/proc/<pid>/cgroup`, nil if unreadable.
    public var cgroups: [ProcessCgroupEntry]?
    /// `/proc/<pid>/ns/*`, nil if unreadable.
    public var namespaces: [NamespaceKind: NamespaceID]?
    /// `/proc/<pid>/cmdline`, nil if unreadable.
    public var commandLine: [String]?

    /// Creates an entry from its parts.
    public init(
        pid: Int32, stat: ProcessStat, status: ProcessStatus?, cgroups: [ProcessCgroupEntry]?,
        namespaces: [NamespaceKind: NamespaceID]?, commandLine: [String]?
    ) {
        self.pid = pid
        self.stat = stat
        self.status = status
        self.cgroups = cgroups
        self.namespaces = namespaces
        self.commandLine = commandLine
    }
}
