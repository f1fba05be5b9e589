import KspyKernel

/// Reads containerd's CRI OCI bundles, one per sandbox and container:
/// `<state>/io.containerd.runtime.v2.task/k8s.io/<id>/config.json`, whose annotations
/// carry `io.kubernetes.cri.container-type` (`sandbox`/`container`), `sandbox-id`,
/// `sandbox-name`, `sandbox-namespace`, `sandbox-uid` and `container-name`
/// (runtimes.md §3.1; containerd `internal/cri/annotations`). The state root is
/// configurable; the defaults cover stock containerd and k3s/rke2.
public struct ContainerdBundleReader: Sendable {
    /// The directory standing for the host's `/`.
    public var hostRoot: String
    /// containerd state roots to search (host paths).
    public var stateDirectories: [String]

    /// A reader of the bundles under `hostRoot` (default: the real host).
    public init(hostRoot: String = "/", stateDirectories: [String] = ["/run/containerd", "/run/k3s/containerd"]) {
        self.hostRoot = hostRoot
        self.stateDirectories = stateDirectories
    }

    /// All bundles found; missing state roots give nothing and a bundle whose
    /// `config.json` is missing or malformed is skipped.
    /// - Throws: `KernelError` only when a task directory exists but cannot be listed.
    public func read() throws(KernelError) -> [ContainerMetadata] {
        let files = HostFiles(hostRoot: hostRoot)
        var result: [ContainerMetadata] = []
        for state in stateDirectories {
            let tasks = files.path(state + "/io.containerd.runtime.v2.task/k8s.io")
            for id in try files.list(tasks) {
                // The OCI spec's `annotations` (an object of strings) and `linux.cgroupsPath`.
                guard let spec = files.json(at: tasks + "/" + id + "/config.json") else { continue }
                var metadata = Self.metadata(id: id, annotations: spec["annotations"]?.stringMap ?? [:])
                metadata.cgroupPath = OCICgroupsPath.cgroupPath(ofSpec: spec)
                result.append(metadata)
            }
        }
        return result
    }

    /// The metadata the annotations of bundle `id` describe.
    static func metadata(id: String, annotations: [String: String]) -> ContainerMetadata {
        func value(_ key: String) -> String? { annotations["io.kubernetes.cri." + key].flatMap(nonEmpty) }
        let isSandbox = value("container-type") == "sandbox"
        return ContainerMetadata(
            containerID: id, isSandbox: isSandbox, sandboxID: value("sandbox-id") ?? (isSandbox ? id : nil),
            podName: value("sandbox-name"), podNamespace: value("sandbox-namespace"), podUID: value("sandbox-uid"),
            containerName: isSandbox ? nil : value("container-name"), runtime: .containerd,
            configSource: annotations[configSourceAnnotation].flatMap(nonEmpty))
    }
}

/// Kubelet's pod annotation naming where a pod came from (`file` for static pods);
/// runtimes pass pod annotations into specs under this key when configured to.
let configSourceAnnotation = "kubernetes.io/config.source"

/// `text` unless it is empty.
func nonEmpty(_ text: String) -> String? { text.isEmpty ? nil : text }
