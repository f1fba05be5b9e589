import Yams

/// The document, `metadata` and `spec` of a Pod.
extension ManifestReader {
    private static let rootFields: Set<String> = ["apiVersion", "kind", "metadata", "spec"]
    private static let metadataFields: Set<String> = ["name", "namespace", "uid", "labels", "annotations"]
    private static let specFields: Set<String> = [
        "hostname", "hostNetwork", "restartPolicy", "shareProcessNamespace", "terminationGracePeriodSeconds",
        "volumes", "containers",
    ]

    /// Parses, validates and defaults a whole manifest.
    mutating func readPod(_ text: String) throws(ManifestError) -> PodManifest {
        let parsed: Node?
        do {
            parsed = try Yams.compose(yaml: text)
        } catch {
            throw ManifestError(field: "manifest", reason: Self.oneLine(error))
        }
        guard let root = parsed, !Self.isNull(root) else {
            throw ManifestError(field: "manifest", reason: "empty document")
        }
        guard case .mapping = root else {
            throw ManifestError(field: "manifest", reason: "expected a mapping (a Pod object)")
        }
        let document = try fields(root, at: "", known: Self.rootFields)
        if let node = document["apiVersion"] {
            let apiVersion = try string(node, at: "apiVersion")
            guard apiVersion == "v1" else {
                throw ManifestError(field: "apiVersion", reason: "\(Self.quoted(apiVersion)) must be v1")
            }
        }
        if let node = document["kind"] {
            let kind = try string(node, at: "kind")
            guard kind == "Pod" else {
                throw ManifestError(field: "kind", reason: "\(Self.quoted(kind)) must be Pod")
            }
        }

        var pod = PodManifest(name: "", containers: [])
        try readMetadata(document["metadata"], into: &pod)
        try readSpec(document["spec"], into: &pod)
        return pod
    }

    /// `metadata`.
    private mutating func readMetadata(_ node: Node?, into pod: inout PodManifest) throws(ManifestError) {
        guard let node else { throw ManifestError(field: "metadata.name", reason: "required") }
        let metadata = try fields(node, at: "metadata", known: Self.metadataFields)

        var name = ""
        if let node = metadata["name"] { name = try string(node, at: "metadata.name") }
        guard !name.isEmpty else { throw ManifestError(field: "metadata.name", reason: "required") }
        guard ManifestNames.isDNS1123Subdomain(name) else {
            throw ManifestError(field: "metadata.name", reason: "\(Self.quoted(name)) \(ManifestNames.subdomainRule)")
        }
        pod.name = name

        if let node = metadata["namespace"] {
            let namespace = try string(node, at: "metadata.namespace")
            if !namespace.isEmpty {
                guard ManifestNames.isDNS1123Label(namespace) else {
                    throw ManifestError(
                        field: "metadata.namespace", reason: "\(Self.quoted(namespace)) \(ManifestNames.labelRule)")
                }
                pod.namespace = namespace
            }
        }
        if let node = metadata["uid"] {
            let uid = try string(node, at: "metadata.uid")
            guard ManifestNames.isPodUID(uid) else {
                throw ManifestError(
                    field: "metadata.uid",
                    reason:
                        "\(Self.quoted(uid)) must be 1 to 64 characters of a-z, 0-9 and '-' (it becomes part of cgroup paths)"
                )
            }
            pod.uid = uid
        }
        if let node = metadata["labels"] {
            pod.labels = try stringMap(node, at: "metadata.labels", labelValues: true)
        }
        if let node = metadata["annotations"] {
            pod.annotations = try stringMap(node, at: "metadata.annotations", labelValues: false)
        }
    }

    /// `spec`.
    private mutating func readSpec(_ node: Node?, into pod: inout PodManifest) throws(ManifestError) {
        guard let node else { throw ManifestError(field: "spec.containers", reason: "required") }
        let spec = try fields(node, at: "spec", known: Self.specFields)

        if let node = spec["hostname"] {
            let hostname = try string(node, at: "spec.hostname")
            if !hostname.isEmpty {
                guard ManifestNames.isDNS1123Label(hostname) else {
                    throw ManifestError(
                        field: "spec.hostname", reason: "\(Self.quoted(hostname)) \(ManifestNames.labelRule)")
                }
                pod.hostname = hostname
            }
        }
        if let node = spec["hostNetwork"] { pod.hostNetwork = try bool(node, at: "spec.hostNetwork") }
        if let node = spec["restartPolicy"] {
            let text = try string(node, at: "spec.restartPolicy")
            if !text.isEmpty {
                guard let policy = RestartPolicy(rawValue: text) else {
                    throw ManifestError(
                        field: "spec.restartPolicy",
                        reason: "\(Self.quoted(text)) is not one of Always, OnFailure, Never")
                }
                pod.restartPolicy = policy
            }
        }
        if let node = spec["shareProcessNamespace"] {
            pod.shareProcessNamespace = try bool(node, at: "spec.shareProcessNamespace")
        }
        if let node = spec["terminationGracePeriodSeconds"] {
            let seconds = try int(node, at: "spec.terminationGracePeriodSeconds")
            guard seconds >= 0 else {
                throw ManifestError(
                    field: "spec.terminationGracePeriodSeconds", reason: "\(seconds) must be greater than or equal to 0"
                )
            }
            pod.terminationGracePeriodSeconds = seconds
        }
        if let node = spec["volumes"] {
            pod.volumes = try readVolumes(node, at: "spec.volumes")
        }

        guard let containersNode = spec["containers"] else {
            throw ManifestError(field: "spec.containers", reason: "required")
        }
        let items = try sequence(containersNode, at: "spec.containers")
        guard !items.isEmpty else {
            throw ManifestError(field: "spec.containers", reason: "must have at least one container")
        }
        let volumeNames = Set(pod.volumes.map(\.name))
        for (index, item) in items.enumerated() {
            let container = try readContainer(
                item, at: "spec.containers[\(index)]", volumeNames: volumeNames,
                takenNames: Set(pod.containers.map(\.name)))
            pod.containers.append(container)
        }
    }
}
