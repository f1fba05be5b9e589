import ArgumentParser
import KspyInspect

/// `kspy ps`: the processes of the node's pods.
struct PsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ps",
        abstract: "List the processes that belong to pods, with their pod and container.",
        discussion: "Each process is attributed from its cgroup path (/proc/<pid>/cgroup) and named from the runtimes' on-disk metadata. Processes that exit during the scan are skipped.")

    @Flag(name: .shortAndLong, help: "Also list host processes (role host).")
    var all = false

    @Option(help: ArgumentHelp("Only this pod's processes (uid, uid prefix, namespace/name or name).", valueName: "pod"))
    var pod: String?

    @OptionGroup var discovery: DiscoveryOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let snapshot = try discovery.snapshot(readsNamespaces: output.format != .table)
        var records = snapshot.processes
        if let pod {
            let uid = try PodReference(pod).resolve(in: snapshot).uid
            records = records.filter { $0.attribution?.podUID == uid }
        } else if !all {
            records = records.filter { $0.attribution != nil }
        }
        let processes = records.map { ProcessView(record: $0, in: snapshot) }
        if output.format == .json {
            // Thousands of rows: the hand-written encoder, byte-identical to Renderer.json.
            let text = ProcessView.prettyJSON(processes)
            Renderer.write(text == "[\n\n]" ? "[]\n" : text + "\n")
            return
        }
        try Renderer.emit(processes, format: output.format) { ProcessTable.make(processes, wide: $0) }
    }
}
