/// `spec.restartPolicy`: when kubelet restarts a pod's containers after they exit.
public enum RestartPolicy: String, Codable, Sendable, CaseIterable {
    /// Restart after every exit (the default).
    case always = "Always"
    /// Restart only after a non-zero exit.
    case onFailure = "OnFailure"
    /// Never restart.
    case never = "Never"
}
