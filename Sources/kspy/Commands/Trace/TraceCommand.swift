import ArgumentParser

/// `kspy trace`: event streams from the kernel.
struct TraceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trace",
        abstract: "Stream OOM kills and CPU throttling, named by pod and container.",
        subcommands: [TraceOOMCommand.self, TraceThrottleCommand.self])
}
