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

    func validate() throws {
        if command.isEmpty { throw ValidationError("give the command after --, e.g. kspy exec POD -- sh") }
        if pause && container != nil { throw ValidationError("--pause and --container exclude each other") }
        if let ns, NamespaceKind.parseList(ns) == nil {
            throw ValidationError("--ns: unknown namespace kind in \"\(ns)\" (mnt, uts, ipc, net, pid, cgroup, user, time)")
        }
        if let user, Self.parseUser(user) == nil { throw ValidationError("--user must be UID or UID:GID, got \"\(user)\"") }
        if let bad = environment.first(where: { !$0.contains("=") || $0.hasPrefix("=") }) {
            throw ValidationError("--env must be KEY=VALUE, got \"\(bad)\"")
        }
    }

    static func parseUser(_ text: String) -> (uid: UInt32, gid: UInt32)? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count <= 2, let uid = UInt32(parts[0]) else { return nil }
        if parts.count == 2 {
            guard let gid = UInt32(parts[1]) else { return nil }
            return (uid, gid)
        }
        return (uid, uid)
    }

    func run() throws {
        // Block the forwarded signals before any thread exists; the child's mask is reset.
        let signalFD = kspy_forward_signalfd()
        let snapshot = try discovery.snapshot(readsNamespaces: false)
        let found = try PodReference(pod).resolve(in: snapshot)
        let target = try ExecTarget(pod: found, selection: pause ? .pause : .container(container), snapshot: snapshot)

        // Namespaces: the requested kinds the target has and kspy is not already in
        // (setns into one's own user namespace fails with EINVAL).
        let requested = ns.flatMap(NamespaceKind.parseList).map(Set.init)
            ?? [.mnt, .uts, .ipc, .net, .pid, .cgroup, .user]
        var join: Set<NamespaceKind> = []
        for kind in requested {
            guard let theirs = target.namespaces[kind] else { continue }
            let ours = try? NamespaceID.of(path: "/proc/self/ns/\(kind.rawValue)")
            if ours != theirs { join.insert(kind) }
        }

        var request = SpawnRequest(
            mode: .exec(path: command[0], arguments: command, environment: environmentForCommand(target, join)))
        request.joinTarget = target.pidfd
        request.joinNamespaces = join
        request.workingDirectory = wd ?? (join.contains(.mnt) ? target.workingDirectory() : nil)
        request.user = user.flatMap(Self.parseUser)
        request.stdin = 0
        request.stdout = 1
        request.stderr = 2
        request.newSession = false

        let intoCgroup = cgroup ?? !target.container.isSandbox
        let cgroupTarget = intoCgroup ? try containerCgroup(target) : nil
        let child: SpawnedProcess
        do {
            child = try Spawner.spawn(request) { pid in try cgroupTarget?.addProcess(pid: pid) }
        } catch let error as SpawnError where error.step.hasPrefix("exec") && error.errno == ENOENT {
            let place = join.contains(.mnt) ? "the target's root" : "PATH"
            throw CLIError("command \"\(command[0])\" not found in \(place)")
        }
        throw ExitCode(forward(signalFD: signalFD, to: child))
    }

    /// The command's environment: a container-like base when entering the target's
    /// filesystem (kspy's own otherwise), then the target's with --env-from-target, then
    /// every --env.
    private func environmentForCommand(_ target: ExecTarget, _ join: Set<NamespaceKind>) -> [String] {
        var entries: [(String, String)] = []
        func set(_ entry: String) {
            guard let equals = entry.firstIndex(of: "=") else { return }
            let key = String(entry[..<equals])
            let value = String(entry[entry.index(after: equals)...])
            if let index = entries.firstIndex(where: { $0.0 == key }) { entries[index].1 = value } else { entries.append((key, value)) }
        }
        let own = ProcessInfo.processInfo.environment
        if join.contains(.mnt) {
            set("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
            set("HOME=/")
            if let term = own["TERM"] { set("TERM=" + term) }
        } else {
            for (key, value) in own.sorted(by: { $0.key < $1.key }) { set(key + "=" + value) }
        }
        if envFromTarget { target.environment().forEach(set) }
        environment.forEach(set)
        return entries.map { $0.0 + "=" + $0.1 }
    }

    /// The target container's cgroup in every hierarchy that has it.
    private func containerCgroup(_ target: ExecTarget) throws -> Cgroup? {
        guard let path = target.container.cgroupPath else {
            throw CLIError("the cgroup of \(target.container.name ?? target.container.id) is unknown (use --no-cgroup)")
        }
        let system = try CgroupSystem.current()
        let present = system.hierarchies.filter { hierarchy in
            hierarchy.directory(forProcessPath: path).map(SystemFile.exists) ?? false
        }
        guard !present.isEmpty else { throw CLIError("cgroup \(path) is not visible here (use --no-cgroup)") }
        return try Cgroup(path: path, hierarchies: present)
    }

    /// Waits for the command, forwarding the signals other processes send kspy
    /// (terminal-generated ones already reach the command, which shares kspy's
    /// foreground process group). Returns the exit status to pass on.
    private func forward(signalFD: Int32, to child: SpawnedProcess) -> Int32 {
        while true {
            var fds = [
                pollfd(fd: child.pidfd.fd, events: Int16(POLLIN), revents: 0),
                pollfd(fd: signalFD, events: Int16(POLLIN), revents: 0),
            ]
            let ready = poll(&fds, signalFD >= 0 ? 2 : 1, -1)
            if ready < 0 && errno != EINTR { break }
            if fds[1].revents & Int16(POLLIN) != 0 {
                var code: Int32 = 0
                let signal = kspy_signalfd_read_code(signalFD, &code)
                if signal > 0 && code != 0x80 {  // not SI_KERNEL (the terminal)
                    try? child.pidfd.send(signal: signal)
                }
            }
            if fds[0].revents & Int16(POLLIN) != 0, let status = try? child.pidfd.reap(block: true) {
                return status.shellCode
            }
        }
        return (try? child.pidfd.reap(block: true))?.shellCode ?? 1
    }
}
