/// An invalid Pod manifest: the field and what is wrong with it. Its description is
/// `<field path>: <reason>`, e.g. `spec.restartPolicy: "Sometimes" is not one of Always,
/// OnFailure, Never`; YAML syntax errors have the path `manifest`.
public struct ManifestError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The field path, Kubernetes style (`spec.containers[0].resources.limits.memory`).
    public var field: String
    /// What is wrong, on one line.
    public var reason: String

    /// An error at `field`.
    public init(field: String, reason: String) {
        self.field = field
        self.reason = reason
    }

    /// `<field>: <reason>`.
    public var description: String { "\(field): \(reason)" }
}
