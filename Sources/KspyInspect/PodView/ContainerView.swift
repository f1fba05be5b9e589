/// One container of `kspy pod`: its processes, namespaces, cgroup, filesystem,
/// volumes and the security the kernel enforces on it.
public struct ContainerView: Codable, Hashable, Sendable {
    /// The container's name (null when no store names it).
    public var name: String?
    /// The container ID.
    public var id: String
    /// `running` or `exited`.
    public var state: String
    /// Its processes.
    public var pids: [Int32]
    /// Its first process (the one the details below are read from).
    public var initPID: Int32?
    /// Its cgroup path.
    public var cgroupPath: String?
    /// Its namespaces, with whether each is the pause's.
    public var namespaces: [String: NamespaceMembership]
    /// Limits and usage of its cgroup.
    public var limits: CgroupView?
    /// uid/gid, capabilities, seccomp, no_new_privs, LSM label, uid map.
    public var security: ContainerSecurity?
    /// `oom_score_adj` of its first process (−1000…1000: with the QoS class it decides
    /// who the OOM killer picks first; kubelet sets −997 for Guaranteed, 1000 for
    /// BestEffort).
    public var oomScoreAdj: Int?
    /// The root filesystem.
    public var rootfs: ContainerRootfs?
    /// Its volume and file mounts.
    public var mounts: [VolumeMountView]

    /// Creates a view from its fields.
    public init(
        name: String?, id: String, state: String, pids: [Int32], initPID: Int32?, cgroupPath: String?,
        namespaces: [String: NamespaceMembership], limits: CgroupView?, security: ContainerSecurity?,
        oomScoreAdj: Int?, rootfs: ContainerRootfs?, mounts: [VolumeMountView]
    ) {
        self.name = name
        self.id = id
        self.state = state
        self.pids = pids
        self.initPID = initPID
        self.cgroupPath = cgroupPath
        self.namespaces = namespaces
        self.limits = limits
        self.security = security
        self.oomScoreAdj = oomScoreAdj
        self.rootfs = rootfs
        self.mounts = mounts
    }

    /// Encodes every key, nil as null.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(id, forKey: .id)
        try c.encode(state, forKey: .state)
        try c.encode(pids, forKey: .pids)
        try c.encode(initPID, forKey: .initPID)
        try c.encode(cgroupPath, forKey: .cgroupPath)
        try c.encode(namespaces, forKey: .namespaces)
        try c.encode(limits, forKey: .limits)
        try c.encode(security, forKey: .security)
        try c.encode(oomScoreAdj, forKey: .oomScoreAdj)
        try c.encode(rootfs, forKey: .rootfs)
        try c.encode(mounts, forKey: .mounts)
    }
}
