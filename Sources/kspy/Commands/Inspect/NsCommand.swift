import ArgumentParser
import KspyInspect
import KspyKernel

/// `kspy ns`: every namespace on the node and who owns it, like `lsns`.
struct NsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ns",
        abstract: "List every namespace in use, with its holder and owning pod or container.",
        discussion: "Like lsns: one row per namespace that some process is in, identified by (device, inode) of /proc/<pid>/ns/<kind>.")

    @Option(help: ArgumentHelp("Only namespaces of this kind (mnt, pid, net, ipc, uts, user, cgroup, time).", valueName: "kind"))
    var type: String?

    @OptionGroup var discovery: DiscoveryOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        if let type, NamespaceKind(rawValue: type) == nil {
            throw ValidationError("unknown namespace kind \"\(type)\" (mnt, pid, net, ipc, uts, user, cgroup, time)")
        }
    }

    func run() throws {
        let snapshot = try discovery.snapshot()
        var namespaces = NamespaceInfo.all(in: snapshot)
        if let type { namespaces = namespaces.filter { $0.kind == type } }
        try Renderer.emit(namespaces, format: output.format) { wide in
            var headers = ["NS", "TYPE", "NPROCS", "PID", "COMMAND", "OWNER"]
            if wide { headers += ["POD-UID", "CONTAINER-ID"] }
            var table = Table(headers: headers)
            for ns in namespaces {
                var owner = "host"
                if ns.owner != .host {
                    let pod = ns.podNamespace.flatMap { n in ns.podName.map { n + "/" + $0 } } ?? "<unnamed>/" + (ns.podUID ?? "")
                    owner = pod + (ns.containerName.map { "/" + $0 } ?? (ns.owner == .container ? "/<unnamed>" : ""))
                }
                var row = [String(ns.inode), ns.kind, String(ns.processCount), String(ns.holderPID), ns.holderComm, owner]
                if wide { row += [ns.podUID ?? "-", ns.containerID.map { String($0.prefix(13)) } ?? "-"] }
                table.rows.append(row)
            }
            return table
        }
    }
}
