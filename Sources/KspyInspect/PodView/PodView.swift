/// Everything `kspy pod` shows about one pod: the Linux primitives it is made of.
/// JSON keys follow the documented contract.
public struct PodView: Codable, Hashable, Sendable {
    /// The pod UID.
    public var uid: String
    /// The pod's name (null when unnamed).
    public var name: String?
    /// The pod's namespace (null when unnamed).
    public var namespace: String?
    /// QoS class from the cgroup path.
    public var qosClass: String
    /// The runtime running it.
    public var runtime: String
    /// The sandbox container ID.
    public var sandboxID: String?
    /// True for a static pod (`kubernetes.io/config.source: file`).
    public var isStatic: Bool
    /// The pause process and its parent.
    public var pause: PauseView
    /// The pause's namespaces by kind, with the containers sharing each.
    public var namespaces: [String: PodNamespaceView]
    /// The pod cgroup.
    public var cgroup: CgroupView
    /// The pod's network (null when the pause is not running or it could not be read).
    public var network: PodNetworkView?
    /// Why the network could not be read, when it could not.
    public var networkProblem: String?
    /// The app containers.
    public var containers: [ContainerView]

    /// Creates a view from its fields.
    public init(
        uid: String, name: String?, namespace: String?, qosClass: String, runtime: String, sandboxID: String?,
        isStatic: Bool, pause: PauseView, namespaces: [String: PodNamespaceView], cgroup: CgroupView,
        network: PodNetworkView?, networkProblem: String?, containers: [ContainerView]
    ) {
        self.uid = uid
        self.name = name
        self.namespace = namespace
        self.qosClass = qosClass
        self.runtime = runtime
        self.sandboxID = sandboxID
        self.isStatic = isStatic
        self.pause = pause
        self.namespaces = namespaces
        self.cgroup = cgroup
        self.network = network
        self.networkProblem = networkProblem
        self.containers = containers
    }

    /// Encodes every key, nil as null.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(uid, forKey: .uid)
        try c.encode(name, forKey: .name)
        try c.encode(namespace, forKey: .namespace)
        try c.encode(qosClass, forKey: .qosClass)
        try c.encode(runtime, forKey: .runtime)
        try c.encode(sandboxID, forKey: .sandboxID)
        try c.encode(isStatic, forKey: .isStatic)
        try c.encode(pause, forKey: .pause)
        try c.encode(namespaces, forKey: .namespaces)
        try c.encode(cgroup, forKey: .cgroup)
        try c.encode(network, forKey: .network)
        try c.encode(networkProblem, forKey: .networkProblem)
        try c.encode(containers, forKey: .containers)
    }
}
