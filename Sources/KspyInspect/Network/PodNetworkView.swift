/// A pod's network as the kernel shows it: the pause's network namespace, its
/// addresses, interfaces and routes.
public struct PodNetworkView: Codable, Hashable, Sendable {
    /// True when the pod shares the host's network namespace (`hostNetwork: true`).
    public var hostNetwork: Bool
    /// The network namespace's inode.
    public var namespaceInode: UInt64?
    /// The pod IPs: global-scope addresses of the namespace (none for host network).
    public var ips: [String]
    /// Interfaces (empty for host network, which would list the node's).
    public var interfaces: [PodInterface]
    /// Main-table routes (empty for host network).
    public var routes: [PodRoute]

    /// Creates a view from its fields.
    public init(
        hostNetwork: Bool, namespaceInode: UInt64?, ips: [String], interfaces: [PodInterface], routes: [PodRoute]
    ) {
        self.hostNetwork = hostNetwork
        self.namespaceInode = namespaceInode
        self.ips = ips
        self.interfaces = interfaces
        self.routes = routes
    }
}
