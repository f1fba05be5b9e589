/// One row of `kspy pods`: a pod on this node in a line.
public struct PodSummary: Codable, Hashable, Sendable {
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
    /// The sandbox (pause) container ID.
    public var sandboxID: String?
    /// The pause's PID.
    public var pausePID: Int32?
    /// The first pod IP.
    public var podIP: String?
    /// Every pod IP.
    public var ips: [String]
    /// True when the pod uses the host's network namespace.
    public var hostNetwork: Bool
    /// True for a static pod (`kubernetes.io/config.source: file`).
    public var isStatic: Bool
    /// The pod cgroup.
    public var cgroupPath: String
    /// Number of app containers (the sandbox not counted).
    public var containerCount: Int
    /// The app containers.
    public var containers: [ContainerSummary]

    /// The summary of `pod` with its addresses (nil when they could not be read).
    public init(_ pod: DiscoveredPod, addresses: PodAddresses?) {
        uid = pod.uid
        name = pod.identity?.name
        namespace = pod.identity?.namespace
        qosClass = pod.qosClass.rawValue
        runtime = pod.runtime.rawValue
        sandboxID = pod.sandbox?.id
        pausePID = pod.pausePID
        ips = addresses?.ips ?? []
        podIP = ips.first
        hostNetwork = addresses?.hostNetwork ?? false
        isStatic = pod.isStatic
        cgroupPath = pod.cgroupPath
        containerCount = pod.containers.count
        containers = pod.containers.map(ContainerSummary.init)
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
        try c.encode(pausePID, forKey: .pausePID)
        try c.encode(podIP, forKey: .podIP)
        try c.encode(ips, forKey: .ips)
        try c.encode(hostNetwork, forKey: .hostNetwork)
        try c.encode(isStatic, forKey: .isStatic)
        try c.encode(cgroupPath, forKey: .cgroupPath)
        try c.encode(containerCount, forKey: .containerCount)
        try c.encode(containers, forKey: .containers)
    }
}
