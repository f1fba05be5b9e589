import Yams

/// One entry of `spec.containers` and its parts.
extension ManifestReader {
    private static let containerFields: Set<String> = [
        "name", "image", "command", "args", "env", "workingDir", "resources", "volumeMounts", "securityContext",
    ]
    private static let envFields: Set<String> = ["name", "value", "valueFrom"]
    private static let resourcesFields: Set<String> = ["requests", "limits"]
    private static let volumeMountFields: Set<String> = ["name", "mountPath", "readOnly", "subPath"]
    private static let securityFields: Set<String> = ["runAsUser", "runAsGroup", "readOnlyRootFilesystem"]

    /// A container at `path`; its volume mounts must name one of `volumeNames`, its name
    /// must not be one of `takenNames`.
    mutating func readContainer(
        _ node: Node, at path: String, volumeNames: Set<String>, takenNames: Set<String>
    ) throws(ManifestError) -> ContainerSpec {
        let container = try fields(node, at: path, known: Self.containerFields)

        var name = ""
        if let node = container["name"] { name = try string(node, at: container.path("name")) }
        guard !name.isEmpty else { throw ManifestError(field: container.path("name"), reason: "required") }
        guard ManifestNames.isDNS1123Label(name) else {
            throw ManifestError(
                field: container.path("name"), reason: "\(Self.quoted(name)) \(ManifestNames.labelRule)")
        }
        guard !takenNames.contains(name) else {
            throw ManifestError(field: container.path("name"), reason: "\(Self.quoted(name)) is a duplicate")
        }

        var image = ""
        if let node = container["image"] { image = try string(node, at: container.path("image")) }
        guard !image.isEmpty else { throw ManifestError(field: container.path("image"), reason: "required") }
        guard ManifestNames.isAbsolutePath(image) else {
            throw ManifestError(
                field: container.path("image"),
                reason: "\(Self.quoted(image)) must be an absolute path (kspy runs images from local directories)")
        }

        var spec = ContainerSpec(name: name, image: image)
        if let node = container["command"] { spec.command = try stringList(node, at: container.path("command")) }
        if let node = container["args"] { spec.args = try stringList(node, at: container.path("args")) }
        if let node = container["env"] { spec.env = try readEnv(node, at: container.path("env")) }
        if let node = container["workingDir"] {
            let workingDir = try string(node, at: container.path("workingDir"))
            if !workingDir.isEmpty {
                guard ManifestNames.isAbsolutePath(workingDir) else {
                    throw ManifestError(
                        field: container.path("workingDir"),
                        reason: "\(Self.quoted(workingDir)) must be an absolute path")
                }
                spec.workingDir = workingDir
            }
        }
        if let node = container["resources"] {
            spec.resources = try readResources(node, at: container.path("resources"))
        }
        if let node = container["volumeMounts"] {
            spec.volumeMounts = try readVolumeMounts(
                node, at: container.path("volumeMounts"), volumeNames: volumeNames)
        }
        if let node = container["securityContext"] {
            spec.securityContext = try readSecurityContext(node, at: container.path("securityContext"))
        }
        return spec
    }

    /// `env`: literal values only; an entry with only `valueFrom` is left out with a
    /// warning.
    private mutating func readEnv(_ node: Node, at path: String) throws(ManifestError) -> [EnvVar] {
        var result: [EnvVar] = []
        for (index, item) in try sequence(node, at: path).enumerated() {
            let entry = try fields(item, at: "\(path)[\(index)]", known: Self.envFields)
            var name = ""
            if let node = entry["name"] { name = try string(node, at: entry.path("name")) }
            guard !name.isEmpty else { throw ManifestError(field: entry.path("name"), reason: "required") }
            guard name.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7f && $0 != UInt8(ascii: "=") }) else {
                throw ManifestError(
                    field: entry.path("name"),
                    reason: "\(Self.quoted(name)) must consist of printable ASCII characters other than '='")
            }
            var value = ""
            if let node = entry["value"] { value = try string(node, at: entry.path("value")) }
            if entry["valueFrom"] != nil {
                guard value.isEmpty else {
                    throw ManifestError(
                        field: entry.path("valueFrom"), reason: "may not be specified when value is not empty")
                }
                warnUnsupported(entry.path("valueFrom"), at: entry.mark("valueFrom"))
                continue
            }
            result.append(EnvVar(name: name, value: value))
        }
        return result
    }

    /// `resources`: cpu and memory requests and limits, requests defaulted from limits,
    /// each request at most its limit.
    private mutating func readResources(_ node: Node, at path: String) throws(ManifestError) -> ResourceRequirements {
        let resources = try fields(node, at: path, known: Self.resourcesFields)
        var result = ResourceRequirements()
        if let node = resources["requests"] {
            result.requests = try readResourceList(node, at: resources.path("requests"))
        }
        if let node = resources["limits"] {
            result.limits = try readResourceList(node, at: resources.path("limits"))
        }
        // Kubernetes defaulting: a limit without a request is also the request.
        if result.requests.cpu == nil { result.requests.cpu = result.limits.cpu }
        if result.requests.memory == nil { result.requests.memory = result.limits.memory }

        let pairs: [(name: String, request: Quantity?, limit: Quantity?)] = [
            ("cpu", result.requests.cpu, result.limits.cpu),
            ("memory", result.requests.memory, result.limits.memory),
        ]
        for pair in pairs {
            if let request = pair.request, let limit = pair.limit, request > limit {
                throw ManifestError(
                    field: "\(path).requests.\(pair.name)",
                    reason:
                        "\(Self.quoted(request.string)) must be less than or equal to \(pair.name) limit \(Self.quoted(limit.string))"
                )
            }
        }
        return result
    }

    /// `requests` or `limits`: cpu and memory, other resources warned about.
    private mutating func readResourceList(_ node: Node, at path: String) throws(ManifestError) -> ResourceList {
        let list = try fields(node, at: path, known: ["cpu", "memory"])
        var result = ResourceList()
        if let node = list["cpu"] { result.cpu = try nonNegativeQuantity(node, at: list.path("cpu")) }
        if let node = list["memory"] { result.memory = try nonNegativeQuantity(node, at: list.path("memory")) }
        return result
    }

    /// A quantity that must not be negative.
    func nonNegativeQuantity(_ node: Node, at path: String) throws(ManifestError) -> Quantity {
        let value = try quantity(node, at: path)
        guard !value.isNegative else {
            throw ManifestError(field: path, reason: "\(Self.quoted(value.string)) must be greater than or equal to 0")
        }
        return value
    }

    /// `volumeMounts`: each names a volume and has a unique absolute mount path.
    private mutating func readVolumeMounts(
        _ node: Node, at path: String, volumeNames: Set<String>
    ) throws(ManifestError) -> [VolumeMountSpec] {
        var result: [VolumeMountSpec] = []
        for (index, item) in try sequence(node, at: path).enumerated() {
            let entry = try fields(item, at: "\(path)[\(index)]", known: Self.volumeMountFields)
            var name = ""
            if let node = entry["name"] { name = try string(node, at: entry.path("name")) }
            guard !name.isEmpty else { throw ManifestError(field: entry.path("name"), reason: "required") }
            guard volumeNames.contains(name) else {
                throw ManifestError(
                    field: entry.path("name"), reason: "\(Self.quoted(name)) does not name a volume in spec.volumes")
            }
            var mountPath = ""
            if let node = entry["mountPath"] { mountPath = try string(node, at: entry.path("mountPath")) }
            guard !mountPath.isEmpty else { throw ManifestError(field: entry.path("mountPath"), reason: "required") }
            if let problem = ManifestNames.descendingAbsolutePathProblem(mountPath) {
                throw ManifestError(field: entry.path("mountPath"), reason: problem)
            }
            guard !result.contains(where: { $0.mountPath == mountPath }) else {
                throw ManifestError(field: entry.path("mountPath"), reason: "\(Self.quoted(mountPath)) is a duplicate")
            }
            var mount = VolumeMountSpec(name: name, mountPath: mountPath)
            if let node = entry["readOnly"] { mount.readOnly = try bool(node, at: entry.path("readOnly")) }
            if let node = entry["subPath"] {
                let subPath = try string(node, at: entry.path("subPath"))
                if !subPath.isEmpty {
                    if let problem = ManifestNames.relativePathProblem(subPath) {
                        throw ManifestError(field: entry.path("subPath"), reason: problem)
                    }
                    mount.subPath = subPath
                }
            }
            result.append(mount)
        }
        return result
    }

    /// `securityContext`: user and group IDs in Kubernetes' range, read-only root.
    private mutating func readSecurityContext(_ node: Node, at path: String) throws(ManifestError) -> ContainerSecurity
    {
        let context = try fields(node, at: path, known: Self.securityFields)
        var result = ContainerSecurity()
        if let node = context["runAsUser"] { result.runAsUser = try id(node, at: context.path("runAsUser")) }
        if let node = context["runAsGroup"] { result.runAsGroup = try id(node, at: context.path("runAsGroup")) }
        if let node = context["readOnlyRootFilesystem"] {
            result.readOnlyRootFilesystem = try bool(node, at: context.path("readOnlyRootFilesystem"))
        }
        return result
    }

    /// A user or group ID: 0 ... 2147483647, as Kubernetes validates them.
    private func id(_ node: Node, at path: String) throws(ManifestError) -> UInt32 {
        let value = try int(node, at: path)
        guard value >= 0, value <= Int(Int32.max), let id = UInt32(exactly: value) else {
            throw ManifestError(field: path, reason: "\(value) must be between 0 and 2147483647, inclusive")
        }
        return id
    }
}
