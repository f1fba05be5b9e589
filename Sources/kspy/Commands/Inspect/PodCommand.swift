import ArgumentParser
import KspyInspect

/// `kspy pod POD`: one pod as the Linux primitives it is made of.
struct PodCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pod",
        abstract: "Show one pod's pause, namespaces, cgroups, network and containers.",
        discussion: "POD is a pod UID, a unique UID prefix, namespace/name, or a name unique on this node.")

    @Argument(help: "The pod (uid, uid prefix, namespace/name or name).")
    var pod: String

    @OptionGroup var discovery: DiscoveryOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let snapshot = try discovery.snapshot()
        let found = try PodReference(pod).resolve(in: snapshot)
        let view = PodViewBuilder().view(of: found, in: snapshot)
        try Renderer.emit(view, format: output.format) { wide in PodViewText.render(view, wide: wide) }
    }
}
