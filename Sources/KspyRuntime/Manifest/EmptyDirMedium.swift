/// `emptyDir.medium`: what backs an emptyDir volume.
public enum EmptyDirMedium: String, Codable, Sendable, CaseIterable {
    /// The node's disk (`medium: ""`, the default): a directory in the pod's state.
    case disk = ""
    /// A tmpfs (`medium: Memory`), charged to the pod's memory.
    case memory = "Memory"
}
