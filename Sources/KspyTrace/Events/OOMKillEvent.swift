/// One process the kernel's OOM killer killed, named by pod and container.
/// JSON (one NDJSON line): `{time, kind: "oomKill", pid, comm, podUID, podName,
/// podNamespace, containerName, containerID, cgroupPath, memoryLimitBytes, source, …}`
/// with the memory figures when the source has them (BPF and kmsg do; cgroup counters
/// do not).
public struct OOMKillEvent: Encodable, Hashable, Sendable {
    /// Nanoseconds since the epoch of the kill.
    public var timeNanoseconds: Int64
    /// The victim's PID (nil when the source does not say: cgroup counters).
    public var pid: Int32?
    /// The victim's command name.
    public var comm: String?
    /// The victim's memory cgroup path (v1 memory hierarchy or v2), as the kernel
    /// names it.
    public var cgroupPath: String?
    /// Pod and container.
    public var pod: PodAttribution
    /// The limit of the cgroup that hit it (read when the event is named; null when
    /// unlimited or the cgroup is gone).
    public var memoryLimitBytes: Int64?
    /// The cgroup's usage at naming time.
    public var memoryUsageBytes: UInt64?
    /// `bpf`, `cgroup` or `kmsg`.
    public var source: String
    /// Memory figures in kB from the tracepoint or the kernel log line.
    public var totalVmKB: UInt64?
    public var anonRssKB: UInt64?
    public var fileRssKB: UInt64?
    public var shmemRssKB: UInt64?
    public var pgtablesKB: UInt64?
    /// The victim's oom_score_adj.
    public var oomScoreAdj: Int?
    /// The victim's UID.
    public var uid: UInt32?
    /// The memory cgroup id (v2 kernfs id) when the BPF source read it.
    public var cgroupID: UInt64?
    /// How many kills the counter advanced by (cgroup source; 1 otherwise).
    public var kills: Int

    /// An event with the required fields; the rest are filled by the source and namer.
    public init(timeNanoseconds: Int64, source: String) {
        self.timeNanoseconds = timeNanoseconds
        self.source = source
        pod = PodAttribution()
        kills = 1
    }

    private enum CodingKeys: String, CodingKey {
        case time, kind, pid, comm, podUID, podName, podNamespace, containerName, containerID, cgroupPath
        case memoryLimitBytes, memoryUsageBytes, source, totalVmKB, anonRssKB, fileRssKB, shmemRssKB, pgtablesKB
        case oomScoreAdj, uid, cgroupID, kills
    }

    /// Encodes the contract keys (null when unknown) and the figures the source had.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(EventTime.rfc3339(timeNanoseconds), forKey: .time)
        try c.encode("oomKill", forKey: .kind)
        try c.encode(pid, forKey: .pid)
        try c.encode(comm, forKey: .comm)
        try c.encode(pod.podUID, forKey: .podUID)
        try c.encode(pod.podName, forKey: .podName)
        try c.encode(pod.podNamespace, forKey: .podNamespace)
        try c.encode(pod.containerName, forKey: .containerName)
        try c.encode(pod.containerID, forKey: .containerID)
        try c.encode(cgroupPath, forKey: .cgroupPath)
        try c.encode(memoryLimitBytes, forKey: .memoryLimitBytes)
        try c.encodeIfPresent(memoryUsageBytes, forKey: .memoryUsageBytes)
        try c.encode(source, forKey: .source)
        try c.encodeIfPresent(totalVmKB, forKey: .totalVmKB)
        try c.encodeIfPresent(anonRssKB, forKey: .anonRssKB)
        try c.encodeIfPresent(fileRssKB, forKey: .fileRssKB)
        try c.encodeIfPresent(shmemRssKB, forKey: .shmemRssKB)
        try c.encodeIfPresent(pgtablesKB, forKey: .pgtablesKB)
        try c.encodeIfPresent(oomScoreAdj, forKey: .oomScoreAdj)
        try c.encodeIfPresent(uid, forKey: .uid)
        try c.encodeIfPresent(cgroupID, forKey: .cgroupID)
        if kills != 1 { try c.encode(kills, forKey: .kills) }
    }
}
