import Foundation
import Glibc
import KspyKernel

/// The test-pod runtime behind `kspy testpod apply|delete|list`: builds a Kubernetes
/// Pod manifest the way kubelet + a CRI runtime would (see `PodSupervisor`,
/// `ContainerLaunchPlan`, `PodCgroupTree`) and takes it apart again without leaving
/// cgroups, mounts, processes or files behind.
public struct TestPodRuntime: Sendable {
    /// Runtime settings.
    public let options: TestPodOptions

    /// A runtime with `options`.
    public init(options: TestPodOptions) { self.options = options }

    private var directory: StateDirectory { options.stateDirectory }

    // MARK: - apply

    /// The result of `apply`.
    public struct Applied: Sendable {
        /// The pod as its supervisor recorded it once running.
        public let state: PodState
        /// Manifest fields kspy ignored.
        public let warnings: [String]
    }

    /// Creates and starts the pod described by `manifestText` (YAML or JSON) and returns
    /// once the pause and every container run (or the start failed — then everything
    /// created so far is removed again and the error says which step failed).
    public func apply(manifestText: String) throws -> Applied {
        let parsed = try PodManifest.parse(manifestText)
        try requireRoot("kspy testpod apply")
        let manifest = parsed.manifest
        try options.network?.validate()
        let uid = manifest.uid ?? RandomID.uuid()
        let qos = QoSClass(pod: manifest)
        let paths = PodCgroupPaths(
            rootComponents: options.cgroupRootComponents, qos: qos, uid: uid, driver: options.cgroupDriver)
        let sandboxID = RandomID.containerID()
        let containers = manifest.containers.map { spec in
            let id = RandomID.containerID()
            return ContainerState(name: spec.name, id: id, image: spec.image, cgroupPath: paths.container(id: id))
        }
        var state = PodState(
            uid: uid, name: manifest.name, namespace: manifest.namespace, labels: manifest.labels,
            qosClass: qos.rawValue, restartPolicy: manifest.restartPolicy.rawValue,
            hostname: manifest.hostname ?? manifest.name, hostNetwork: manifest.hostNetwork, phase: .creating,
            cgroupDriver: options.cgroupDriver, cgroupRoot: options.cgroupRoot, cgroupParent: paths.pod,
            sandboxID: sandboxID, pauseCgroupPath: paths.container(id: sandboxID),
            restartBackoffSeconds: options.restartBackoffSeconds,
            terminationGracePeriodSeconds: manifest.terminationGracePeriodSeconds, containers: containers,
            stateDirectory: directory.podDirectory(uid), createdAt: Timestamp.now())
        state.network = manifest.hostNetwork ? nil : options.network
        state.annotations = manifest.annotations

        try directory.withLock {
            for existing in directory.readAllStates()
            where existing.uid == uid || (existing.namespace == state.namespace && existing.name == state.name) {
                throw RuntimeError.podExists("\(existing.namespace)/\(existing.name) (uid \(existing.uid))")
            }
            if SystemFile.exists(directory.podDirectory(uid)) {
                throw RuntimeError.podExists("with uid \(uid)")
            }
            try SystemFile.makeDirectories(directory.podDirectory(uid), mode: 0o700)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try SystemFile.writeAtomically(Array(try encoder.encode(manifest)), to: directory.manifestFile(uid))
            try directory.writeState(state)
        }

        do {
            try startSupervisor(uid: uid)
        } catch {
            try? directory.withLock { try cleanUp(uid: uid, state: try? directory.readState(uid)) }
            throw error
        }
        return Applied(state: try directory.readState(uid), warnings: parsed.warnings)
    }

    /// Starts the pod's supervisor as a new session, its stdin a pipe on which it
    /// answers `ok` or `error: <why>` once the pod runs or failed to start.
    private func startSupervisor(uid: String) throws {
        guard let program = options.supervisorCommand.first else {
            throw RuntimeError.supervisor("no supervisor command configured")
        }
        var ready: [Int32] = [-1, -1]
        if pipe(&ready) != 0 { throw KernelError.fromErrno("pipe", "supervisor") }
        defer { if ready[0] >= 0 { close(ready[0]) } }
        let logPath = directory.podDirectory(uid) + "/supervisor.log"
        let logFD = open(logPath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o640)
        if logFD < 0 {
            close(ready[1])
            throw KernelError.fromErrno("open", logPath)
        }
        var request = SpawnRequest(
            mode: .exec(
                path: program,
                arguments: options.supervisorCommand + ["--state-dir", directory.root, "--uid", uid],
                environment: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]))
        request.stdin = ready[1]
        request.stdout = logFD
        request.stderr = logFD
        request.newSession = true
        let spawned: SpawnedProcess
        do {
            spawned = try Spawner.spawn(request)
        } catch {
            close(ready[1])
            close(logFD)
            throw RuntimeError.supervisor("cannot start \(program): \(error)")
        }
        close(ready[1])
        close(logFD)
        // Recorded at once (the supervisor writes pod.json only when the pod runs), so
        // delete can stop a supervisor that hangs or dies halfway through the start.
        let startTime = (try? Procfs().stat(pid: spawned.pid).startTimeTicks).map(String.init) ?? ""
        try? SystemFile.writeAtomically(
            Array("\(spawned.pid) \(startTime)\n".utf8), to: directory.supervisorFile(uid))
        var answer: [UInt8] = []
        var byte: UInt8 = 0
        while Glibc.read(ready[0], &byte, 1) == 1 {
            if byte == UInt8(ascii: "\n") { break }
            answer.append(byte)
        }
        let line = String(decoding: answer, as: UTF8.self)
        if line == "ok" {
            // The supervisor outlives apply. When apply is a short-lived CLI process it
            // is reparented at exit; in a long-lived caller (tests, benchmarks) a thread
            // reaps it when it ends, so no zombie accumulates.
            let pidfd = spawned.pidfd
            Thread.detachNewThread { _ = try? pidfd.reap() }
            return
        }
        if !spawned.pidfd.waitForExit(timeoutMilliseconds: 5000) { try? spawned.pidfd.send(signal: SIGKILL) }
        _ = try? spawned.pidfd.reap()
        if line.hasPrefix("error: ") {
            throw RuntimeError.startFailed(String(line.dropFirst(7)))
        }
        let log = (try? SystemFile.read(logPath)) ?? ""
        throw RuntimeError.supervisor(
            "exited without reporting (log: \(log.split(separator: "\n").last.map(String.init) ?? "empty"))")
    }

    // MARK: - delete

    /// Stops and removes the pod named by `reference` (UID, unique UID prefix,
    /// namespace/name or a unique name). Idempotent for a pod already half gone: it
    /// also cleans pods whose supervisor or pause died or whose apply crashed.
    /// Returns the UID removed.
    @discardableResult
    public func delete(_ reference: String) throws -> String {
        try requireRoot("kspy testpod delete")
        let uid = try resolve(reference)
        try delete(uid: uid)
        return uid
    }

    /// Deletes every test pod in the state directory; returns their UIDs.
    public func deleteAll() throws -> [String] {
        try requireRoot("kspy testpod delete --all")
        let uids = directory.podUIDs()
        var networks: [PodNetworkOptions] = options.network.map { [$0] } ?? []
        for uid in uids {
            if let network = (try? directory.readState(uid))?.network, !networks.contains(network) {
                networks.append(network)
            }
            try delete(uid: uid)
        }
        // The last pod is gone: its bridge goes too.
        for network in networks {
            try PodNetwork(options: network, stateDirectory: directory).removeBridgeIfUnused()
        }
        return uids
    }

    private func delete(uid: String) throws {
        let state = try? directory.readState(uid)
        if let (pid, startTime) = supervisorIdentity(uid: uid, state: state),
            let supervisor = LiveProcess.open(pid: pid, startTime: startTime)
        {
            try? supervisor.send(signal: SIGTERM)
            let grace = Int32((state?.terminationGracePeriodSeconds ?? 30) + 10) * 1000
            if !supervisor.waitForExit(timeoutMilliseconds: grace) { try? supervisor.send(signal: SIGKILL) }
            _ = supervisor.waitForExit(timeoutMilliseconds: 5000)
        }
        try directory.withLock { try cleanUp(uid: uid, state: try? directory.readState(uid)) }
    }

    /// The supervisor's PID and start time: from the state, or from the file apply
    /// writes as soon as it started the supervisor.
    private func supervisorIdentity(uid: String, state: PodState?) -> (Int32, UInt64?)? {
        if let pid = state?.supervisorPID { return (pid, state?.supervisorStartTime) }
        guard let text = try? SystemFile.readTrimmed(directory.supervisorFile(uid)) else { return nil }
        let fields = text.split(separator: " ")
        guard let pid = fields.first.flatMap({ Int32($0) }) else { return nil }
        return (pid, fields.dropFirst().first.flatMap { UInt64($0) })
    }

    /// Removes whatever of pod `uid` exists: processes left in its cgroups, the
    /// cgroups (and empty QoS/root levels), host mounts under its directory, the
    /// directory. Runs under the state lock.
    private func cleanUp(uid: String, state: PodState?) throws {
        if let state {
            let tree = try PodCgroupTree(state: state)
            try tree.removePod()
            if let network = state.network {
                let podNetwork = try PodNetwork(options: network, stateDirectory: directory)
                // The veth goes with the pod's network namespace; deleting the host end
                // now makes that immediate (namespace teardown is asynchronous).
                if let hostVeth = state.hostVeth, let host = try? RouteNetlink(),
                    let link = try? host.link(named: hostVeth)
                {
                    try? host.deleteLink(index: link.index)
                }
                try podNetwork.detach(uid: uid)
            }
        }
        let podDirectory = directory.podDirectory(uid)
        for mountPoint in mountPoints(below: podDirectory) {
            try Mounts.unmount(mountPoint, detach: true)
        }
        try SystemFile.removeTree(podDirectory)
    }

    /// Mount points at or below `path` in kspy's mount namespace, deepest first.
    private func mountPoints(below path: String) -> [String] {
        guard let entries = try? MountInfo.read(pid: nil) else { return [] }
        return entries.map(\.mountPoint)
            .filter { $0 == path || $0.hasPrefix(path + "/") }
            .sorted { $0.count > $1.count }
    }

    /// Removes the configured node bridge when no pod uses it any more.
    public func removeNetworkIfUnused() throws {
        guard let network = options.network else { return }
        try PodNetwork(options: network, stateDirectory: directory).removeBridgeIfUnused()
    }

    // MARK: - list

    /// Every test pod, with a phase corrected when its supervisor is gone.
    public func list() -> [PodState] {
        directory.readAllStates().map { state in
            var state = state
            let supervisorAlive = state.supervisorPID.flatMap {
                LiveProcess.open(pid: $0, startTime: state.supervisorStartTime)
            } != nil
            if !supervisorAlive && [.running, .creating, .stopping].contains(state.phase) {
                state.phase = .failed
                state.message = "the pod's supervisor is not running (kspy testpod delete cleans it up)"
            }
            return state
        }
    }

    /// Resolves a pod reference to its UID.
    public func resolve(_ reference: String) throws -> String {
        let states = directory.readAllStates()
        if directory.podUIDs().contains(reference) { return reference }
        let matches: [PodState]
        if reference.contains("/") {
            let parts = reference.split(separator: "/", maxSplits: 1).map(String.init)
            matches = states.filter { $0.namespace == parts[0] && $0.name == parts.last }
        } else {
            let byName = states.filter { $0.name == reference }
            matches = byName.isEmpty ? states.filter { $0.uid.hasPrefix(reference) } : byName
        }
        if matches.count == 1 { return matches[0].uid }
        if matches.isEmpty { throw RuntimeError.podNotFound(reference, stateDirectory: directory.root) }
        throw RuntimeError.ambiguousPod(reference, candidates: matches.map { "\($0.namespace)/\($0.name) (\($0.uid))" })
    }

    private func requireRoot(_ what: String) throws {
        if geteuid() != 0 { throw RuntimeError.notRoot(what) }
    }
}
