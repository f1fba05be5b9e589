/// The result of `PodManifest.parse`: the validated, defaulted manifest and the fields
/// that were ignored.
public struct ParsedManifest: Equatable, Sendable {
    /// The manifest.
    public var manifest: PodManifest
    /// One line per ignored field, in document order, e.g.
    /// `spec.nodeSelector: not supported by kspy test pods; ignored`.
    public var warnings: [String]

    /// Memberwise initialiser.
    public init(manifest: PodManifest, warnings: [String]) {
        self.manifest = manifest
        self.warnings = warnings
    }
}
