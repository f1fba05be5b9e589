/// One entry of a container's `volumeMounts`: where a pod volume appears in it.
public struct VolumeMountSpec: Codable, Equatable, Sendable {
    /// The name of a volume in `spec.volumes`.
    public var name: String
    /// The absolute path in the container.
    public var mountPath: String
    /// Mount read-only.
    public var readOnly: Bool
    /// A relative path inside the volume to mount instead of its root (no `..`), nil for
    /// the root.
    public var subPath: String?

    /// Memberwise initialiser.
    public init(name: String, mountPath: String, readOnly: Bool = false, subPath: String? = nil) {
        self.name = name
        self.mountPath = mountPath
        self.readOnly = readOnly
        self.subPath = subPath
    }
}
