/// What a process is on the node: part of a pod's sandbox, of one of its containers,
/// or of the host.
public enum ProcessRole: String, Codable, Sendable {
    /// The pod's sandbox (pause) container.
    case pause
    /// An app container of a pod (or the pod cgroup itself, outside any container).
    case container
    /// Not in any pod cgroup.
    case host
}
