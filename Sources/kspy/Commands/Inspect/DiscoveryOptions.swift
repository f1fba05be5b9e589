import ArgumentParser
import Glibc
import KspyInspect
import KspyKernel

/// Options every discovery command shares: where the host's files are and where the
/// runtimes keep their metadata when it is not in the stock place.
struct DiscoveryOptions: ParsableArguments {
    @Option(help: "Directory holding the host's filesystem (e.g. /host in a debug pod).")
    var hostRoot: String = "/"

    @Option(help: ArgumentHelp("Extra containerd state root (repeatable; shims' bundles are also found from the process tree).", valueName: "dir"))
    var containerdState: [String] = []

    @Option(help: ArgumentHelp("kspy test-pod state directory (repeatable; default /run/kspy).", valueName: "dir"))
    var kspyState: [String] = []

    /// The same options as plain values (what `kspy exec`'s fast path also builds).
    var settings: DiscoverySettings {
        DiscoverySettings(hostRoot: hostRoot, containerdState: containerdState, kspyState: kspyState)
    }

    /// The metadata sources these options describe.
    var sources: MetadataSources { settings.sources }

    /// Scans the node, warning once on stderr when not root (what then is missing).
    func snapshot(readsNamespaces: Bool = true) throws -> NodeSnapshot {
        try settings.snapshot(readsNamespaces: readsNamespaces)
    }
}

/// Where the host's files and the runtimes' metadata are (`DiscoveryOptions` parsed),
/// and the node scan over them.
struct DiscoverySettings: Equatable {
    var hostRoot = "/"
    var containerdState: [String] = []
    var kspyState: [String] = []

    /// The metadata sources these settings describe.
    var sources: MetadataSources {
        var sources = MetadataSources(hostRoot: hostRoot)
        sources.containerdStateDirectories += containerdState.filter { !sources.containerdStateDirectories.contains($0) }
        if !kspyState.isEmpty { sources.kspyStateDirectories = kspyState }
        return sources
    }

    /// Scans the node, warning once on stderr when not root (what then is missing).
    func snapshot(readsNamespaces: Bool = true) throws -> NodeSnapshot {
        if geteuid() != 0 {
            Renderer.warn(
                "kspy: not running as root: other users' namespaces, runtime metadata under /run and pod networks need root; showing what can be read"
            )
        }
        joinHostCgroupNamespace()
        return try NodeDiscovery(sources: sources, readsNamespaces: readsNamespaces).snapshot()
    }

    /// A snapshot that holds at least the pod `reference` names: when the runtime
    /// metadata singles it out, only that pod's processes, found through its cgroup
    /// (`kspy exec` on a node of thousands of processes); otherwise a full scan. Also
    /// the cgroup layout, read on the way (nil when unreadable).
    func snapshot(forPod reference: String) throws -> (snapshot: NodeSnapshot, system: CgroupSystem?) {
        let system = try? CgroupSystem.current()
        guard geteuid() == 0 else { return (try snapshot(readsNamespaces: false), system) }
        let sources = self.sources
        joinHostCgroupNamespace()
        let metadata = RuntimeMetadataIndex.load(sources)
        if let uid = PodReference(reference).uid(in: metadata), let system,
            let snapshot = NodeDiscovery(sources: sources, readsNamespaces: false).snapshot(
                ofPod: uid, metadata: metadata, system: system)
        {
            return (snapshot, system)
        }
        return (try snapshot(readsNamespaces: false), system)
    }

    /// In a container with its own cgroup namespace, /proc/<pid>/cgroup shows other
    /// processes' paths relative to the container's cgroup (with `/..` components,
    /// cgroup_namespaces(7)); joining PID 1's cgroup namespace gives the node's view.
    /// setns(2) with CLONE_NEWCGROUP is allowed in a multithreaded process and moves
    /// only this (the scanning) thread. Nothing to do in the initial cgroup namespace,
    /// known by its fixed inode number.
    private func joinHostCgroupNamespace() {
        guard let own = try? NamespaceID.of(path: "/proc/self/ns/cgroup"),
            own.inode != NamespaceKind.cgroup.initialNamespaceInode,
            let host = try? NamespaceID.of(path: "/proc/1/ns/cgroup"), own != host
        else { return }
        do {
            try ThreadNamespace.join(.cgroup, path: "/proc/1/ns/cgroup")
        } catch {
            Renderer.warn("kspy: cannot join the host's cgroup namespace (\(error)); cgroup paths are relative to kspy's own")
        }
    }
}
