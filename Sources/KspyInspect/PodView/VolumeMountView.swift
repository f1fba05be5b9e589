/// One mount inside a container mapped back to where it comes from on the host: a
/// kubelet volume directory (`/var/lib/kubelet/pods/<uid>/volumes/<plugin>/<name>`,
/// runtimes.md §3.5), a subPath, a kubelet pod file, or a hostPath.
public struct VolumeMountView: Codable, Hashable, Sendable {
    /// Where it is mounted in the container.
    public var mountPath: String
    /// The host path it shows, found through the host's mount table; null when the
    /// source is not mounted on the host (e.g. a filesystem private to the container).
    public var hostPath: String?
    /// `emptyDir`, `configMap`, `secret`, `projected`, `downwardAPI`, `csi`, other
    /// plugin names, `subPath`, `etcHosts`, `terminationLog`, `runtime` (a runtime's
    /// own file such as resolv.conf), `hostPath`, or `unknown`.
    public var kind: String
    /// The pod volume's name, when the host path names it.
    public var volumeName: String?
    /// `Memory` for tmpfs-backed mounts (emptyDir `medium: Memory`, secrets).
    public var medium: String?
    /// The filesystem type.
    public var fsType: String
    /// True when mounted read-only.
    public var readOnly: Bool

    /// Creates a mount from its fields.
    public init(
        mountPath: String, hostPath: String?, kind: String, volumeName: String?, medium: String?, fsType: String,
        readOnly: Bool
    ) {
        self.mountPath = mountPath
        self.hostPath = hostPath
        self.kind = kind
        self.volumeName = volumeName
        self.medium = medium
        self.fsType = fsType
        self.readOnly = readOnly
    }

    /// Encodes every key, nil as null.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(mountPath, forKey: .mountPath)
        try c.encode(hostPath, forKey: .hostPath)
        try c.encode(kind, forKey: .kind)
        try c.encode(volumeName, forKey: .volumeName)
        try c.encode(medium, forKey: .medium)
        try c.encode(fsType, forKey: .fsType)
        try c.encode(readOnly, forKey: .readOnly)
    }
}
