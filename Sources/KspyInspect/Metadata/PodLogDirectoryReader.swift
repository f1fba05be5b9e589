import KspyKernel

/// Reads kubelet's pod log directories `/var/log/pods/<namespace>_<name>_<uid>`
/// (runtimes.md §3.5, kubelet `BuildPodLogsDirectory`): runtime-independent names for
/// every pod the node runs. Namespace and pod names cannot contain `_`, so a name splits
/// into exactly three parts; other entries (very old kubelets' `/var/log/pods/<uid>/`)
/// are skipped.
public struct PodLogDirectoryReader: Sendable {
    /// The directory standing for the host's `/`.
    public var hostRoot: String
    /// The pod log directory (host path).
    public var directory: String

    /// A reader of the log directories under `hostRoot` (default: the real host).
    public init(hostRoot: String = "/", directory: String = "/var/log/pods") {
        self.hostRoot = hostRoot
        self.directory = directory
    }

    /// The pods named by the log directories; none when the directory is missing.
    /// - Throws: `KernelError` only when it exists but cannot be listed.
    public func read() throws(KernelError) -> [PodIdentity] {
        let files = HostFiles(hostRoot: hostRoot)
        return try files.list(files.path(directory)).compactMap(Self.pod(fromDirectoryName:))
    }

    /// The pod a directory name `<namespace>_<name>_<uid>` describes, else nil.
    public static func pod(fromDirectoryName name: String) -> PodIdentity? {
        let parts = name.split(separator: "_", omittingEmptySubsequences: false)
        guard parts.count == 3, parts.allSatisfy({ !$0.isEmpty }) else { return nil }
        return PodIdentity(namespace: String(parts[0]), name: String(parts[1]), uid: String(parts[2]))
    }
}
