import Yams

/// `spec.volumes`: emptyDir and hostPath volumes.
extension ManifestReader {
    private static let volumeFields: Set<String> = ["name", "emptyDir", "hostPath"]
    private static let emptyDirFields: Set<String> = ["medium", "sizeLimit"]
    private static let hostPathFields: Set<String> = ["path", "type"]
    /// Kubernetes' hostPath types ("" is "no check").
    private static let hostPathTypes = [
        "", "DirectoryOrCreate", "Directory", "FileOrCreate", "File", "Socket", "CharDevice", "BlockDevice",
    ]

    /// The volumes: unique DNS-1123 label names, each with exactly one supported source.
    mutating func readVolumes(_ node: Node, at path: String) throws(ManifestError) -> [VolumeSpec] {
        var result: [VolumeSpec] = []
        for (index, item) in try sequence(node, at: path).enumerated() {
            let volume = try fields(item, at: "\(path)[\(index)]", known: Self.volumeFields)
            var name = ""
            if let node = volume["name"] { name = try string(node, at: volume.path("name")) }
            guard !name.isEmpty else { throw ManifestError(field: volume.path("name"), reason: "required") }
            guard ManifestNames.isDNS1123Label(name) else {
                throw ManifestError(
                    field: volume.path("name"), reason: "\(Self.quoted(name)) \(ManifestNames.labelRule)")
            }
            guard !result.contains(where: { $0.name == name }) else {
                throw ManifestError(field: volume.path("name"), reason: "\(Self.quoted(name)) is a duplicate")
            }

            let source: VolumeSource
            switch (volume["emptyDir"], volume["hostPath"]) {
            case (let emptyDir?, nil):
                source = try readEmptyDir(emptyDir, at: volume.path("emptyDir"))
            case (nil, let hostPath?):
                source = try readHostPath(hostPath, at: volume.path("hostPath"))
            case (.some, .some):
                throw ManifestError(field: volume.path("hostPath"), reason: "may not specify more than 1 volume type")
            case (nil, nil):
                var reason = "must specify a volume type: emptyDir or hostPath"
                let others = volume.unknownKeys
                if !others.isEmpty {
                    reason += " (\(others.joined(separator: ", ")) not supported by kspy test pods)"
                }
                throw ManifestError(field: volume.path, reason: reason)
            }
            result.append(VolumeSpec(name: name, source: source))
        }
        return result
    }

    /// `emptyDir`: `medium` "" or Memory, `sizeLimit` a non-negative quantity.
    private mutating func readEmptyDir(_ node: Node, at path: String) throws(ManifestError) -> VolumeSource {
        let emptyDir = try fields(node, at: path, known: Self.emptyDirFields)
        var medium = EmptyDirMedium.disk
        if let node = emptyDir["medium"] {
            let text = try string(node, at: emptyDir.path("medium"))
            guard let value = EmptyDirMedium(rawValue: text) else {
                throw ManifestError(
                    field: emptyDir.path("medium"),
                    reason: "\(Self.quoted(text)) is not one of \"\", Memory (the media kspy test pods support)")
            }
            medium = value
        }
        var sizeLimit: Int64?
        if let node = emptyDir["sizeLimit"] {
            sizeLimit = try nonNegativeQuantity(node, at: emptyDir.path("sizeLimit")).value()
        }
        return .emptyDir(medium: medium, sizeLimitBytes: sizeLimit)
    }

    /// `hostPath`: an absolute `path` and an optional Kubernetes hostPath `type`.
    private mutating func readHostPath(_ node: Node, at path: String) throws(ManifestError) -> VolumeSource {
        let hostPath = try fields(node, at: path, known: Self.hostPathFields)
        var hostDirectory = ""
        if let node = hostPath["path"] { hostDirectory = try string(node, at: hostPath.path("path")) }
        guard !hostDirectory.isEmpty else { throw ManifestError(field: hostPath.path("path"), reason: "required") }
        if let problem = ManifestNames.descendingAbsolutePathProblem(hostDirectory) {
            throw ManifestError(field: hostPath.path("path"), reason: problem)
        }
        var type: String?
        if let node = hostPath["type"] {
            let text = try string(node, at: hostPath.path("type"))
            guard Self.hostPathTypes.contains(text) else {
                throw ManifestError(
                    field: hostPath.path("type"),
                    reason:
                        "\(Self.quoted(text)) is not one of \(Self.hostPathTypes.map { Self.quoted($0) }.joined(separator: ", "))"
                )
            }
            type = text
        }
        return .hostPath(path: hostDirectory, type: type)
    }
}
