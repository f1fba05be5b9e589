/// Errors of the test-pod runtime, each with a message a user can act on.
public enum RuntimeError: Error, CustomStringConvertible, Equatable, Sendable {
    /// No pod matched the name, namespace/name or UID.
    case podNotFound(String, stateDirectory: String)
    /// A name matched several pods.
    case ambiguousPod(String, candidates: [String])
    /// A pod with this namespace/name already exists.
    case podExists(String)
    /// The manifest is valid Kubernetes but cannot be run by kspy.
    case unsupported(field: String, reason: String)
    /// A pod's state file cannot be read.
    case corruptState(path: String, reason: String)
    /// Building the pod failed (the step and why); nothing is left behind.
    case startFailed(String)
    /// The supervisor of a pod could not be started or did not answer.
    case supervisor(String)
    /// Not running as root.
    case notRoot(String)

    public var description: String {
        switch self {
        case .podNotFound(let name, let dir):
            return "test pod \"\(name)\" not found (looked in \(dir))"
        case .ambiguousPod(let name, let candidates):
            return "test pod \"\(name)\" is ambiguous: \(candidates.joined(separator: ", "))"
        case .podExists(let name):
            return "test pod \(name) already exists (delete it first)"
        case .unsupported(let field, let reason):
            return "\(field): \(reason)"
        case .corruptState(let path, let reason):
            return "cannot read pod state \(path): \(reason)"
        case .startFailed(let message):
            return message
        case .supervisor(let message):
            return "pod supervisor: \(message)"
        case .notRoot(let what):
            return "\(what) needs root (CAP_SYS_ADMIN for namespaces, mounts and cgroups)"
        }
    }
}
