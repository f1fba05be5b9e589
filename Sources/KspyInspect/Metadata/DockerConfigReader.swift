import KspyKernel

/// Reads Docker's per-container `config.v2.json` under `/var/lib/docker/containers/<id>/`
/// for pods run through cri-dockerd (runtimes.md §3.3). Labels used (`Config.Labels`):
/// `io.kubernetes.docker.type` (`podsandbox`/`container`), `io.kubernetes.sandbox.id`,
/// `io.kubernetes.pod.name`, `.namespace`, `.uid` and `io.kubernetes.container.name`.
/// Containers without these labels (standalone Docker) are reported without pod fields.
public struct DockerConfigReader: Sendable {
    /// The directory standing for the host's `/`.
    public var hostRoot: String
    /// Docker's data root (host path).
    public var dataRoot: String

    /// A reader of the configs under `hostRoot` (default: the real host).
    public init(hostRoot: String = "/", dataRoot: String = "/var/lib/docker") {
        self.hostRoot = hostRoot
        self.dataRoot = dataRoot
    }

    /// All containers found; a missing data root gives nothing and a missing or malformed
    /// `config.v2.json` is skipped.
    /// - Throws: `KernelError` only when the containers directory exists but cannot be listed.
    public func read() throws(KernelError) -> [ContainerMetadata] {
        let files = HostFiles(hostRoot: hostRoot)
        let containers = files.path(dataRoot + "/containers")
        var result: [ContainerMetadata] = []
        for id in try files.list(containers) {
            // `Config.Labels` (an object of strings) of Docker's container record.
            guard let config = files.json(at: containers + "/" + id + "/config.v2.json") else { continue }
            result.append(Self.metadata(id: id, labels: config["Config"]?["Labels"]?.stringMap ?? [:]))
        }
        return result
    }

    /// cri-dockerd copies kubelet's pod annotations into labels prefixed `annotation.`.
    private static let configSourceLabel = "annotation.kubernetes.io/config.source"

    /// The metadata the labels of container `id` describe.
    static func metadata(id: String, labels: [String: String]) -> ContainerMetadata {
        func label(_ key: String) -> String? { labels["io.kubernetes." + key].flatMap(nonEmpty) }
        let isSandbox = label("docker.type") == "podsandbox"
        return ContainerMetadata(
            containerID: id, isSandbox: isSandbox, sandboxID: label("sandbox.id") ?? (isSandbox ? id : nil),
            podName: label("pod.name"), podNamespace: label("pod.namespace"), podUID: label("pod.uid"),
            containerName: isSandbox ? nil : label("container.name"), runtime: .docker,
            configSource: labels[configSourceLabel].flatMap(nonEmpty))
    }
}
