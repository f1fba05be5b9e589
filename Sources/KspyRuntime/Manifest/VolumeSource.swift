/// Where a pod volume's files come from: the two volume types kspy test pods support.
public enum VolumeSource: Codable, Equatable, Sendable {
    /// A directory that lives as long as the pod, empty at start. `sizeLimitBytes` is
    /// `emptyDir.sizeLimit` in bytes, when given.
    case emptyDir(medium: EmptyDirMedium, sizeLimitBytes: Int64?)
    /// A file or directory of the host (`path` is absolute). `type` is the Kubernetes
    /// hostPath type (`Directory`, `DirectoryOrCreate`, `File`, …), nil when not given.
    case hostPath(path: String, type: String?)
}
