/// A Kubernetes Pod manifest (`apiVersion: v1`, `kind: Pod`), restricted to what kspy test
/// pods run, validated and defaulted the way the API server would.
public struct PodManifest: Codable, Equatable, Sendable {
    /// `metadata.name` (a DNS-1123 subdomain).
    public var name: String
    /// `metadata.namespace` (a DNS-1123 label, default `default`).
    public var namespace: String
    /// `metadata.uid`: 1 to 64 characters of `a-z`, `0-9`, `-`; nil when the manifest has
    /// none (the caller then generates one).
    public var uid: String?
    /// `metadata.labels`.
    public var labels: [String: String]
    /// `metadata.annotations` (kept, not acted on).
    public var annotations: [String: String]
    /// `spec.hostname` (a DNS-1123 label), nil for the pod name.
    public var hostname: String?
    /// `spec.hostNetwork`: use the host's network (and UTS) namespace.
    public var hostNetwork: Bool
    /// `spec.restartPolicy` (default `Always`).
    public var restartPolicy: RestartPolicy
    /// `spec.shareProcessNamespace`: one PID namespace for all containers.
    public var shareProcessNamespace: Bool
    /// `spec.terminationGracePeriodSeconds` (≥ 0, default 30).
    public var terminationGracePeriodSeconds: Int
    /// `spec.volumes`, in manifest order.
    public var volumes: [VolumeSpec]
    /// `spec.containers`, in manifest order (at least one).
    public var containers: [ContainerSpec]

    /// Memberwise initialiser with Kubernetes' defaults.
    public init(
        name: String, namespace: String = "default", uid: String? = nil, labels: [String: String] = [:],
        annotations: [String: String] = [:], hostname: String? = nil, hostNetwork: Bool = false,
        restartPolicy: RestartPolicy = .always, shareProcessNamespace: Bool = false,
        terminationGracePeriodSeconds: Int = 30, volumes: [VolumeSpec] = [], containers: [ContainerSpec]
    ) {
        self.name = name
        self.namespace = namespace
        self.uid = uid
        self.labels = labels
        self.annotations = annotations
        self.hostname = hostname
        self.hostNetwork = hostNetwork
        self.restartPolicy = restartPolicy
        self.shareProcessNamespace = shareProcessNamespace
        self.terminationGracePeriodSeconds = terminationGracePeriodSeconds
        self.volumes = volumes
        self.containers = containers
    }

    /// Parses a Pod manifest in YAML or JSON, validates it and applies Kubernetes'
    /// defaults (namespace, restart policy, grace period, requests from limits).
    ///
    /// Fields kspy does not support are ignored with a warning each; invalid values are
    /// errors naming the field.
    /// - Throws: `ManifestError`, e.g. `metadata.name: required`, or `manifest: …` for a
    ///   YAML syntax error or an empty document.
    public static func parse(_ text: String) throws(ManifestError) -> ParsedManifest {
        var reader = ManifestReader()
        let manifest = try reader.readPod(text)
        return ParsedManifest(manifest: manifest, warnings: reader.warnings)
    }
}
