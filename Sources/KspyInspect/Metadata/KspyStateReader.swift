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

    /// The sandbox and the containers one `pod.json` describes, from the keys discovery
    /// reads; nil when one is missing or of another type. Records are built as the file
    /// is read (no intermediate list of tuples, whose metadata the runtime would have to
    /// build on kspy exec's path).
    private static func records(_ json: MetadataJSON) -> [ContainerMetadata]? {
        guard let uid = json["uid"]?.string, let name = json["name"]?.string,
            let namespace = json["namespace"]?.string, let sandboxID = json["sandboxID"]?.string,
            let list = json["containers"]?.array
        else { return nil }
        var configSource: String?
        if let value = json["annotations"], value != .null {
            guard let map = value.stringMap else { return nil }
            configSource = map[configSourceAnnotation]
        }
        func record(_ id: String, container: String?, cgroupPath: String?) -> ContainerMetadata {
            ContainerMetadata(
                containerID: id, isSandbox: container == nil, sandboxID: sandboxID, podName: name,
                podNamespace: namespace, podUID: uid, containerName: container, runtime: .kspy,
                configSource: configSource, cgroupPath: cgroupPath)
        }
        var records = [record(sandboxID, container: nil, cgroupPath: json["pauseCgroupPath"]?.string)]
        for entry in list {
            guard let container = entry["name"]?.string, let id = entry["id"]?.string else { return nil }
            records.append(record(id, container: container, cgroupPath: entry["cgroupPath"]?.string))
        }
        return records
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
                guard let json = files.json(at: pods + "/" + uid + "/pod.json"), let pod = Self.records(json)
                else { continue }
                result += pod
            }
        }
        return result
    }
}
