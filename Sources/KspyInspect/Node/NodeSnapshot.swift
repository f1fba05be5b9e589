import KspyKernel

/// The node as one scan saw it: every process, the runtime metadata, and the pods the
/// processes' cgroups reveal, with their sandboxes and containers.
public struct NodeSnapshot: Sendable {
    /// Every process, by ascending PID.
    public let processes: [ProcessRecord]
    /// The runtime metadata read for the scan.
    public let metadata: RuntimeMetadataIndex
    /// The sources that were searched (including containerd roots found from shims).
    public let sources: MetadataSources
    /// The pods, ordered by namespace, name, then UID (unnamed pods last).
    public let pods: [DiscoveredPod]
    private let podIndexByUID: [String: Int]

    /// Groups `processes` into pods and names them from `metadata`.
    public init(processes: [ProcessRecord], metadata: RuntimeMetadataIndex, sources: MetadataSources) {
        let ascending = zip(processes, processes.dropFirst()).allSatisfy { $0.pid < $1.pid }
        self.processes = ascending ? processes : processes.sorted { $0.pid < $1.pid }
        self.metadata = metadata
        self.sources = sources

        var byPod: [String: [ProcessRecord]] = [:]
        var podOrder: [String] = []
        for process in self.processes {
            guard let attribution = process.attribution else { continue }
            if byPod[attribution.podUID] == nil { podOrder.append(attribution.podUID) }
            byPod[attribution.podUID, default: []].append(process)
        }
        let pods = podOrder.compactMap { uid in
            byPod[uid].map { Self.assemble(uid: uid, processes: $0, metadata: metadata) }
        }.sorted { a, b in
            switch (a.identity, b.identity) {
            case (let x?, let y?): return (x.namespace, x.name, a.uid) < (y.namespace, y.name, b.uid)
            case (.some, .none): return true
            case (.none, .some): return false
            case (.none, .none): return a.uid < b.uid
            }
        }
        self.pods = pods
        var podIndex: [String: Int] = [:]
        for (index, pod) in pods.enumerated() { podIndex[pod.uid] = index }
        podIndexByUID = podIndex
    }

    /// The pod with UID `uid`.
    public func pod(uid: String) -> DiscoveredPod? { podIndexByUID[uid].map { pods[$0] } }

    /// The process with PID `pid`, if the scan saw it.
    /// (A binary search of `processes`: no PID dictionary to build, whose key type would
    /// cost `kspy exec` a runtime conformance search at start-up.)
    public func process(pid: Int32) -> ProcessRecord? {
        var low = 0
        var high = processes.count
        while low < high {
            let middle = (low + high) / 2
            if processes[middle].pid < pid { low = middle + 1 } else { high = middle }
        }
        return low < processes.count && processes[low].pid == pid ? processes[low] : nil
    }

    // MARK: - Assembly

    private static func assemble(uid: String, processes: [ProcessRecord], metadata: RuntimeMetadataIndex)
        -> DiscoveredPod
    {
        // Processes are ascending by PID, so each container's list is too.
        var byContainer: [String: [ProcessRecord]] = [:]
        var containerOrder: [String] = []
        var podLevel: [Int32] = []
        for process in processes {
            guard let id = process.attribution?.containerID else {
                podLevel.append(process.pid)
                continue
            }
            if byContainer[id] == nil { containerOrder.append(id) }
            byContainer[id, default: []].append(process)
        }
        var sandbox: DiscoveredContainer?
        var containers: [DiscoveredContainer] = []
        var runtime = ContainerRuntimeKind.unknown
        for id in containerOrder {
            let members = byContainer[id] ?? []
            let record = metadata.container(id: id)
            let pids = members.map(\.pid)
            let pidSet = Set(pids)
            let initPID = members.first { !pidSet.contains($0.ppid) }?.pid ?? pids.first
            // Metadata marks the sandbox (§4); without metadata, a container whose
            // processes are all `pause` is taken as the sandbox (a kernel fact, no name).
            let isSandbox = record?.isSandbox ?? members.allSatisfy { $0.comm == "pause" }
            let hint = members.first?.attribution?.runtimeHint ?? .unknown
            let kind = record?.runtime ?? hint
            if runtime == .unknown { runtime = kind }
            let container = DiscoveredContainer(
                id: id, name: isSandbox ? nil : record?.containerName, isSandbox: isSandbox, runtime: kind,
                cgroupPath: members.first?.attribution?.containerCgroupPath, pids: pids, initPID: initPID)
            if isSandbox && sandbox == nil { sandbox = container } else { containers.append(container) }
        }
        // Containers the metadata records for this pod that have no process now.
        let seen = Set(containerOrder)
        for record in metadata.containers(inPod: uid) where !seen.contains(record.containerID) {
            if record.isSandbox { continue }
            containers.append(
                DiscoveredContainer(
                    id: record.containerID, name: record.containerName, isSandbox: false, runtime: record.runtime,
                    cgroupPath: nil, pids: [], initPID: nil))
        }
        containers.sort { ($0.name == nil ? 1 : 0, $0.name ?? "", $0.id) < ($1.name == nil ? 1 : 0, $1.name ?? "", $1.id) }
        let first = processes[0]
        let attribution = first.attribution
        let podRecords = metadata.containers(inPod: uid)
        let identity = metadata.pod(uid: uid)
        let isStaticByManifest = identity.map { metadata.staticPods.contains("\($0.namespace)/\($0.name)") } ?? false
        return DiscoveredPod(
            uid: uid, identity: identity, qosClass: attribution?.qosClass ?? .bestEffort,
            driver: attribution?.driver ?? .cgroupfs, runtime: runtime, cgroupPath: attribution?.podCgroupPath ?? "/",
            cgroupVersion: first.classifiedCgroup?.isUnified == true ? .v2 : .v1, sandbox: sandbox,
            containers: containers, podLevelPIDs: podLevel,
            configSource: podRecords.lazy.compactMap(\.configSource).first ?? (isStaticByManifest ? "file" : nil))
    }
}
