/// What a cgroup path says about the pod and container a process belongs to
/// (runtimes.md §1 step 4, §2): the kubelet pod cgroup found in the path and, when the
/// process sits in a container cgroup below it, that container's ID and runtime.
public struct CgroupAttribution: Hashable, Sendable {
    /// The pod's QoS class, from the level above the pod cgroup (§2.3).
    public var qosClass: PodQoSClass
    /// The pod UID in its API form, with `-` (systemd names carry `_`, turned back to `-`,
    /// which is reversible because kubelet forbids `_` in components, §2.3).
    public var podUID: String
    /// The container ID from the cgroup leaf below the pod cgroup, or nil when the process
    /// sits in the pod cgroup itself or in a leaf kspy does not recognise.
    public var containerID: String?
    /// The runtime named by the leaf's prefix (§2.2); `.unknown` for a bare ID.
    public var runtimeHint: ContainerRuntimeKind
    /// The kubelet cgroup driver the pod cgroup's name shows (§2.1).
    public var driver: CgroupPathDriver
    /// The path up to and including the pod level, in the same frame as the classified
    /// path (a cgroup-namespace `/..` prefix is kept, §1 "cgroup namespaces").
    public var podCgroupPath: String
    /// The container's cgroup: the pod path plus the container leaf (processes may sit
    /// deeper, e.g. in crun's `container` sub-cgroup); nil without a container ID.
    public var containerCgroupPath: String? {
        guard containerID != nil else { return nil }
        return containerLeaf.map { podCgroupPath + "/" + $0 }
    }
    /// The container leaf's name as it appears in the path.
    public var containerLeaf: String?

    /// Creates an attribution from its fields.
    public init(
        qosClass: PodQoSClass, podUID: String, containerID: String?, runtimeHint: ContainerRuntimeKind,
        driver: CgroupPathDriver, podCgroupPath: String, containerLeaf: String? = nil
    ) {
        self.qosClass = qosClass
        self.podUID = podUID
        self.containerID = containerID
        self.runtimeHint = runtimeHint
        self.driver = driver
        self.podCgroupPath = podCgroupPath
        self.containerLeaf = containerLeaf
    }
}
