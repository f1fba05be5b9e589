import KspyKernel

/// One pod found on the node: the kubelet pod cgroup its processes share, its sandbox
/// and containers, and the names runtime metadata gives it.
public struct DiscoveredPod: Hashable, Sendable {
    /// The pod UID (from the cgroup path).
    public var uid: String
    /// Namespace and name, when a metadata store names the pod; nil means unnamed.
    public var identity: PodIdentity?
    /// The QoS class the cgroup path shows.
    public var qosClass: PodQoSClass
    /// The kubelet cgroup driver the path shows.
    public var driver: CgroupPathDriver
    /// The runtime running it (from metadata, else the cgroup leaf prefix).
    public var runtime: ContainerRuntimeKind
    /// The pod cgroup's path, as `/proc/<pid>/cgroup` shows it.
    public var cgroupPath: String
    /// The cgroup version of the hierarchy that path was found in.
    public var cgroupVersion: CgroupVersion
    /// The sandbox (pause) container, when found.
    public var sandbox: DiscoveredContainer?
    /// The app containers, by name (unnamed ones last, by ID).
    public var containers: [DiscoveredContainer]
    /// Processes in the pod cgroup itself, outside any container leaf.
    public var podLevelPIDs: [Int32]
    /// `kubernetes.io/config.source` when a store records it (`file`: static pod).
    public var configSource: String?

    /// Creates a pod from its fields.
    public init(
        uid: String, identity: PodIdentity?, qosClass: PodQoSClass, driver: CgroupPathDriver,
        runtime: ContainerRuntimeKind, cgroupPath: String, cgroupVersion: CgroupVersion,
        sandbox: DiscoveredContainer?, containers: [DiscoveredContainer], podLevelPIDs: [Int32],
        configSource: String?
    ) {
        self.uid = uid
        self.identity = identity
        self.qosClass = qosClass
        self.driver = driver
        self.runtime = runtime
        self.cgroupPath = cgroupPath
        self.cgroupVersion = cgroupVersion
        self.sandbox = sandbox
        self.containers = containers
        self.podLevelPIDs = podLevelPIDs
        self.configSource = configSource
    }

    /// The pause process: the sandbox's first process.
    public var pausePID: Int32? { sandbox?.initPID }

    /// True for a static pod (kubelet manifest directory, `kubernetes.io/config.source: file`).
    public var isStatic: Bool { configSource == "file" }

    /// `namespace/name`, or `<unnamed>/<uid>` when no store names the pod.
    public var displayName: String {
        identity.map { "\($0.namespace)/\($0.name)" } ?? "<unnamed>/\(uid)"
    }

    /// Every container including the sandbox.
    public var allContainers: [DiscoveredContainer] { (sandbox.map { [$0] } ?? []) + containers }

    /// The container with ID `id` (sandbox included).
    public func container(id: String) -> DiscoveredContainer? { allContainers.first { $0.id == id } }
}
