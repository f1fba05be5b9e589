import CKspyShim
import Foundation
import Glibc
import KspyInspect
import KspyKernel

/// A `kspy exec` command line as plain values, and the work it asks for: resolve the
/// pod, open and verify the target through a pidfd, spawn the command inside the
/// target's namespaces (and cgroup) and pass its exit status on. Built by
/// `ExecCommand` (ArgumentParser) or, without ArgumentParser's start-up cost, by
/// `ExecFastPath`.
struct ExecInvocation: Equatable {
    var pod: String
    var container: String?
    var pause = false
    var ns: String?
    var wd: String?
    var cgroup: Bool?
    var user: String?
    var environment: [String] = []
    var envFromTarget = false
    var discovery = DiscoverySettings()
    var command: [String] = []

    /// What is wrong with the values, as the one-line usage error; nil when valid.
    var validationProblem: String? {
        if command.isEmpty { return "give the command after --, e.g. kspy exec POD -- sh" }
        if pause && container != nil { return "--pause and --container exclude each other" }
        if let ns, NamespaceKind.parseList(ns) == nil {
            return "--ns: unknown namespace kind in \"\(ns)\" (mnt, uts, ipc, net, pid, cgroup, user, time)"
        }
        if let user, Self.parseUser(user) == nil { return "--user must be UID or UID:GID, got \"\(user)\"" }
        if let bad = environment.first(where: { !$0.contains("=") || $0.hasPrefix("=") }) {
            return "--env must be KEY=VALUE, got \"\(bad)\""
        }
        return nil
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

    /// Enters the target and runs the command; returns the exit status kspy passes on.
    func run() throws -> Int32 {
        // Block the forwarded signals before any thread exists; the child's mask is reset.
        let signalFD = kspy_forward_signalfd()
        let (snapshot, system) = try discovery.snapshot(forPod: pod)  // the lookup and --cgroup share the layout
        let found = try PodReference(pod).resolve(in: snapshot)
        let target = try ExecTarget(pod: found, selection: pause ? .pause : .container(container), snapshot: snapshot)

        // Namespaces: the requested kinds the target has and kspy is not already in
        // (setns into one's own user namespace fails with EINVAL).
        let requested = ns.flatMap(NamespaceKind.parseList).map(NamespaceKinds.init(kinds:))
            ?? NamespaceKinds.mnt.union(.uts).union(.ipc).union(.net).union(.pid).union(.cgroup).union(.user)
        var join = NamespaceKinds()
        let own = (try? ProcessDirectory(pid: getpid()).namespaces()) ?? [:]
        requested.forEach { kind in
            guard let theirs = target.namespaces[kind] else { return }
            if own[kind] != theirs { join.insert(NamespaceKinds(kind)) }
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
        // The child writes itself into the container's cgroup before it joins anything,
        // and starts without a copy of kspy's memory.
        let cgroup = intoCgroup ? try containerCgroup(target, system: system) : nil
        defer { cgroup?.close() }
        request.joinCgroup = cgroup
        request.sharesMemoryUntilExec = true
        let child: SpawnedProcess
        do {
            child = try Spawner.spawn(request)
        } catch let error as SpawnError where error.step.hasPrefix("exec") && error.errno == ENOENT {
            let place = join.contains(.mnt) ? "the target's root" : "PATH"
            throw CLIError("command \"\(command[0])\" not found in \(place)")
        }
        return forward(signalFD: signalFD, to: child)
    }

    /// The command's environment: a container-like base when entering the target's
    /// filesystem (kspy's own otherwise), then the target's with --env-from-target, then
    /// every --env.
    private func environmentForCommand(_ target: ExecTarget, _ join: NamespaceKinds) -> [String] {
        var entries: [(String, String)] = []
        func set(_ entry: String) {
            guard let equals = entry.firstIndex(of: "=") else { return }
            let key = String(entry[..<equals])
            let value = String(entry[entry.index(after: equals)...])
            if let index = entries.firstIndex(where: { $0.0 == key }) { entries[index].1 = value } else { entries.append((key, value)) }
        }
        if join.contains(.mnt) {
            set("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
            set("HOME=/")
            if let term = getenv("TERM") { set("TERM=" + String(cString: term)) }
        } else {
            let own = ProcessInfo.processInfo.environment
            for (key, value) in own.sorted(by: { $0.key < $1.key }) { set(key + "=" + value) }
        }
        if envFromTarget { target.environment().forEach(set) }
        environment.forEach(set)
        return entries.map { $0.0 + "=" + $0.1 }
    }

    /// The target container's cgroup, opened for the command to enter in every
    /// hierarchy that has it (the others are found by the open failing).
    private func containerCgroup(_ target: ExecTarget, system: CgroupSystem?) throws -> CgroupJoin {
        guard let path = target.container.cgroupPath else {
            throw CLIError("the cgroup of \(target.container.name ?? target.container.id) is unknown (use --no-cgroup)")
        }
        let system = try system ?? CgroupSystem.current()
        let visible = system.hierarchies.filter { $0.directory(forProcessPath: path) != nil }
        let join = try Cgroup(path: path, hierarchies: visible).openForJoining(skippingMissing: true)
        guard join.hierarchyCount > 0 else { throw CLIError("cgroup \(path) is not visible here (use --no-cgroup)") }
        return join
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
