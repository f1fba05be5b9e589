import KspyKernel

/// Maps a container's mounts back to host paths and kubelet volume kinds. A bind mount
/// shows in the container's mountinfo with the device and the path *within that
/// filesystem* (field 4, "root"); the host's mountinfo entry with the same device
/// whose root is the longest prefix of it gives the host mount point, and the host
/// path is that mount point plus the rest (proc(5), mountinfo).
public struct VolumeMountResolver: Sendable {
    /// The host's mount table (PID 1's, or kspy's own).
    public var hostMounts: [MountInfoEntry]

    /// A resolver over `hostMounts`.
    public init(hostMounts: [MountInfoEntry]) {
        self.hostMounts = hostMounts
    }

    /// Mount points a runtime sets up for every container, not volumes.
    static func isSystemMount(_ mountPoint: String) -> Bool {
        if mountPoint == "/" { return true }
        for prefix in ["/proc", "/dev", "/sys"] where mountPoint == prefix || mountPoint.hasPrefix(prefix + "/") {
            return true
        }
        return false
    }

    /// The volume mounts of a container whose mount table is `mounts`, in mount order
    /// (`/`, /proc, /dev and /sys are left out), for pod `podUID`.
    public func volumeMounts(of mounts: [MountInfoEntry], podUID: String) -> [VolumeMountView] {
        mounts.filter { !Self.isSystemMount($0.mountPoint) }.map { entry in
            let host = hostPath(of: entry)
            let (kind, volume) = host.map { Self.classify(hostPath: $0, podUID: podUID) } ?? ("unknown", nil)
            return VolumeMountView(
                mountPath: entry.mountPoint, hostPath: host, kind: kind, volumeName: volume,
                medium: entry.fsType == "tmpfs" ? "Memory" : nil, fsType: entry.fsType, readOnly: entry.isReadOnly)
        }
    }

    /// The host path `entry` shows, or nil when no host mount has its device.
    public func hostPath(of entry: MountInfoEntry) -> String? {
        var best: MountInfoEntry?
        for host in hostMounts where host.major == entry.major && host.minor == entry.minor {
            guard Self.isPrefix(host.root, of: entry.root) else { continue }
            if best == nil || host.root.count > best!.root.count { best = host }
        }
        guard let best else { return nil }
        let rest = entry.root.dropFirst(best.root == "/" ? 0 : best.root.count)
        if rest.isEmpty || rest == "/" { return best.mountPoint }
        return (best.mountPoint == "/" ? "" : best.mountPoint) + rest
    }

    private static func isPrefix(_ prefix: String, of path: String) -> Bool {
        prefix == "/" || path == prefix || path.hasPrefix(prefix + "/")
    }

    /// kubelet's volume plugin directory names (`/` escaped as `~`) and the volume
    /// kinds they hold.
    static let pluginKinds: [String: String] = [
        "kubernetes.io~empty-dir": "emptyDir", "kubernetes.io~configmap": "configMap",
        "kubernetes.io~secret": "secret", "kubernetes.io~projected": "projected",
        "kubernetes.io~downward-api": "downwardAPI", "kubernetes.io~csi": "csi",
        "kubernetes.io~nfs": "nfs", "kubernetes.io~local-volume": "local",
    ]

    /// The kind and volume name of a host path (runtimes.md §3.5):
    /// `…/pods/<uid>/volumes/<plugin>/<name>`, `…/pods/<uid>/volume-subpaths/<name>/…`,
    /// `…/pods/<uid>/etc-hosts`, `…/pods/<uid>/containers/<name>/<id>`; runtime state
    /// (containerd, CRI-O, Docker) is `runtime`; anything else is a hostPath.
    public static func classify(hostPath: String, podUID: String) -> (kind: String, volumeName: String?) {
        let components = hostPath.split(separator: "/").map(String.init)
        if let podIndex = components.indices.first(where: {
            components[$0] == podUID && $0 > 0 && components[$0 - 1] == "pods"
        }) {
            let rest = Array(components[(podIndex + 1)...])
            if rest.count >= 3, rest[0] == "volumes" {
                return (pluginKinds[rest[1]] ?? rest[1].replacingTilde(), rest[2])
            }
            if rest.count >= 2, rest[0] == "volume-subpaths" { return ("subPath", rest[1]) }
            if rest.first == "etc-hosts" { return ("etcHosts", nil) }
            if rest.first == "containers" { return ("terminationLog", nil) }
            return ("podFile", nil)
        }
        let runtimeMarkers = ["io.containerd.", "/containers/storage/", "/var/lib/docker/", "/run/containerd/"]
        if runtimeMarkers.contains(where: { hostPath.contains($0) }) { return ("runtime", nil) }
        return ("hostPath", nil)
    }
}

extension String {
    /// A kubelet-escaped plugin name with `~` turned back into `/`.
    fileprivate func replacingTilde() -> String { String(map { $0 == "~" ? "/" : $0 }) }
}
