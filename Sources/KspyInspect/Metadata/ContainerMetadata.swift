/// What a runtime's on-disk metadata says about one container or pod sandbox, keyed by
/// container ID (runtimes.md §3). Every runtime marks sandboxes (the pause container,
/// §4) and records the pod's name, namespace and UID; fields a store lacks are nil.
public struct ContainerMetadata: Hashable, Sendable {
    /// The runtime's container ID (64 hex digits for the CRI runtimes).
    public var containerID: String
    /// True for the pod sandbox (pause) container (§4: container-type `sandbox`, Docker
    /// type `podsandbox`).
    public var isSandbox: Bool
    /// The ID of the pod's sandbox; for a sandbox, its own ID.
    public var sandboxID: String?
    /// The pod's name.
    public var podName: String?
    /// The pod's namespace.
    public var podNamespace: String?
    /// The pod's UID, with `-`.
    public var podUID: String?
    /// The container's name in the pod spec; nil for sandboxes (whose stores say `POD`
    /// or nothing).
    public var containerName: String?
    /// The runtime whose store described the container.
    public var runtime: ContainerRuntimeKind
    /// The pod's `kubernetes.io/config.source` annotation when the store carries it:
    /// `file` marks a static pod from kubelet's manifest directory (runtimes.md §3.5),
    /// `api` a pod from the API server.
    public var configSource: String?
    /// The container's cgroup as the store records it (a path below the hierarchy
    /// roots, e.g. the OCI spec's `linux.cgroupsPath`): where to look for its processes,
    /// which are still attributed by their own `/proc/<pid>/cgroup`.
    public var cgroupPath: String?

    /// Creates metadata from its fields.
    public init(
        containerID: String, isSandbox: Bool, sandboxID: String? = nil, podName: String? = nil,
        podNamespace: String? = nil, podUID: String? = nil, containerName: String? = nil,
        runtime: ContainerRuntimeKind, configSource: String? = nil, cgroupPath: String? = nil
    ) {
        self.containerID = containerID
        self.isSandbox = isSandbox
        self.sandboxID = sandboxID
        self.podName = podName
        self.podNamespace = podNamespace
        self.podUID = podUID
        self.containerName = containerName
        self.runtime = runtime
        self.configSource = configSource
        self.cgroupPath = cgroupPath
    }

    /// The pod this container belongs to, when its store names all three of namespace,
    /// name and UID.
    public var pod: PodIdentity? {
        guard let podNamespace, let podName, let podUID else { return nil }
        return PodIdentity(namespace: podNamespace, name: podName, uid: podUID)
    }

    /// This record with its missing fields filled from `other` (the same container seen
    /// in a second store, e.g. CRI-O's spec under both /run and /var/lib, §3.2).
    public func filling(from other: ContainerMetadata) -> ContainerMetadata {
        var merged = self
        merged.isSandbox = isSandbox || other.isSandbox
        merged.sandboxID = sandboxID ?? other.sandboxID
        merged.podName = podName ?? other.podName
        merged.podNamespace = podNamespace ?? other.podNamespace
        merged.podUID = podUID ?? other.podUID
        merged.containerName = merged.isSandbox ? nil : (containerName ?? other.containerName)
        if merged.runtime == .unknown { merged.runtime = other.runtime }
        merged.configSource = configSource ?? other.configSource
        merged.cgroupPath = cgroupPath ?? other.cgroupPath
        return merged
    }
}
