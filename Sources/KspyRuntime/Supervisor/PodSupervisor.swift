import CKspyShim
import Foundation
import Glibc
import KspyKernel

/// The per-pod supervisor: the role containerd-shim plays for a CRI pod. It runs as its
/// own process (the kspy binary's hidden `testpod supervise`), outside the pod's
/// cgroups, and is the parent of the pause and of every container, so it reaps them,
/// records why each ended (OOMKilled from the cgroup's OOM-kill counter, not from the
/// signal alone), restarts them by restartPolicy with back-off, and on SIGTERM stops
/// the pod: SIGTERM, grace period, SIGKILL, pause last.
///
/// Single-threaded event loop: poll(2) on a signalfd and on one pidfd per child.
public final class PodSupervisor {
    private let directory: StateDirectory
    private var state: PodState
    private let manifest: PodManifest
    private let cgroups: PodCgroupTree
    private var pause: SpawnedProcess?
    /// Running containers by index in `manifest.containers`.
    private var running: [Int: SpawnedProcess] = [:]
    /// Monotonic time (seconds) at which a waiting container is restarted.
    private var restartAt: [Int: Double] = [:]
    private let signalFD: Int32
    private let memoryCapacityBytes: Int64

    private init(directory: StateDirectory, state: PodState, manifest: PodManifest, signalFD: Int32) throws {
        self.directory = directory
        self.state = state
        self.manifest = manifest
        self.signalFD = signalFD
        self.cgroups = try PodCgroupTree(state: state)
        self.memoryCapacityBytes = NodeMemory.capacityBytes()
    }

    /// Entry point of the supervisor process. `readyFD` (the process's stdin, a pipe to
    /// `apply`) receives `ok` once the pause and containers run, or `error: <why>`.
    /// Returns the process exit code.
    public static func run(stateDirectory: String, uid: String, readyFD: Int32 = 0) -> Int32 {
        // Before anything else may create threads: route stop signals to a signalfd.
        let signalFD = kspy_stop_signalfd()
        let directory = StateDirectory(root: stateDirectory)
        let supervisor: PodSupervisor
        do {
            let state = try directory.readState(uid)
            let manifestBytes = try SystemFile.readBytes(directory.manifestFile(uid))
            let manifest = try JSONDecoder().decode(PodManifest.self, from: Data(manifestBytes))
            supervisor = try PodSupervisor(directory: directory, state: state, manifest: manifest, signalFD: signalFD)
        } catch {
            report(readyFD, "error: \(error)")
            return 1
        }
        do {
            try supervisor.start()
        } catch {
            supervisor.log("start failed: \(error)")
            supervisor.stopEverything()
            supervisor.state.phase = .failed
            supervisor.state.message = "\(error)"
            supervisor.save()
            report(readyFD, "error: \(error)")
            return 1
        }
        report(readyFD, "ok")
        supervisor.loop()
        return 0
    }

    private static func report(_ fd: Int32, _ message: String) {
        var bytes = Array((message + "\n").utf8)
        _ = bytes.withUnsafeMutableBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        // Done with the pipe: stdin becomes /dev/null so apply sees EOF.
        let null = open("/dev/null", O_RDONLY)
        if null >= 0 {
            dup2(null, fd)
            close(null)
        }
    }

    // MARK: - Start

    private func start() throws {
        state.supervisorPID = getpid()
        state.supervisorStartTime = try? Procfs().stat(pid: getpid()).startTimeTicks
        try cgroups.createPod(manifest: manifest)
        try prepareVolumes()
        try writePodFiles()
        try startPause()
        if let network = state.network, let pause {
            let attachment = try PodNetwork(options: network, stateDirectory: directory).attach(uid: state.uid, pause: pause.pidfd)
            state.podIP = attachment.podIP.description
            state.hostVeth = attachment.hostVeth
        }
        for index in manifest.containers.indices {
            try startContainer(index)
        }
        state.phase = .running
        save()
    }

    private func prepareVolumes() throws {
        for volume in manifest.volumes {
            guard case .emptyDir(let medium, let sizeLimit) = volume.source else { continue }
            let path = directory.volumeDirectory(state.uid, volume.name)
            try SystemFile.makeDirectories(path, mode: 0o777)
            chmod(path, 0o777)
            if medium == .memory {
                // kubelet mounts a memory-backed emptyDir on the host so that every
                // container of the pod binds the same tmpfs.
                var options = "mode=0777"
                if let size = sizeLimit { options += ",size=\(size)" }
                try Mounts.tmpfs(at: path, options: options)
                state.hostMounts.append(path)
                saveUnlessStarting()
            }
        }
    }

    private func writePodFiles() throws {
        let podDirectory = directory.podDirectory(state.uid)
        let hosts = "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n127.0.1.1\t\(state.hostname)\n"
        try SystemFile.writeAtomically(Array(hosts.utf8), to: podDirectory + "/etc-hosts")
        try SystemFile.writeAtomically(Array((state.hostname + "\n").utf8), to: podDirectory + "/hostname")
    }

    private func startPause() throws {
        var request = SpawnRequest(mode: .pause)
        request.newNamespaces = state.hostNetwork ? [.ipc, .pid, .mnt] : [.net, .ipc, .uts, .pid, .mnt]
        request.hostname = state.hostNetwork ? nil : state.hostname
        request.loopbackUp = !state.hostNetwork
        request.processName = "pause"
        request.oomScoreAdj = -998  // kubelet's PodInfraOOMAdj
        let cgroup = try cgroups.sandbox
        try cgroup.create()
        try cgroup.apply(CgroupLimits(cpuShares: 2))
        let process = try Spawner.spawn(request) { pid in try cgroup.addProcess(pid: pid) }
        pause = process
        state.pausePID = process.pid
        state.pauseStartTime = try? Procfs().stat(pid: process.pid).startTimeTicks
        saveUnlessStarting()
    }

    private func startContainer(_ index: Int) throws {
        guard let pause else { throw RuntimeError.startFailed("the pause process is not running") }
        let spec = manifest.containers[index]
        var container = state.containers[index]
        if container.startedAt != nil {
            // A restart is a new container, as with a CRI runtime: new ID, new cgroup,
            // a fresh writable layer.
            container.id = RandomID.containerID()
            container.cgroupPath = cgroups.paths.container(id: container.id)
        }
        let containerDirectory = directory.containerDirectory(state.uid, spec.name)
        let rootfs = containerDirectory + "/rootfs"
        let upper = containerDirectory + "/upper"
        let work = containerDirectory + "/work"
        try SystemFile.removeTree(upper)
        try SystemFile.removeTree(work)
        for path in [rootfs, upper, work] { try SystemFile.makeDirectories(path) }

        let logPath = containerDirectory + "/\(container.restartCount).log"
        let logFD = open(logPath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o640)
        if logFD < 0 { throw KernelError.fromErrno("open", logPath) }
        defer { close(logFD) }

        let plan = ContainerLaunchPlan(
            spec: spec, manifest: manifest, state: state, directory: directory,
            memoryCapacityBytes: memoryCapacityBytes)
        var request = try plan.spawnRequest(rootfs: rootfs, upper: upper, work: work)
        request.joinTarget = pause.pidfd
        request.stdout = logFD
        request.stderr = logFD

        let cgroup = try cgroups.container(path: container.cgroupPath)
        try cgroup.create()
        try cgroup.apply(CgroupResourceValues.forContainer(spec).limits)
        let process: SpawnedProcess
        do {
            process = try Spawner.spawn(request) { pid in try cgroup.addProcess(pid: pid) }
        } catch {
            try? cgroup.remove()
            throw RuntimeError.startFailed("container \"\(spec.name)\": \(error)")
        }
        running[index] = process
        container.pid = process.pid
        container.pidStartTime = try? Procfs().stat(pid: process.pid).startTimeTicks
        container.state = .running
        container.startedAt = Timestamp.now()
        container.finishedAt = nil
        container.logPath = logPath
        state.containers[index] = container
        saveUnlessStarting()
    }

    // MARK: - Event loop

    private func loop() {
        while true {
            var fds = [pollfd(fd: signalFD, events: Int16(POLLIN), revents: 0)]
            let indices = running.keys.sorted()
            for index in indices {
                fds.append(pollfd(fd: running[index]!.pidfd.fd, events: Int16(POLLIN), revents: 0))
            }
            if let pause { fds.append(pollfd(fd: pause.pidfd.fd, events: Int16(POLLIN), revents: 0)) }
            let rc = poll(&fds, nfds_t(fds.count), nextTimeoutMilliseconds())
            if rc < 0 && errno != EINTR {
                log("poll: \(String(cString: strerror(errno)))")
                break
            }
            if fds[0].revents != 0 {
                let signal = kspy_signalfd_read(signalFD)
                if signal > 0 {
                    log("received signal \(signal): stopping the pod")
                    stopEverything()
                    state.phase = .stopped
                    save()
                    return
                }
            }
            for (offset, index) in indices.enumerated() where fds[offset + 1].revents != 0 {
                containerExited(index)
            }
            if let pause, fds.last?.revents != 0, fds.count > indices.count + 1 {
                let status = try? pause.pidfd.reap(block: false)
                log("pause exited (\(status.map { "\($0)" } ?? "?")): stopping the pod")
                self.pause = nil
                stopEverything()
                state.phase = .failed
                state.message = "the pause process exited"
                save()
                return
            }
            restartDueContainers()
        }
    }

    private func nextTimeoutMilliseconds() -> Int32 {
        guard let next = restartAt.values.min() else { return -1 }
        let wait = max(0, next - Monotonic.seconds())
        return Int32(min(wait * 1000, 60_000).rounded(.up))
    }

    private func containerExited(_ index: Int) {
        guard let process = running.removeValue(forKey: index) else { return }
        let status = (try? process.pidfd.reap()) ?? .exited(-1)
        var container = state.containers[index]
        let cgroup = try? cgroups.container(path: container.cgroupPath)
        let oomKills: UInt64 = (try? cgroup?.memoryEvents().oomKillCount) ?? 0
        let oomKilled = oomKills > 0
        try? cgroup?.killAll()
        try? cgroup?.remove()
        container.pid = nil
        container.pidStartTime = nil
        container.state = .terminated
        container.lastExitCode = status.shellCode
        container.lastTerminationReason = oomKilled ? "OOMKilled" : (status == .exited(0) ? "Completed" : "Error")
        container.finishedAt = Timestamp.now()
        log("container \(container.name) exited: \(status), reason \(container.lastTerminationReason ?? "")")
        if shouldRestart(after: status) {
            let delay = min(state.restartBackoffSeconds * pow(2, Double(container.restartCount)), 300)
            container.state = .waiting
            restartAt[index] = Monotonic.seconds() + delay
        }
        state.containers[index] = container
        if running.isEmpty && restartAt.isEmpty {
            let allSucceeded = state.containers.allSatisfy { $0.lastExitCode == 0 }
            state.phase = allSucceeded ? .succeeded : .failed
        }
        save()
    }

    private func shouldRestart(after status: ExitStatus) -> Bool {
        switch manifest.restartPolicy {
        case .always: return true
        case .onFailure: return status != .exited(0)
        case .never: return false
        }
    }

    private func restartDueContainers() {
        let now = Monotonic.seconds()
        for (index, due) in restartAt where due <= now {
            restartAt.removeValue(forKey: index)
            state.containers[index].restartCount += 1
            do {
                try startContainer(index)
            } catch {
                log("restart of \(state.containers[index].name) failed: \(error)")
                state.containers[index].state = .waiting
                state.containers[index].lastTerminationReason = "StartError"
                let delay = min(state.restartBackoffSeconds * pow(2, Double(state.containers[index].restartCount)), 300)
                restartAt[index] = Monotonic.seconds() + delay
                save()
            }
        }
    }

    // MARK: - Stop

    /// SIGTERM to every container, the grace period, SIGKILL, then the pause. Removes
    /// the container and sandbox cgroups; the pod cgroup and state are `delete`'s.
    private func stopEverything() {
        restartAt.removeAll()
        state.phase = .stopping
        save()
        for process in running.values { try? process.pidfd.send(signal: SIGTERM) }
        let deadline = Monotonic.seconds() + Double(state.terminationGracePeriodSeconds)
        while running.values.contains(where: { $0.pidfd.isRunning }) && Monotonic.seconds() < deadline {
            _ = running.values.first { $0.pidfd.isRunning }?.pidfd.waitForExit(timeoutMilliseconds: 50)
        }
        for index in running.keys.sorted() {
            guard let process = running[index] else { continue }
            if process.pidfd.isRunning { try? process.pidfd.send(signal: SIGKILL) }
            let status = (try? process.pidfd.reap()) ?? .signaled(SIGKILL)
            running.removeValue(forKey: index)
            state.containers[index].state = .terminated
            state.containers[index].pid = nil
            state.containers[index].lastExitCode = status.shellCode
            state.containers[index].finishedAt = Timestamp.now()
        }
        for container in state.containers {
            let cgroup = try? cgroups.container(path: container.cgroupPath)
            try? cgroup?.killAll()
            try? cgroup?.remove()
        }
        if let pause {
            try? pause.pidfd.send(signal: SIGTERM)
            if !pause.pidfd.waitForExit(timeoutMilliseconds: 2000) { try? pause.pidfd.send(signal: SIGKILL) }
            _ = try? pause.pidfd.reap()
            self.pause = nil
        }
        state.pausePID = nil
        try? cgroups.sandbox.killAll()
        try? cgroups.sandbox.remove()
    }

    // MARK: - Helpers

    /// During `start` the state is written once at the end (apply waits for it);
    /// afterwards every change is written at once.
    private func saveUnlessStarting() {
        if state.phase != .creating { save() }
    }

    private func save() {
        do {
            try directory.writeState(state)
        } catch {
            log("cannot write state: \(error)")
        }
    }

    private func log(_ message: String) {
        FileHandle.standardError.write(Data("\(Timestamp.now()) \(message)\n".utf8))
    }
}
