/// The pod on this node an endpoint IP belongs to (matched against the addresses in
/// the node's pod network namespaces by discovery).
public struct LocalPod: Codable, Hashable, Sendable {
    public var podUID: String
    public var podName: String?
    public var podNamespace: String?
    public var containerName: String?

    public init(podUID: String, podName: String?, podNamespace: String?, containerName: String?) {
        self.podUID = podUID
        self.podName = podName
        self.podNamespace = podNamespace
        self.containerName = containerName
    }
}
