import ArgumentParser
import KspyTrace

/// Filters and stop conditions shared by the trace commands.
struct TraceOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Only events of this pod (name, UID or UID prefix).", valueName: "pod"))
    var pod: String?

    @Option(help: ArgumentHelp("Only events of pods in this namespace.", valueName: "namespace"))
    var namespace: String?

    @Option(help: ArgumentHelp("Only events of this container (name).", valueName: "name"))
    var container: String?

    @Option(help: ArgumentHelp("Stop after N events.", valueName: "n"))
    var count: Int?

    @Option(help: ArgumentHelp("Stop after this long (e.g. 30s, 5m).", valueName: "duration"))
    var timeout: Duration?

    @Option(help: ArgumentHelp("Events held while the output is slow; more are dropped and counted.", valueName: "n"))
    var buffer: Int = 4096

    @Option(name: [.customShort("o"), .customLong("output")], help: "Output format: table, wide or json (NDJSON, one event per line).")
    var format: OutputFormat = .table

    var filter: EventFilter { EventFilter(pod: pod, namespace: namespace, container: container) }

    func validate() throws {
        if format == .yaml { throw ValidationError("-o yaml is not available for streams; use -o json (NDJSON)") }
        if let count, count <= 0 { throw ValidationError("--count must be positive") }
        if buffer <= 0 { throw ValidationError("--buffer must be positive") }
    }
}
