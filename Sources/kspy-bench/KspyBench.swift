import ArgumentParser

@main
struct KspyBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kspy-bench",
        abstract: "Benchmarks kspy side by side with the peer tools, reported as ratios.",
        discussion: "Each scenario runs kspy and its peers in one run, interleaved, on the same machine, and prints medians and the ratio kspy/peer. Run as root.",
        subcommands: [
            PodLifecycleBench.self, DiscoveryBench.self, OOMLatencyBench.self, ThrottleSampleBench.self, ExecBench.self, SvcBench.self,
        ])
}
