import ArgumentParser
import Glibc

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

    /// `kspy exec` in a plain form runs without ArgumentParser's start-up work
    /// (`ExecFastPath`); everything else, and every error and help text, goes through
    /// ArgumentParser.
    static func main() {
        if let invocation = ExecFastPath.parse(argumentsAfterProgramName()) {
            do {
                Glibc.exit(try invocation.run())
            } catch {
                exit(withError: error)
            }
        }
        main(nil)
    }

    /// `argv` without the program name, read here: the first use of `CommandLine.arguments`
    /// instantiates its generic metadata by mangled name (see Package.swift's
    /// `directMetadataAccess`), which the fast path would pay for nothing.
    static func argumentsAfterProgramName() -> [String] {
        var arguments: [String] = []
        let count = Int(CommandLine.argc)
        guard count > 1 else { return arguments }
        arguments.reserveCapacity(count - 1)
        for i in 1..<count {
            if let argument = CommandLine.unsafeArgv[i] { arguments.append(String(cString: argument)) }
        }
        return arguments
    }
}
