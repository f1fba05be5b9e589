/// A pod's API identity: namespace, name and UID. Kubelet builds the log directory
/// `/var/log/pods/<namespace>_<name>_<uid>` from exactly these (runtimes.md §3.5), and
/// the runtimes record them per container (§3).
public struct PodIdentity: Hashable, Sendable {
    /// The pod's namespace.
    public var namespace: String
    /// The pod's name.
    public var name: String
    /// The pod's UID, with `-`.
    public var uid: String

    /// Creates an identity from its fields.
    public init(namespace: String, name: String, uid: String) {
        self.namespace = namespace
        self.name = name
        self.uid = uid
    }
}
