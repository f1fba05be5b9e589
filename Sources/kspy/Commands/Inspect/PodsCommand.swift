import ArgumentParser
import KspyInspect
import KspyKernel

/// `kspy pods`: the pods running on this node.
struct PodsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pods",
        abstract: "List the pods on this node, found from their processes' cgroups.")

    @OptionGroup var discovery: DiscoveryOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let snapshot = try discovery.snapshot(readsNamespaces: false)
        let hostNet = PodNetworkReader.hostNamespace()
        let reader = PodNetworkReader()
        let summaries = snapshot.pods.map { pod in
            PodSummary(pod, addresses: pod.pausePID.flatMap { try? reader.addresses(pausePID: $0, hostNamespace: hostNet) })
        }
        try Renderer.emit(summaries, format: output.format) { wide in
            var headers = ["NAMESPACE", "NAME", "UID", "QOS", "RUNTIME", "PAUSE", "IP", "CONTAINERS"]
            if wide { headers += ["SANDBOX", "CGROUP", "STATIC"] }
            var table = Table(headers: headers)
            for pod in summaries {
                let states = pod.containers.map { "\($0.name ?? "<unnamed>"):\($0.state)" }.joined(separator: ",")
                var row = [
                    pod.namespace ?? "<unnamed>", pod.name ?? "<unnamed>", pod.uid, pod.qosClass, pod.runtime,
                    pod.pausePID.map(String.init) ?? "-", pod.hostNetwork ? "(host)" : pod.podIP ?? "-",
                    "\(pod.containerCount) [\(states)]",
                ]
                if wide { row += [pod.sandboxID.map { String($0.prefix(13)) } ?? "-", pod.cgroupPath, pod.isStatic ? "yes" : "no"] }
                table.rows.append(row)
            }
            return table
        }
    }
}
