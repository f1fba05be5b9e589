import CKspyShim
import Glibc

/// A process created by `Spawner.spawn`: its PID and an owned pidfd.
public struct SpawnedProcess: Sendable {
    /// PID in kspy's PID namespace.
    public let pid: Int32
    /// pidfd for signals, exit notification and reaping.
    public let pidfd: Pidfd
}

/// Why a spawned child failed before running its workload.
public struct SpawnError: Error, CustomStringConvertible, Sendable {
    /// The setup step that failed (`"mount /data"`, `"exec"` …).
    public let step: String
    /// The errno the child saw.
    public let errno: Int32

    public var description: String {
        if step.hasPrefix("exec ") && errno == ENOENT {
            return "\(step): executable file not found"
        }
        return "\(step): \(String(cString: strerror(errno)))"
    }
}

/// Creates processes in namespaces, cgroups and a new root with the C shim
/// (`kspy_spawn`), so that nothing Swift runs between clone and exec.
///
/// Sequence: clone3 (new namespaces, CLONE_PIDFD) → the child blocks on a sync pipe →
/// `placeChild` runs in the parent (typically: write the PID into the cgroups) → one
/// byte on the sync pipe → the child sets itself up and execs → the parent reads the
/// close-on-exec error pipe: EOF means the exec (or the pause loop) started.
public enum Spawner {
    /// Spawns the process described by `request`.
    /// - Parameter placeChild: called with the child's PID before it runs anything;
    ///   an error thrown here kills the child and is rethrown.
    /// - Throws: `KernelError` for the parent's own syscalls, `SpawnError` for a
    ///   failed step in the child, or whatever `placeChild` throws.
    public static func spawn(_ request: SpawnRequest, placeChild: (Int32) throws -> Void = { _ in })
        throws -> SpawnedProcess
    {
        var syncPipe: [Int32] = [-1, -1]
        var errorPipe: [Int32] = [-1, -1]
        if request.sharesMemoryUntilExec {
            // No sync pipe: nothing runs in the parent before the child does.
            guard case .exec = request.mode, request.newNamespaces.isEmpty else {
                throw KernelError("spawn", "sharing memory needs an exec without namespaces to create", errno: EINVAL)
            }
        } else if kspy_pipe_cloexec(&syncPipe) != 0 {
            throw KernelError.fromErrno("pipe2", "sync pipe")
        }
        defer { closeAll(syncPipe) }
        if kspy_pipe_cloexec(&errorPipe) != 0 { throw KernelError.fromErrno("pipe2", "error pipe") }
        defer { closeAll(errorPipe) }

        let strings = CStringArena()
        defer { strings.free() }

        var mountStructs: [kspy_mount] = request.mounts.map { m in
            kspy_mount(
                source: strings.make(m.source), target: strings.make(m.target),
                fstype: m.fsType.map(strings.make) ?? nil, flags: m.flags,
                data: m.data.map(strings.make) ?? nil, readonly: m.readOnly ? 1 : 0,
                target_is_file: m.targetIsFile ? 1 : 0)
        }

        var config = kspy_spawn_config()
        config.clone_flags = request.newNamespaces.rawValue
        config.join_pidfd = request.joinTarget?.fd ?? -1
        config.join_flags = request.joinNamespaces.subtracting(.pid).rawValue
        config.join_pid_namespace = request.joinNamespaces.contains(.pid) ? 1 : 0
        config.rootfs = request.rootfs.map(strings.make) ?? nil
        config.overlay_options = request.overlayOptions.map(strings.make) ?? nil
        config.readonly_rootfs = request.readOnlyRootfs ? 1 : 0
        config.mount_proc = request.mountProc ? 1 : 0
        config.mount_dev = request.mountDev ? 1 : 0
        config.mount_count = Int32(mountStructs.count)
        config.hostname = request.hostname.map(strings.make) ?? nil
        config.loopback_up = request.loopbackUp ? 1 : 0
        config.process_name = request.processName.map(strings.make) ?? nil
        if let adj = request.oomScoreAdj {
            config.set_oom_score_adj = 1
            config.oom_score_adj = adj
        }
        if let user = request.user {
            config.set_ids = 1
            config.uid = user.uid
            config.gid = user.gid
        }
        config.cwd = request.workingDirectory.map(strings.make) ?? nil
        config.stdin_fd = request.stdin ?? -1
        config.stdout_fd = request.stdout ?? -1
        config.stderr_fd = request.stderr ?? -1
        config.new_session = request.newSession ? 1 : 0
        config.sync_fd = syncPipe[0]
        config.error_fd = errorPipe[1]
        config.share_memory = request.sharesMemoryUntilExec ? 1 : 0
        config.cgroup_dir_fd = request.joinCgroup?.unifiedDirectory ?? -1
        config.cgroup_dir_by_write = request.joinsUnifiedCgroupByWrite ? 1 : 0
        let cgroupTaskFiles = request.joinCgroup?.taskFiles ?? []
        config.cgroup_task_fd_count = Int32(cgroupTaskFiles.count)

        var argv: [UnsafeMutablePointer<CChar>?] = []
        var envp: [UnsafeMutablePointer<CChar>?] = []
        let stepName: String
        switch request.mode {
        case .exec(let path, let arguments, let environment):
            config.mode = Int32(KSPY_SPAWN_EXEC.rawValue)
            config.path = strings.make(path)
            argv = arguments.map(strings.makeMutable) + [nil]
            envp = environment.map(strings.makeMutable) + [nil]
            stepName = "exec \(path)"
        case .pause:
            config.mode = Int32(KSPY_SPAWN_PAUSE.rawValue)
            stepName = "pause"
        }

        var pidfdValue: Int32 = -1
        let pid: Int32 = mountStructs.withUnsafeMutableBufferPointer { mounts in
            argv.withUnsafeMutableBufferPointer { argvBuffer in
                envp.withUnsafeMutableBufferPointer { envpBuffer in
                    cgroupTaskFiles.withUnsafeBufferPointer { cgroupBuffer in
                        config.mounts = UnsafePointer(mounts.baseAddress)
                        config.argv = UnsafePointer(argvBuffer.baseAddress)
                        config.envp = UnsafePointer(envpBuffer.baseAddress)
                        config.cgroup_task_fds = cgroupBuffer.baseAddress
                        return kspy_spawn(&config, &pidfdValue)
                    }
                }
            }
        }
        if pid < 0 { throw KernelError("clone3", "child process", errno: kspy_errno()) }
        let pidfd = Pidfd(adopting: pidfdValue, pid: pid)
        // The parent's copies of the child's pipe ends.
        closeAll([syncPipe[0], errorPipe[1]])
        syncPipe[0] = -1
        errorPipe[1] = -1

        if !request.sharesMemoryUntilExec {
            do {
                try placeChild(pid)
            } catch {
                abandon(pidfd)
                throw error
            }
            var go: UInt8 = 1
            if Glibc.write(syncPipe[1], &go, 1) != 1 {
                abandon(pidfd)
                throw KernelError.fromErrno("start", "child \(pid)")
            }
            Glibc.close(syncPipe[1])
            syncPipe[1] = -1
        }

        var report = kspy_spawn_error()
        let n = withUnsafeMutableBytes(of: &report) { readFully(errorPipe[0], $0) }
        if n == MemoryLayout<kspy_spawn_error>.size {
            _ = try? pidfd.reap()
            throw SpawnError(step: describe(step: report.step, index: report.index, request: request, exec: stepName),
                             errno: report.err)
        }
        return SpawnedProcess(pid: pid, pidfd: pidfd)
    }

    private static func abandon(_ pidfd: Pidfd) {
        try? pidfd.send(signal: SIGKILL)
        _ = try? pidfd.reap()
    }

    private static func readFully(_ fd: Int32, _ buffer: UnsafeMutableRawBufferPointer) -> Int {
        var total = 0
        while total < buffer.count {
            let n = Glibc.read(fd, buffer.baseAddress! + total, buffer.count - total)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            total += n
        }
        return total
    }

    private static func closeAll(_ fds: [Int32]) {
        for fd in fds where fd >= 0 { Glibc.close(fd) }
    }

    private static func describe(step: Int32, index: Int32, request: SpawnRequest, exec: String) -> String {
        switch UInt32(step) {
        case KSPY_STEP_SYNC.rawValue: return "wait for the parent"
        case KSPY_STEP_CGROUP.rawValue: return "join its cgroup"
        case KSPY_STEP_SETNS.rawValue: return "join the pod's namespaces"
        case KSPY_STEP_MOUNT_PRIVATE.rawValue: return "make the mount namespace private"
        case KSPY_STEP_ROOTFS.rawValue: return "mount the root filesystem at \(request.rootfs ?? "?")"
        case KSPY_STEP_MOUNT.rawValue:
            let i = Int(index)
            let target = request.mounts.indices.contains(i) ? request.mounts[i].target : "#\(i)"
            return "mount \(target)"
        case KSPY_STEP_PROC.rawValue: return "mount /proc"
        case KSPY_STEP_DEV.rawValue: return "set up /dev"
        case KSPY_STEP_PIVOT_ROOT.rawValue: return "pivot_root into \(request.rootfs ?? "?")"
        case KSPY_STEP_READONLY_ROOT.rawValue: return "remount the root read-only"
        case KSPY_STEP_HOSTNAME.rawValue: return "set the hostname"
        case KSPY_STEP_LOOPBACK.rawValue: return "bring up lo"
        case KSPY_STEP_OOM_SCORE.rawValue: return "set oom_score_adj"
        case KSPY_STEP_IDS.rawValue: return "set user and group"
        case KSPY_STEP_CWD.rawValue: return "change to the working directory \(request.workingDirectory ?? "")"
        case KSPY_STEP_STDIO.rawValue: return "set up standard streams"
        case KSPY_STEP_EXEC.rawValue: return exec
        case KSPY_STEP_SIGNALS.rawValue: return "reset signals"
        default: return "step \(step)"
        }
    }
}

/// C strings that stay valid until `free()`: the spawn config points into them.
final class CStringArena {
    private var pointers: [UnsafeMutablePointer<CChar>] = []

    func make(_ string: String) -> UnsafePointer<CChar>? {
        UnsafePointer(makeMutable(string))
    }

    func makeMutable(_ string: String) -> UnsafeMutablePointer<CChar>? {
        guard let pointer = strdup(string) else { return nil }
        pointers.append(pointer)
        return pointer
    }

    func free() {
        for pointer in pointers { Glibc.free(pointer) }
        pointers.removeAll()
    }
}
