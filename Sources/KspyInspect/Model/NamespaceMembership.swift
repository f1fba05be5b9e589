/// One namespace of a process as `kspy pid`/`kspy ps` show it: its inode (the number
/// `lsns` and `/proc/<pid>/ns/<kind>` links show) and whether the pod's pause holds the
/// same namespace — compared by (device, inode), DESIGN.md.
public struct NamespaceMembership: Codable, Hashable, Sendable {
    /// The namespace's inode number.
    public var inode: UInt64
    /// True when the pod's pause is in the same namespace; nil for host processes and
    /// pods whose pause was not found.
    public var sharedWithPause: Bool?

    /// Creates a membership from its fields.
    public init(inode: UInt64, sharedWithPause: Bool?) {
        self.inode = inode
        self.sharedWithPause = sharedWithPause
    }

    /// Encodes both keys, nil as null.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(inode, forKey: .inode)
        try c.encode(sharedWithPause, forKey: .sharedWithPause)
    }
}
