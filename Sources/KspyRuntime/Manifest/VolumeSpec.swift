/// One entry of `spec.volumes`: a named volume containers can mount.
public struct VolumeSpec: Codable, Equatable, Sendable {
    /// The volume's name (a DNS-1123 label, unique in the pod).
    public var name: String
    /// What backs the volume.
    public var source: VolumeSource

    /// Memberwise initialiser.
    public init(name: String, source: VolumeSource) {
        self.name = name
        self.source = source
    }
}
