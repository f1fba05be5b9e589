import Foundation
import KspyKernel

/// Reads the OCI specs CRI-O writes for every sandbox and container, at
/// `/run/containers/storage/overlay-containers/<id>/userdata/config.json` (the bundle)
/// and `/var/lib/containers/storage/overlay-containers/<id>/userdata/config.json`
/// (persistent copy), runtimes.md §3.2. Annotations used:
/// `io.kubernetes.cri-o.ContainerType` (`sandbox`/`container`), `SandboxID`, `KubeName`
/// (pod name), `Namespace`, and `Labels`, a JSON map with `io.kubernetes.pod.uid`,
/// `io.kubernetes.container.name` (and `io.kubernetes.pod.name`/`.namespace`).
/// Podman keeps its containers in the same directories (§3.4): a spec without any
/// CRI-O annotation is reported as a Podman container without pod fields.
public struct CRIOConfigReader: Sendable {
    /// The directory standing for the host's `/`.
    public var hostRoot: String
    /// containers/storage run and graph roots to search (host paths).
    public var storageDirectories: [String]

    /// A reader of the specs under `hostRoot` (default: the real host).
    public init(
        hostRoot: String = "/",
        storageDirectories: [String] = ["/run/containers/storage", "/var/lib/containers/storage"]
    ) {
        self.hostRoot = hostRoot
        self.storageDirectories = storageDirectories
    }

    /// All specs found, one record per container ID (the /run and /var/lib copies are
    /// merged); missing directories give nothing, a missing or malformed spec is skipped.
    /// - Throws: `KernelError` only when a storage directory exists but cannot be listed.
    public func read() throws(KernelError) -> [ContainerMetadata] {
        let files = HostFiles(hostRoot: hostRoot)
        var byID: [String: ContainerMetadata] = [:]
        var order: [String] = []
        for storage in storageDirectories {
            let containers = files.path(storage + "/overlay-containers")
            for id in try files.list(containers) {
                let specPath = containers + "/" + id + "/userdata/config.json"
                guard let spec = files.json(at: specPath) else { continue }
                var metadata = Self.metadata(id: id, annotations: spec["annotations"]?.stringMap ?? [:])
                metadata.cgroupPath = OCICgroupsPath.cgroupPath(ofSpec: spec)
                if let existing = byID[id] {
                    byID[id] = existing.filling(from: metadata)
                } else {
                    byID[id] = metadata
                    order.append(id)
                }
            }
        }
        return order.compactMap { byID[$0] }
    }

    private static let prefix = "io.kubernetes.cri-o."

    /// The metadata the annotations of container `id` describe.
    static func metadata(id: String, annotations: [String: String]) -> ContainerMetadata {
        guard annotations.keys.contains(where: { $0.hasPrefix(prefix) }) else {
            return ContainerMetadata(containerID: id, isSandbox: false, runtime: .podman)
        }
        func value(_ key: String) -> String? { annotations[prefix + key].flatMap(nonEmpty) }
        let labels = value("Labels").flatMap(decodeLabels) ?? [:]
        func label(_ key: String) -> String? { labels["io.kubernetes." + key].flatMap(nonEmpty) }
        let isSandbox = value("ContainerType") == "sandbox"
        let podAnnotations = value("Annotations").flatMap(decodeLabels) ?? [:]
        return ContainerMetadata(
            containerID: id, isSandbox: isSandbox, sandboxID: value("SandboxID") ?? (isSandbox ? id : nil),
            podName: value("KubeName") ?? label("pod.name"), podNamespace: value("Namespace") ?? label("pod.namespace"),
            podUID: label("pod.uid"), containerName: isSandbox ? nil : label("container.name"), runtime: .crio,
            configSource: podAnnotations[configSourceAnnotation].flatMap(nonEmpty))
    }

    /// The `Labels` and `Annotations` annotations: JSON objects of strings; nil when malformed.
    private static func decodeLabels(_ text: String) -> [String: String]? {
        MetadataJSON.parse(text)?.stringMap
    }
}
