import KspyKernel

/// One namespace on the node, as `kspy ns` lists it (like `lsns`): who holds it and
/// which pod or container owns it.
public struct NamespaceInfo: Codable, Hashable, Sendable {
    /// `host`, `pod` (shared by several containers of one pod, e.g. held by the pause)
    /// or `container` (used by one container only).
    public enum Owner: String, Codable, Sendable {
        case host, pod, container
    }

    /// The namespace kind.
    public var kind: String
    /// Its inode.
    public var inode: UInt64
    /// The device of the nsfs inode (identity is (device, inode)).
    public var device: UInt64
    /// Number of processes in it.
    public var processCount: Int
    /// The process holding it: a pod's pause when it is in it, else the earliest started
    /// (the lowest PID among equals). lsns shows the lowest PID, which after PID
    /// wrap-around can be a process that joined later than the pause.
    public var holderPID: Int32
    /// That process's command name.
    public var holderComm: String
    /// Who owns it: a namespace any host process uses is the host's.
    public var owner: Owner
    /// The owning pod's UID.
    public var podUID: String?
    /// The owning pod's name.
    public var podName: String?
    /// The owning pod's namespace.
    public var podNamespace: String?
    /// The owning container's name (owner `container`), or `pause` when the pod's
    /// pause is the holder.
    public var containerName: String?
    /// The owning container's ID (owner `container`, or the sandbox for `pod`).
    public var containerID: String?

    /// Every namespace the processes of `snapshot` use, ordered by kind then inode.
    public static func all(in snapshot: NodeSnapshot) -> [NamespaceInfo] {
        struct Key: Hashable {
            var kind: NamespaceKind
            var id: NamespaceID
        }
        var members: [Key: [ProcessRecord]] = [:]
        for process in snapshot.processes {
            for (kind, id) in process.namespaces { members[Key(kind: kind, id: id), default: []].append(process) }
        }
        return members.map { key, processes in
            NamespaceInfo(kind: key.kind, id: key.id, processes: processes, snapshot: snapshot)
        }.sorted { ($0.kind, $0.inode) < ($1.kind, $1.inode) }
    }

    private init(kind: NamespaceKind, id: NamespaceID, processes: [ProcessRecord], snapshot: NodeSnapshot) {
        self.kind = kind.rawValue
        inode = id.inode
        device = id.device
        processCount = processes.count
        // A pod's pause when it is in it (it created the pod's shared namespaces), else
        // the earliest started (start times have clock-tick resolution; the lower PID
        // among equals).
        let pods = Set(processes.map { $0.attribution?.podUID })
        // The one pod every process is in, if there is one.
        let podOfAll = pods.count == 1 ? pods.first.flatMap { $0 }.flatMap { snapshot.pod(uid: $0) } : nil
        let pause = podOfAll?.pausePID
        let holder =
            processes.first { $0.pid == pause }
            ?? processes.min { ($0.startTimeTicks, $0.pid) < ($1.startTimeTicks, $1.pid) } ?? processes[0]
        holderPID = holder.pid
        holderComm = holder.comm
        guard let pod = podOfAll else {
            owner = .host
            return
        }
        podUID = pod.uid
        podName = pod.identity?.name
        podNamespace = pod.identity?.namespace
        let containers = Set(processes.map { $0.attribution?.containerID })
        if containers.count == 1, let id = containers.first ?? nil, let container = pod.container(id: id),
            !container.isSandbox
        {
            owner = .container
            containerID = id
            containerName = container.name
        } else {
            owner = .pod
            if let sandbox = pod.sandbox, sandbox.pids.contains(holder.pid) {
                containerID = sandbox.id
                containerName = "pause"
            }
        }
    }

    /// Encodes every key, nil as null.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(kind, forKey: .kind)
        try c.encode(inode, forKey: .inode)
        try c.encode(device, forKey: .device)
        try c.encode(processCount, forKey: .processCount)
        try c.encode(holderPID, forKey: .holderPID)
        try c.encode(holderComm, forKey: .holderComm)
        try c.encode(owner, forKey: .owner)
        try c.encode(podUID, forKey: .podUID)
        try c.encode(podName, forKey: .podName)
        try c.encode(podNamespace, forKey: .podNamespace)
        try c.encode(containerName, forKey: .containerName)
        try c.encode(containerID, forKey: .containerID)
    }
}
