/// What kspy records about one test pod, in `<state dir>/pods/<uid>/pod.json`.
/// Written by `kspy testpod apply` and then by the pod's supervisor (atomically, by
/// rename); read by `kspy testpod list`, `delete` and the discovery commands. Its JSON
/// is also the `kspy testpod list -o json` contract: keys are camelCase and stable.
public struct PodState: Codable, Equatable, Sendable {
    /// Lifecycle of the pod as a whole.
    public enum Phase: String, Codable, Sendable {
        /// apply is building it.
        case creating
        /// The pause and supervisor run; containers run or wait to restart.
        case running
        /// The supervisor is stopping it (delete).
        case stopping
        /// Every container has terminated for good (restartPolicy said so).
        case succeeded, failed
        /// Stopped by delete; nothing runs.
        case stopped
    }

    /// Pod UID.
    public var uid: String
    /// metadata.name.
    public var name: String
    /// metadata.namespace.
    public var namespace: String
    /// metadata.labels.
    public var labels: [String: String]
    /// metadata.annotations (discovery reads `kubernetes.io/config.source` from them).
    public var annotations: [String: String]?
    /// Kubernetes QoS class (`Guaranteed`, `Burstable`, `BestEffort`).
    public var qosClass: String
    /// spec.restartPolicy.
    public var restartPolicy: String
    /// The pod's hostname (UTS namespace).
    public var hostname: String
    /// True for spec.hostNetwork pods (host network and UTS namespaces).
    public var hostNetwork: Bool
    /// Phase of the pod.
    public var phase: Phase
    /// kubelet cgroup driver used for the paths.
    public var cgroupDriver: CgroupDriver
    /// The root of kspy's kubelet-style tree (`kubepods`, or a test's own root).
    public var cgroupRoot: String
    /// The pod's cgroup (what CRI calls the sandbox's cgroup parent), relative to the
    /// hierarchy roots: `/kubepods/burstable/pod<uid>`.
    public var cgroupParent: String
    /// The sandbox (pause) container ID.
    public var sandboxID: String
    /// PID of the pause process (nil before it started).
    public var pausePID: Int32?
    /// Start time (clock ticks since boot, /proc/<pid>/stat field 22) of the pause,
    /// to recognise a recycled PID.
    public var pauseStartTime: UInt64?
    /// The pause's cgroup: `<cgroupParent>/<sandboxID leaf>`.
    public var pauseCgroupPath: String
    /// PID of the supervisor (the pod's containerd-shim).
    public var supervisorPID: Int32?
    /// Start time of the supervisor (see `pauseStartTime`).
    public var supervisorStartTime: UInt64?
    /// Seconds of the first restart back-off (doubles per restart, capped at 300 s).
    public var restartBackoffSeconds: Double
    /// spec.terminationGracePeriodSeconds.
    public var terminationGracePeriodSeconds: Int
    /// The containers, in manifest order.
    public var containers: [ContainerState]
    /// The node network the pod is attached to (nil: host network or `--network none`).
    public var network: PodNetworkOptions?
    /// The pod's IP address on eth0.
    public var podIP: String?
    /// Host end of the pod's veth pair (its peer is the pod's eth0).
    public var hostVeth: String?
    /// Host-side mounts made for the pod (tmpfs emptyDirs), undone by delete.
    public var hostMounts: [String]
    /// The pod's state directory.
    public var stateDirectory: String
    /// RFC 3339 time the pod was created.
    public var createdAt: String
    /// Why the pod failed to start, when it did.
    public var message: String?

    /// Memberwise initialiser.
    public init(
        uid: String, name: String, namespace: String, labels: [String: String], qosClass: String,
        restartPolicy: String, hostname: String, hostNetwork: Bool, phase: Phase, cgroupDriver: CgroupDriver,
        cgroupRoot: String, cgroupParent: String, sandboxID: String, pauseCgroupPath: String,
        restartBackoffSeconds: Double, terminationGracePeriodSeconds: Int, containers: [ContainerState],
        stateDirectory: String, createdAt: String
    ) {
        self.uid = uid
        self.name = name
        self.namespace = namespace
        self.labels = labels
        self.qosClass = qosClass
        self.restartPolicy = restartPolicy
        self.hostname = hostname
        self.hostNetwork = hostNetwork
        self.phase = phase
        self.cgroupDriver = cgroupDriver
        self.cgroupRoot = cgroupRoot
        self.cgroupParent = cgroupParent
        self.sandboxID = sandboxID
        self.pauseCgroupPath = pauseCgroupPath
        self.restartBackoffSeconds = restartBackoffSeconds
        self.terminationGracePeriodSeconds = terminationGracePeriodSeconds
        self.containers = containers
        self.hostMounts = []
        self.stateDirectory = stateDirectory
        self.createdAt = createdAt
    }
}

/// One container of a test pod, as its supervisor last saw it.
public struct ContainerState: Codable, Equatable, Sendable {
    /// CRI-style container states.
    public enum State: String, Codable, Sendable {
        case waiting, running, terminated
    }

    /// Container name from the manifest.
    public var name: String
    /// Current container ID (a restart creates a new one, as with a CRI runtime).
    public var id: String
    /// The image directory (lower layer of the rootfs).
    public var image: String
    /// PID of the container's init process while running.
    public var pid: Int32?
    /// Start time of `pid` (clock ticks since boot).
    public var pidStartTime: UInt64?
    /// State.
    public var state: State
    /// How often it was restarted.
    public var restartCount: Int
    /// `OOMKilled`, `Completed` or `Error` for the last termination.
    public var lastTerminationReason: String?
    /// Exit code of the last termination (128+N for signal N).
    public var lastExitCode: Int32?
    /// The container's cgroup path relative to the hierarchy roots.
    public var cgroupPath: String
    /// RFC 3339 time the current (or last) run started.
    public var startedAt: String?
    /// RFC 3339 time the last run finished.
    public var finishedAt: String?
    /// Log file of the current run (stdout and stderr).
    public var logPath: String?

    /// A container that has not started yet.
    public init(name: String, id: String, image: String, cgroupPath: String) {
        self.name = name
        self.id = id
        self.image = image
        self.state = .waiting
        self.restartCount = 0
        self.cgroupPath = cgroupPath
    }
}

// Stable JSON: every key is written, absent values as null (synthesized Codable would
// drop them), so `kspy testpod list -o json` consumers see the same keys for every pod.
extension PodState {
    /// Encodes every property, nil as null.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(uid, forKey: .uid)
        try c.encode(name, forKey: .name)
        try c.encode(namespace, forKey: .namespace)
        try c.encode(labels, forKey: .labels)
        try c.encode(annotations, forKey: .annotations)
        try c.encode(qosClass, forKey: .qosClass)
        try c.encode(restartPolicy, forKey: .restartPolicy)
        try c.encode(hostname, forKey: .hostname)
        try c.encode(hostNetwork, forKey: .hostNetwork)
        try c.encode(phase, forKey: .phase)
        try c.encode(cgroupDriver, forKey: .cgroupDriver)
        try c.encode(cgroupRoot, forKey: .cgroupRoot)
        try c.encode(cgroupParent, forKey: .cgroupParent)
        try c.encode(sandboxID, forKey: .sandboxID)
        try c.encode(pausePID, forKey: .pausePID)
        try c.encode(pauseStartTime, forKey: .pauseStartTime)
        try c.encode(pauseCgroupPath, forKey: .pauseCgroupPath)
        try c.encode(supervisorPID, forKey: .supervisorPID)
        try c.encode(supervisorStartTime, forKey: .supervisorStartTime)
        try c.encode(restartBackoffSeconds, forKey: .restartBackoffSeconds)
        try c.encode(terminationGracePeriodSeconds, forKey: .terminationGracePeriodSeconds)
        try c.encode(containers, forKey: .containers)
        try c.encode(network, forKey: .network)
        try c.encode(podIP, forKey: .podIP)
        try c.encode(hostVeth, forKey: .hostVeth)
        try c.encode(hostMounts, forKey: .hostMounts)
        try c.encode(stateDirectory, forKey: .stateDirectory)
        try c.encode(createdAt, forKey: .createdAt)
        try c.encode(message, forKey: .message)
    }
}

extension ContainerState {
    /// Encodes every property, nil as null.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(id, forKey: .id)
        try c.encode(image, forKey: .image)
        try c.encode(pid, forKey: .pid)
        try c.encode(pidStartTime, forKey: .pidStartTime)
        try c.encode(state, forKey: .state)
        try c.encode(restartCount, forKey: .restartCount)
        try c.encode(lastTerminationReason, forKey: .lastTerminationReason)
        try c.encode(lastExitCode, forKey: .lastExitCode)
        try c.encode(cgroupPath, forKey: .cgroupPath)
        try c.encode(startedAt, forKey: .startedAt)
        try c.encode(finishedAt, forKey: .finishedAt)
        try c.encode(logPath, forKey: .logPath)
    }
}
