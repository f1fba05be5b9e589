import KspyInspect

/// The pod and container an event's cgroup belongs to, named like `kspy ps` names them
/// (cgroup path first, runtime metadata for names; unknown names stay null).
public struct PodAttribution: Hashable, Sendable {
    /// The pod UID.
    public var podUID: String?
    /// The pod's name.
    public var podName: String?
    /// The pod's namespace.
    public var podNamespace: String?
    /// The container's name.
    public var containerName: String?
    /// The container ID.
    public var containerID: String?

    /// Creates an attribution from its fields.
    public init(
        podUID: String? = nil, podName: String? = nil, podNamespace: String? = nil, containerName: String? = nil,
        containerID: String? = nil
    ) {
        self.podUID = podUID
        self.podName = podName
        self.podNamespace = podNamespace
        self.containerName = containerName
        self.containerID = containerID
    }
}
