/// One container (or the pod's sandbox) found on the node: from its processes' cgroup
/// leaf, named by runtime metadata when a store knows its ID.
public struct DiscoveredContainer: Hashable, Sendable {
    /// The container ID from the cgroup leaf (or the metadata store).
    public var id: String
    /// The container's name in the pod spec; nil for the sandbox and for containers no
    /// store names (shown as unnamed, never guessed).
    public var name: String?
    /// True for the pod's sandbox (pause) container.
    public var isSandbox: Bool
    /// The runtime that owns it.
    public var runtime: ContainerRuntimeKind
    /// Its cgroup (pod cgroup plus container leaf); nil when only metadata knows it.
    public var cgroupPath: String?
    /// Its processes, ascending.
    public var pids: [Int32]
    /// The container's first process: the one whose parent is outside the container.
    public var initPID: Int32?

    /// Creates a container from its fields.
    public init(
        id: String, name: String?, isSandbox: Bool, runtime: ContainerRuntimeKind, cgroupPath: String?,
        pids: [Int32], initPID: Int32?
    ) {
        self.id = id
        self.name = name
        self.isSandbox = isSandbox
        self.runtime = runtime
        self.cgroupPath = cgroupPath
        self.pids = pids
        self.initPID = initPID
    }

    /// `running` while it has processes, else `exited` (known only from metadata).
    public var state: String { pids.isEmpty ? "exited" : "running" }
}
