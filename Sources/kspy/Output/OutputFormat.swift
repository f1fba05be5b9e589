import ArgumentParser

/// `-o table|wide|json|yaml`, as kubectl users expect.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case table, wide, json, yaml

    static var defaultCompletionKind: CompletionKind { .list(allCases.map(\.rawValue)) }
}

/// The `-o/--output` option shared by every command that shows models.
struct OutputOptions: ParsableArguments {
    @Option(name: [.customShort("o"), .customLong("output")], help: "Output format: table, wide, json or yaml.")
    var format: OutputFormat = .table
}
