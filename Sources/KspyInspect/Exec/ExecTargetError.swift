/// Why `kspy exec` cannot enter a pod's container.
public enum ExecTargetError: Error, CustomStringConvertible, Equatable {
    /// No container of that name; `available` lists the pod's containers.
    case containerNotFound(name: String, pod: String, available: [String])
    /// The pod has no app container to default to.
    case noContainers(pod: String)
    /// The target has no running process (exited, or its PID was reused).
    case notRunning(target: String)

    public var description: String {
        switch self {
        case .containerNotFound(let name, let pod, let available):
            let list = available.isEmpty ? "none" : available.joined(separator: ", ")
            return "container \"\(name)\" not found in pod \(pod) (containers: \(list))"
        case .noContainers(let pod):
            return "pod \(pod) has no app containers (use --pause to enter the sandbox)"
        case .notRunning(let target):
            return "\(target) is not running"
        }
    }
}
