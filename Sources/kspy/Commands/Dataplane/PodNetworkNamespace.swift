import KspyInspect

/// `--pod P` of the dataplane commands: the network namespace of the pod's pause.
enum PodNetworkNamespace {
    /// `/proc/<pause>/ns/net` of the pod `reference` names.
    static func path(of reference: String, discovery: DiscoveryOptions) throws -> String {
        let snapshot = try discovery.snapshot(readsNamespaces: false)
        let pod = try PodReference(reference).resolve(in: snapshot)
        guard let pause = pod.pausePID else { throw CLIError("pod \(pod.displayName) has no running pause") }
        return "/proc/\(pause)/ns/net"
    }
}
