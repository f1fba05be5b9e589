import KspyKernel

/// Reads kspy's own test-pod state, `<state dir>/pods/<uid>/pod.json` (default state
/// dir `/run/kspy`), as the metadata of a runtime: the sandbox (pause) and the current
/// container of every test pod, with the pod's names. Only the keys discovery needs are
/// decoded (`uid`, `name`, `namespace`, `sandboxID`, `containers[].name`/`.id`/
/// `.cgroupPath`, `pauseCgroupPath`, `annotations`), so Inspect does not depend on the
/// Runtime module that writes them.
public struct KspyStateReader: Sendable {
    /// The directory standing for the host's `/`.
    public var hostRoot: String
    /// kspy state directories to search (host paths).
    public var stateDirectories: [String]

    /// The default state directory of `kspy testpod`.
    public static let defaultStateDirectory = "/run/kspy"

    /// A reader of the state under `hostRoot` (default: the real host).
    public init(hostRoot: String = "/", stateDirectories: [String] = [KspyStateReader.defaultStateDirectory]) {
        self.hostRoot = hostRoot
        self.stateDirectories = stateDirectories
    }

    /// The keys of `pod.json` discovery reads; nil when one is missing or of another type.
    private struct PodFile {
        var uid: String
        var name: String
        var namespace: String
        var sandboxID: String
        var containers: [(name: String, id: String, cgroupPath: String?)]
        var pauseCgroupPath: String?
        var annotations: [String: String]?

        init?(_ json: MetadataJSON) {
            guard let uid = json["uid"]?.string, let name = json["name"]?.string,
                let namespace = json["namespace"]?.string, let sandboxID = json["sandboxID"]?.string,
                let list = json["containers"]?.array
            else { return nil }
            var containers: [(name: String, id: String, cgroupPath: String?)] = []
            for entry in list {
                guard let name = entry["name"]?.string, let id = entry["id"]?.string else { return nil }
                containers.append((name, id, entry["cgroupPath"]?.string))
            }
            var annotations: [String: String]?
            if let value = json["annotations"], value != .null {
                guard let map = value.stringMap else { return nil }
                annotations = map
            }
            self.uid = uid
            self.name = name
            self.namespace = namespace
            self.sandboxID = sandboxID
            self.containers = containers
            pauseCgroupPath = json["pauseCgroupPath"]?.string
            self.annotations = annotations
        }
    }

    /// The sandbox and containers of every test pod found; a missing state directory
    /// gives nothing and a missing or malformed `pod.json` is skipped.
    /// - Throws: `KernelError` only when a `pods` directory exists but cannot be listed.
    public func read() throws(KernelError) -> [ContainerMetadata] {
        let files = HostFiles(hostRoot: hostRoot)
        var result: [ContainerMetadata] = []
        for state in stateDirectories {
            let pods = files.path(state + "/pods")
            for uid in try files.list(pods) {
                guard let json = files.json(at: pods + "/" + uid + "/pod.json"), let pod = PodFile(json) else { continue }
                let source = pod.annotations?[configSourceAnnotation]
                func record(_ id: String, container: String?, cgroupPath: String?) -> ContainerMetadata {
                    ContainerMetadata(
                        containerID: id, isSandbox: container == nil, sandboxID: pod.sandboxID, podName: pod.name,
                        podNamespace: pod.namespace, podUID: pod.uid, containerName: container, runtime: .kspy,
                        configSource: source, cgroupPath: cgroupPath)
                }
                result.append(record(pod.sandboxID, container: nil, cgroupPath: pod.pauseCgroupPath))
                result += pod.containers.map { record($0.id, container: $0.name, cgroupPath: $0.cgroupPath) }
            }
        }
        return result
    }
}
