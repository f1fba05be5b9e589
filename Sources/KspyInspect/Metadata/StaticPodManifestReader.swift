import Foundation
import KspyKernel
import Yams

/// Reads kubelet's static pod manifests (`staticPodPath`, kubeadm's
/// `/etc/kubernetes/manifests`, runtimes.md §3.5) and names the pods they create on this
/// node: kubelet runs a static pod under its manifest's namespace with the name
/// `<metadata.name>-<node name>` (the mirror pod's name). Pods with those names are
/// static, also when no runtime store carries the `kubernetes.io/config.source: file`
/// annotation.
public struct StaticPodManifestReader: Sendable {
    /// The directory standing for the host's `/`.
    public var hostRoot: String
    /// The manifest directory (host path).
    public var directory: String
    /// The node's name; nil: the host's hostname (`<hostRoot>/etc/hostname`, else
    /// uname), lower-cased as kubelet does by default.
    public var nodeName: String?

    /// A reader of the manifests under `hostRoot` (default: the real host).
    public init(hostRoot: String = "/", directory: String = "/etc/kubernetes/manifests", nodeName: String? = nil) {
        self.hostRoot = hostRoot
        self.directory = directory
        self.nodeName = nodeName
    }

    /// `namespace/name` of every static pod the manifests define on this node.
    /// Unreadable or malformed manifests are skipped; a missing directory gives none.
    /// - Throws: `KernelError` only when the directory exists but cannot be listed.
    public func read() throws(KernelError) -> Set<String> {
        let files = HostFiles(hostRoot: hostRoot)
        let manifests = files.path(directory)
        let names = try files.list(manifests).filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") || $0.hasSuffix(".json") }
        // Most nodes have no manifests: the node's name is read only when some exist.
        guard !names.isEmpty else { return [] }
        let node = nodeName ?? hostName(files)
        var result: Set<String> = []
        for name in names {
            guard let text = try? SystemFile.read(manifests + "/" + name),
                let document = (try? Yams.load(yaml: text)) as? [String: Any],
                let metadata = document["metadata"] as? [String: Any], let podName = metadata["name"] as? String
            else { continue }
            let namespace = metadata["namespace"] as? String ?? "default"
            result.insert("\(namespace)/\(podName)-\(node)")
        }
        return result
    }

    private func hostName(_ files: HostFiles) -> String {
        if let text = try? SystemFile.readTrimmed(files.path("/etc/hostname")), !text.isEmpty {
            return text.lowercased()
        }
        var buffer = [CChar](repeating: 0, count: 256)
        gethostname(&buffer, buffer.count)
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self).lowercased()
    }
}
