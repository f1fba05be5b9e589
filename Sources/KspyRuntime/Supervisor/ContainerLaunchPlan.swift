import Glibc
import KspyKernel

/// Turns one container of a manifest into a `SpawnRequest`, the way kubelet + a CRI
/// runtime + runc would build its OCI spec: join the pause's net/ipc/uts namespaces
/// (and its PID namespace with shareProcessNamespace), own mount and PID namespaces,
/// an overlay root over the image directory, /proc, a minimal /dev, /etc/hosts and
/// /etc/hostname from the pod, the volume mounts, user, working directory, environment
/// and kubelet's oom_score_adj.
struct ContainerLaunchPlan {
    let spec: ContainerSpec
    let manifest: PodManifest
    let state: PodState
    let directory: StateDirectory
    let memoryCapacityBytes: Int64

    /// The PATH runtimes give a container whose image sets none.
    static let defaultPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

    /// The request, with the overlay root at `rootfs` over `upper`/`work`.
    /// - Throws: `RuntimeError` for a container kspy cannot run (no command, a missing
    ///   hostPath, an image path overlayfs cannot take).
    func spawnRequest(rootfs: String, upper: String, work: String) throws -> SpawnRequest {
        let argv = try commandLine()
        var request = SpawnRequest(mode: .exec(path: argv[0], arguments: argv, environment: environment()))
        request.newNamespaces = manifest.shareProcessNamespace ? [.mnt] : [.mnt, .pid]
        var join: NamespaceKinds = state.hostNetwork ? [.ipc] : [.net, .ipc, .uts]
        if manifest.shareProcessNamespace { join.insert(.pid) }
        request.joinNamespaces = join
        for forbidden in [",", ":"] where spec.image.contains(forbidden) {
            throw RuntimeError.unsupported(
                field: "\(fieldPath).image", reason: "\"\(spec.image)\" contains \"\(forbidden)\", which overlayfs options cannot carry")
        }
        guard SystemFile.exists(spec.image) else {
            throw RuntimeError.unsupported(
                field: "\(fieldPath).image", reason: "image directory \"\(spec.image)\" does not exist")
        }
        request.rootfs = rootfs
        request.overlayOptions = "lowerdir=\(spec.image),upperdir=\(upper),workdir=\(work)"
        request.readOnlyRootfs = spec.securityContext.readOnlyRootFilesystem
        request.mountProc = true
        request.mountDev = true
        request.mounts = try mounts()
        request.workingDirectory = spec.workingDir ?? "/"
        if spec.securityContext.runAsUser != nil || spec.securityContext.runAsGroup != nil {
            request.user = (spec.securityContext.runAsUser ?? 0, spec.securityContext.runAsGroup ?? 0)
        }
        let qos = QoSClass(pod: manifest)
        let memoryRequest = spec.resources.requests.memory?.value() ?? 0
        request.oomScoreAdj = Int32(
            KubeletResources.oomScoreAdj(
                qos: qos, memoryRequestBytes: memoryRequest, memoryCapacityBytes: memoryCapacityBytes))
        return request
    }

    private var fieldPath: String {
        "spec.containers[\(manifest.containers.firstIndex { $0.name == spec.name } ?? 0)]"
    }

    /// command + args (Kubernetes semantics). A directory image has no entrypoint, so
    /// a container needs a command (or args, taken as the command).
    private func commandLine() throws -> [String] {
        let argv = spec.command.isEmpty ? spec.args : spec.command + spec.args
        guard let first = argv.first, !first.isEmpty else {
            throw RuntimeError.unsupported(
                field: "\(fieldPath).command",
                reason: "required for kspy test pods (a directory image has no entrypoint)")
        }
        return argv
    }

    /// PATH and HOSTNAME as a runtime sets them, then the manifest's env (a later
    /// duplicate wins, as in Kubernetes).
    private func environment() -> [String] {
        var names: [String] = ["PATH", "HOSTNAME"]
        var values: [String: String] = [
            "PATH": String(Self.defaultPath.dropFirst(5)), "HOSTNAME": state.hostname,
        ]
        for variable in spec.env {
            if values[variable.name] == nil { names.append(variable.name) }
            values[variable.name] = variable.value
        }
        return names.map { "\($0)=\(values[$0] ?? "")" }
    }

    /// /etc/hosts and /etc/hostname of the pod, then the volume mounts, parents first.
    private func mounts() throws -> [SpawnMount] {
        let podDirectory = directory.podDirectory(state.uid)
        var result: [SpawnMount] = [
            .bind(podDirectory + "/etc-hosts", at: "/etc/hosts", isFile: true),
            .bind(podDirectory + "/hostname", at: "/etc/hostname", isFile: true),
        ]
        var volumeMounts: [SpawnMount] = []
        for (index, mount) in spec.volumeMounts.enumerated() {
            let field = "\(fieldPath).volumeMounts[\(index)]"
            guard let volume = manifest.volumes.first(where: { $0.name == mount.name }) else {
                throw RuntimeError.unsupported(field: "\(field).name", reason: "\"\(mount.name)\" does not name a volume")
            }
            var source: String
            switch volume.source {
            case .emptyDir:
                source = directory.volumeDirectory(state.uid, volume.name)
            case .hostPath(let path, let type):
                source = path
                try prepareHostPath(path, type: type, field: field)
            }
            if let subPath = mount.subPath, !subPath.isEmpty {
                source += "/" + subPath
                if !SystemFile.exists(source) { try SystemFile.makeDirectories(source, mode: 0o777) }
            }
            var st = stat()
            let isFile = stat(source, &st) == 0 && (st.st_mode & S_IFMT) != S_IFDIR
            volumeMounts.append(.bind(source, at: mount.mountPath, readOnly: mount.readOnly, isFile: isFile))
        }
        volumeMounts.sort { $0.target.split(separator: "/").count < $1.target.split(separator: "/").count }
        result += volumeMounts
        return result
    }

    /// kubelet's hostPath type checks: `DirectoryOrCreate`/`FileOrCreate` create the
    /// path; any other type (or none) needs it to exist for a bind mount.
    private func prepareHostPath(_ path: String, type: String?, field: String) throws {
        switch type {
        case "DirectoryOrCreate":
            try SystemFile.makeDirectories(path, mode: 0o755)
        case "FileOrCreate":
            if !SystemFile.exists(path) { try SystemFile.writeAtomically([], to: path) }
        default:
            guard SystemFile.exists(path) else {
                throw RuntimeError.unsupported(field: field, reason: "hostPath \"\(path)\" does not exist")
            }
        }
    }
}
