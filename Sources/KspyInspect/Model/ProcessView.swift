import KspyKernel

/// One process mapped to its pod and container: a row of `kspy ps` and an answer of
/// `kspy pid` (JSON keys are the documented contract; pod fields are null for host
/// processes and for pods no metadata store names).
public struct ProcessView: Codable, Hashable, Sendable {
    /// The PID.
    public var pid: Int32
    /// The parent's PID.
    public var ppid: Int32
    /// The command name.
    public var comm: String
    /// pause, container or host.
    public var role: ProcessRole
    /// The pod UID.
    public var podUID: String?
    /// The pod's name (null when unnamed).
    public var podName: String?
    /// The pod's namespace (null when unnamed).
    public var podNamespace: String?
    /// The container ID.
    public var containerID: String?
    /// The container's name (null for the pause and unnamed containers).
    public var containerName: String?
    /// The runtime owning the container.
    public var runtime: String?
    /// The pod's QoS class.
    public var qosClass: String?
    /// The cgroup path kspy classified (kubelet's tree), else the v2 / first line.
    public var cgroupPath: String?
    /// The process's namespaces by kind (`net`, `pid`, …).
    public var namespaces: [String: NamespaceMembership]

    /// The process of `record` as `snapshot` attributes it.
    public init(record: ProcessRecord, in snapshot: NodeSnapshot) {
        pid = record.pid
        ppid = record.ppid
        comm = record.comm
        cgroupPath = record.cgroupPath
        let pod = record.attribution.flatMap { snapshot.pod(uid: $0.podUID) }
        let pauseNamespaces = pod?.pausePID.flatMap { snapshot.process(pid: $0) }?.namespaces
        var namespaces: [String: NamespaceMembership] = [:]
        for (kind, id) in record.namespaces {
            let shared = pauseNamespaces.map { $0[kind] == id }
            namespaces[kind.rawValue] = NamespaceMembership(inode: id.inode, sharedWithPause: shared)
        }
        self.namespaces = namespaces
        guard let attribution = record.attribution, let pod else {
            role = .host
            return
        }
        let container = attribution.containerID.flatMap { pod.container(id: $0) }
        role = container?.isSandbox == true ? .pause : .container
        podUID = pod.uid
        podName = pod.identity?.name
        podNamespace = pod.identity?.namespace
        containerID = attribution.containerID
        containerName = container?.name
        runtime = (container?.runtime ?? pod.runtime).rawValue
        qosClass = pod.qosClass.rawValue
    }

    /// `namespace/name` of the pod, `<unnamed>/<uid>`, or `-` for host processes.
    public var podDisplayName: String {
        guard let podUID else { return "-" }
        if let podNamespace, let podName { return "\(podNamespace)/\(podName)" }
        return "<unnamed>/\(podUID)"
    }

    /// Encodes every key, nil as null.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(pid, forKey: .pid)
        try c.encode(ppid, forKey: .ppid)
        try c.encode(comm, forKey: .comm)
        try c.encode(role, forKey: .role)
        try c.encode(podUID, forKey: .podUID)
        try c.encode(podName, forKey: .podName)
        try c.encode(podNamespace, forKey: .podNamespace)
        try c.encode(containerID, forKey: .containerID)
        try c.encode(containerName, forKey: .containerName)
        try c.encode(runtime, forKey: .runtime)
        try c.encode(qosClass, forKey: .qosClass)
        try c.encode(cgroupPath, forKey: .cgroupPath)
        try c.encode(namespaces, forKey: .namespaces)
    }
}
