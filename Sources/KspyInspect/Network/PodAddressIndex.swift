import KspyKernel

/// The pod IPs of this node: every global address inside each pod's network namespace
/// (read through its pause), mapped to the pod. Host-network pods are left out — their
/// addresses are the node's. Used to mark service endpoints that are local pods.
public struct PodAddressIndex: Sendable {
    /// Pods by IP address.
    public private(set) var podsByIP: [String: DiscoveredPod] = [:]

    /// Reads the addresses of every pod of `snapshot` with a running pause.
    public init(snapshot: NodeSnapshot, procRoot: String = "/proc") {
        let reader = PodNetworkReader(procRoot: procRoot)
        let host = PodNetworkReader.hostNamespace(procRoot: procRoot)
        for pod in snapshot.pods {
            guard let pause = pod.pausePID,
                let network = try? reader.addresses(pausePID: pause, hostNamespace: host), !network.hostNetwork
            else { continue }
            for ip in network.ips where podsByIP[ip] == nil { podsByIP[ip] = pod }
        }
    }

    /// The pod with address `ip`, if it is a pod IP on this node.
    public func pod(ip: String) -> DiscoveredPod? { podsByIP[ip] }
}
