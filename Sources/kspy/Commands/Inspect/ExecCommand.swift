import ArgumentParser
import CKspyShim
import Foundation
import Glibc
import KspyInspect
import KspyKernel

/// `kspy exec POD [-c CONTAINER] -- CMD [ARGS…]`: nsenter made pod-aware and race-free.
struct ExecCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exec",
        abstract: "Run a command inside a pod's container (or pause) namespaces.",
        discussion: """
            The target is resolved from the node's processes, opened as a pidfd and checked \
            against the start time the scan saw, then entered through that pidfd (setns on a \
            pidfd, one call for all namespaces), so a recycled PID is never entered. The command \
            runs as a child inside the target's PID namespace. kspy exits with the command's \
            status, or 128+N when it died of signal N. Example, host tools in the pod's network: \
            kspy exec web --ns net -- ss -tlnp
            """)

    @Argument(help: "The pod (uid, uid prefix, namespace/name or name).")
    var pod: String

    @Option(name: .shortAndLong, help: "The container (default: the pod's first app container).")
    var container: String?

    @Flag(help: "Enter the pod's pause (sandbox) instead of a container.")
    var pause = false

    @Option(help: ArgumentHelp("Namespaces to enter, comma-separated (default: all of the target's).", valueName: "kinds"))
    var ns: String?

    @Option(help: ArgumentHelp("Working directory for the command (default: the target's when entering mnt).", valueName: "dir"))
    var wd: String?

    @Flag(inversion: .prefixedNo, help: "Put the command into the target container's cgroup (default: on for containers, off for --pause).")
    var cgroup: Bool?

    @Option(help: ArgumentHelp("Run as UID[:GID].", valueName: "uid[:gid]"))
    var user: String?

    @Option(name: .customLong("env"), help: ArgumentHelp("Set an environment variable (repeatable).", valueName: "key=value"))
    var environment: [String] = []

    @Flag(help: "Start from the target's environment (/proc/<pid>/environ).")
    var envFromTarget = false

    @OptionGroup var discovery: DiscoveryOptions

    @Argument(parsing: .postTerminator, help: "The command and its arguments, after --.")
    var command: [String] = []

    /// The parsed command line as plain values.
    var invocation: ExecInvocation {
        ExecInvocation(
            pod: pod, container: container, pause: pause, ns: ns, wd: wd, cgroup: cgroup, user: user,
            environment: environment, envFromTarget: envFromTarget, discovery: discovery.settings, command: command)
    }

    func validate() throws {
        if let problem = invocation.validationProblem { throw ValidationError(problem) }
    }

    func run() throws {
        throw ExitCode(try invocation.run())
    }
}
