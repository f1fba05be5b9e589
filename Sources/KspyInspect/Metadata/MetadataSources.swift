/// Where the runtimes keep the on-disk metadata discovery reads (runtimes.md §3), all
/// as host paths below `hostRoot`. The defaults are the stock locations; containerd's
/// state root is also found from the live process tree (`ContainerdShimLocator`), so
/// overrides are needed only for offline use or unusual nodes.
public struct MetadataSources: Sendable, Equatable {
    /// The directory standing for the host's `/` (`/host` in a debug pod).
    public var hostRoot: String
    /// containerd state roots (`/run/containerd`; k3s and rke2 `/run/k3s/containerd`).
    public var containerdStateDirectories: [String]
    /// containerd state roots as absolute paths of the reader (not under `hostRoot`):
    /// those found through a shim's `/proc/<pid>/root` (`ContainerdShimLocator`).
    public var containerdReachableStateDirectories: [String] = []
    /// containers/storage run and graph roots (CRI-O, Podman).
    public var containersStorageDirectories: [String]
    /// Docker's data root.
    public var dockerDataRoot: String
    /// kspy test-pod state directories.
    public var kspyStateDirectories: [String]
    /// kubelet's pod log directory.
    public var podLogDirectory: String
    /// kubelet's static pod manifest directory (`staticPodPath`).
    public var staticPodDirectory: String

    /// The stock locations under `hostRoot`.
    public init(
        hostRoot: String = "/",
        containerdStateDirectories: [String] = ["/run/containerd", "/run/k3s/containerd"],
        containersStorageDirectories: [String] = ["/run/containers/storage", "/var/lib/containers/storage"],
        dockerDataRoot: String = "/var/lib/docker",
        kspyStateDirectories: [String] = [KspyStateReader.defaultStateDirectory],
        podLogDirectory: String = "/var/log/pods",
        staticPodDirectory: String = "/etc/kubernetes/manifests"
    ) {
        self.hostRoot = hostRoot
        self.containerdStateDirectories = containerdStateDirectories
        self.containersStorageDirectories = containersStorageDirectories
        self.dockerDataRoot = dockerDataRoot
        self.kspyStateDirectories = kspyStateDirectories
        self.podLogDirectory = podLogDirectory
        self.staticPodDirectory = staticPodDirectory
    }

    /// One line naming every place searched, for "not found" messages.
    public var summary: String {
        var parts = ["/proc (cgroup paths)"]
        parts.append("containerd " + (containerdStateDirectories + containerdReachableStateDirectories).joined(separator: ","))
        parts.append("CRI-O/Podman " + containersStorageDirectories.joined(separator: ","))
        parts.append("Docker " + dockerDataRoot)
        parts.append("kspy test pods " + kspyStateDirectories.joined(separator: ","))
        parts.append("kubelet " + podLogDirectory + "," + staticPodDirectory)
        let root = hostRoot == "/" ? "" : " under " + hostRoot
        return parts.joined(separator: "; ") + root
    }
}
