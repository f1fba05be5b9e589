import ArgumentParser
import KspyRuntime

/// `kspy testpod list`.
struct TestPodList: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the test pods on this machine.",
        aliases: ["ls"])

    @OptionGroup var runtimeOptions: TestPodRuntimeOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let pods = runtimeOptions.runtime().list()
        try Renderer.emit(pods, format: output.format) { wide in Self.table(pods, wide: wide) }
    }

    static func table(_ pods: [PodState], wide: Bool) -> Table {
        var headers = ["NAMESPACE", "NAME", "UID", "QOS", "PHASE", "PAUSE", "IP", "CONTAINERS"]
        if wide { headers += ["VETH", "CGROUP", "DRIVER"] }
        var table = Table(headers: headers)
        for pod in pods {
            let containers = pod.containers.map { c in
                var text = "\(c.name):\(c.state.rawValue)"
                if c.restartCount > 0 { text += "(restarts=\(c.restartCount))" }
                if let reason = c.lastTerminationReason { text += "[\(reason)]" }
                return text
            }.joined(separator: ",")
            var row = [
                pod.namespace, pod.name, pod.uid, pod.qosClass, pod.phase.rawValue,
                pod.pausePID.map(String.init) ?? "-", pod.podIP ?? "-", containers,
            ]
            if wide { row += [pod.hostVeth ?? "-", pod.cgroupParent, pod.cgroupDriver.rawValue] }
            table.rows.append(row)
        }
        return table
    }
}
