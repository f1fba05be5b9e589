import ArgumentParser

@main
struct KspyBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kspy-bench",
        abstract: "Benchmarks kspy side by side with the peer tools.")
}
