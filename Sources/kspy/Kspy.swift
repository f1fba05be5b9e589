import ArgumentParser

@main
struct Kspy: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kspy",
        abstract: "Inspect and debug a Kubernetes node from the kernel's own state.",
        discussion: "Run as root on a node (or in a privileged hostPID debug pod). kspy reads /proc, cgroupfs, netlink and BPF directly, so it keeps working when the container runtime is wedged.",
        version: "0.1.0",
        subcommands: [
            PsCommand.self, PidCommand.self, PodsCommand.self, PodCommand.self, NsCommand.self, ExecCommand.self,
            TraceCommand.self, SvcCommand.self, NatCommand.self,
            TestPodCommand.self,
            DemoCommand.self,
        ])
}
