import KspyKernel

/// Maps every process on the node to its pod and container (runtimes.md §1): scans
/// /proc, classifies each process's cgroup path, then names pods and containers from
/// the runtimes' on-disk metadata. The kernel is the first source of truth: a pod
/// exists here because processes sit in its cgroup, whatever the metadata says.
public struct NodeDiscovery: Sendable {
    /// Where procfs is mounted.
    public var procRoot: String
    /// Where runtime metadata lives.
    public var sources: MetadataSources
    /// Whether to read every process's namespaces (needed for `sharedWithPause` and
    /// `kspy ns`; `kspy ps` table output can do without).
    public var readsNamespaces: Bool
    /// Whether to add the containerd state roots found from the shims' working
    /// directories (`ContainerdShimLocator`), reached through the shims' roots, to
    /// `sources`.
    public var locatesShims: Bool

    /// A discovery over `procRoot` with metadata from `sources`.
    public init(
        procRoot: String = "/proc", sources: MetadataSources = MetadataSources(), readsNamespaces: Bool = true,
        locatesShims: Bool = true
    ) {
        self.procRoot = procRoot
        self.sources = sources
        self.readsNamespaces = readsNamespaces
        self.locatesShims = locatesShims
    }

    /// Scans the node once.
    /// - Throws: `KernelError` only when procfs cannot be listed.
    public func snapshot() throws(KernelError) -> NodeSnapshot {
        let processes = try ProcessTableScanner(procRoot: procRoot, readsNamespaces: readsNamespaces).scan()
        var sources = self.sources
        if locatesShims {
            sources.containerdReachableStateDirectories = ContainerdShimLocator.stateDirectories(
                processes: processes, procRoot: procRoot)
        }
        let metadata = RuntimeMetadataIndex.load(sources)
        return NodeSnapshot(processes: processes, metadata: metadata, sources: sources)
    }

    /// A snapshot of one pod: the processes `PodProcessLocator` finds in pod `uid`'s
    /// cgroup (none of the node's other processes; the cgroup the metadata records is
    /// tried first) with `metadata`. Nil when no process of the pod is found that way;
    /// a full `snapshot()` then decides.
    public func snapshot(ofPod uid: String, metadata: RuntimeMetadataIndex, system: CgroupSystem) -> NodeSnapshot? {
        let locator = PodProcessLocator(system: system, procRoot: procRoot)
        let processes = locator.processes(
            ofPod: uid, readsNamespaces: readsNamespaces, recordedCgroups: metadata.podCgroupPaths(ofPod: uid))
        let snapshot = NodeSnapshot(processes: processes, metadata: metadata, sources: sources)
        return snapshot.pod(uid: uid) == nil ? nil : snapshot
    }
}
