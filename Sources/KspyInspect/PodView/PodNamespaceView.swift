/// One namespace of the pod's pause and the containers that share it.
public struct PodNamespaceView: Codable, Hashable, Sendable {
    /// The namespace's inode.
    public var inode: UInt64
    /// Names (or IDs, for unnamed containers) of the app containers in it.
    public var sharedBy: [String]

    /// Creates a view from its fields.
    public init(inode: UInt64, sharedBy: [String]) {
        self.inode = inode
        self.sharedBy = sharedBy
    }
}
