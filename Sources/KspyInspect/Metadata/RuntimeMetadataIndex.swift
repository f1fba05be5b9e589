import KspyKernel

/// The runtimes' on-disk metadata combined (runtimes.md §1 step 5, §3): look up a
/// container by ID (from a cgroup leaf, `CgroupPathClassifier`) and a pod's names by
/// UID. Pod names come from container records that carry all of namespace, name and
/// UID, and from kubelet's `/var/log/pods` directories (§3.5). When no store knows an
/// ID, callers report the UID / ID and mark it unnamed (§1 step 5).
public struct RuntimeMetadataIndex: Sendable {
    /// Containers and sandboxes by container ID.
    public private(set) var containers: [String: ContainerMetadata] = [:]
    /// Pods by UID.
    public private(set) var pods: [String: PodIdentity] = [:]
    /// `namespace/name` of the static pods kubelet's manifest directory defines here.
    public var staticPods: Set<String> = []
    /// Stores that exist but could not be read (e.g. EACCES); their data is missing.
    public var problems: [KernelError] = []

    /// An index of the given records. A container ID seen twice keeps the first record,
    /// with missing fields filled from the later ones.
    public init(containers: [ContainerMetadata] = [], pods: [PodIdentity] = []) {
        for container in containers { add(container) }
        for pod in pods where self.pods[pod.uid] == nil { self.pods[pod.uid] = pod }
    }

    /// Reads every store of `sources`: containerd, CRI-O/Podman, Docker, kspy test
    /// pods, then kubelet's `/var/log/pods`. Missing stores are empty; a store that
    /// cannot be listed is recorded in `problems`.
    public static func load(_ sources: MetadataSources = MetadataSources()) -> RuntimeMetadataIndex {
        let root = sources.hostRoot
        var index = RuntimeMetadataIndex()
        func collect(_ read: @autoclosure () throws -> [ContainerMetadata]) {
            do {
                for container in try read() { index.add(container) }
            } catch let error as KernelError {
                index.problems.append(error)
            } catch {}
        }
        collect(try ContainerdBundleReader(hostRoot: root, stateDirectories: sources.containerdStateDirectories).read())
        if !sources.containerdReachableStateDirectories.isEmpty {
            collect(
                try ContainerdBundleReader(hostRoot: "/", stateDirectories: sources.containerdReachableStateDirectories)
                    .read())
        }
        collect(try CRIOConfigReader(hostRoot: root, storageDirectories: sources.containersStorageDirectories).read())
        collect(try DockerConfigReader(hostRoot: root, dataRoot: sources.dockerDataRoot).read())
        collect(try KspyStateReader(hostRoot: root, stateDirectories: sources.kspyStateDirectories).read())
        do {
            let logs = PodLogDirectoryReader(hostRoot: root, directory: sources.podLogDirectory)
            for pod in try logs.read() where index.pods[pod.uid] == nil { index.pods[pod.uid] = pod }
        } catch {
            index.problems.append(error)
        }
        do {
            index.staticPods = try StaticPodManifestReader(hostRoot: root, directory: sources.staticPodDirectory).read()
        } catch {
            index.problems.append(error)
        }
        return index
    }

    /// Reads every store at its stock location under `hostRoot`.
    public static func load(hostRoot: String) -> RuntimeMetadataIndex {
        load(MetadataSources(hostRoot: hostRoot))
    }

    /// Adds one record (merging with an existing record of the same ID) and the pod it names.
    public mutating func add(_ container: ContainerMetadata) {
        let merged = containers[container.containerID].map { $0.filling(from: container) } ?? container
        containers[container.containerID] = merged
        if let pod = merged.pod, pods[pod.uid] == nil { pods[pod.uid] = pod }
    }

    /// The record of container (or sandbox) `id`, if a store knows it.
    public func container(id: String) -> ContainerMetadata? { containers[id] }

    /// The namespace and name of pod `uid`, if any store names it.
    public func pod(uid: String) -> PodIdentity? { pods[uid] }

    /// The containers and sandboxes recorded for pod `uid`, sandboxes first, then by
    /// container name and ID.
    public func containers(inPod uid: String) -> [ContainerMetadata] {
        containers.values.filter { $0.podUID == uid }.sorted {
            ($0.isSandbox ? 0 : 1, $0.containerName ?? "", $0.containerID)
                < ($1.isSandbox ? 0 : 1, $1.containerName ?? "", $1.containerID)
        }
    }

    /// The pod cgroups the stores record for pod `uid`: the parents of its containers'
    /// and sandbox's cgroup paths, each once.
    public func podCgroupPaths(ofPod uid: String) -> [String] {
        var paths: [String] = []
        for container in containers(inPod: uid) {
            guard let path = container.cgroupPath, let slash = path.lastIndex(of: "/"), slash != path.startIndex
            else { continue }
            let parent = String(path[..<slash])
            if !paths.contains(parent) { paths.append(parent) }
        }
        return paths
    }

    /// The sandbox (pause) container of pod `uid` (§4), if a store marks one.
    public func sandbox(ofPod uid: String) -> ContainerMetadata? {
        containers(inPod: uid).first { $0.isSandbox }
    }
}
