/// kubelet's cgroup drivers: how a list of cgroup name components becomes a path
/// (kubernetes pkg/kubelet/cm/cgroup_manager_linux.go, `ToCgroupfs` / `ToSystemd`).
public enum CgroupDriver: String, Codable, Sendable, CaseIterable {
    /// `/kubepods/burstable/pod<uid>/<id>`.
    case cgroupfs
    /// `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod<uid_>.slice/kspy-<id>.scope`.
    case systemd

    /// The path of the cgroup named by `components` (e.g. `["kubepods", "burstable",
    /// "pod<uid>"]`). systemd: every component has `-` replaced by `_`, and each prefix
    /// of the list becomes a nested slice named by joining with `-` (systemd's slice
    /// expansion).
    public func path(of components: [String]) -> String {
        switch self {
        case .cgroupfs:
            return "/" + components.joined(separator: "/")
        case .systemd:
            var path = ""
            var prefix: [String] = []
            for component in components {
                prefix.append(component.replacingAll("-", with: "_"))
                path += "/" + prefix.joined(separator: "-") + ".slice"
            }
            return path.isEmpty ? "/" : path
        }
    }

    /// The leaf of a container's cgroup inside its pod cgroup, as runc names it for a
    /// CRI runtime: the bare ID (cgroupfs, like containerd) or `kspy-<id>.scope`
    /// (systemd; containerd would use `cri-containerd-<id>.scope`).
    public func containerLeaf(id: String) -> String {
        switch self {
        case .cgroupfs: return id
        case .systemd: return "kspy-\(id).scope"
        }
    }
}

extension String {
    func replacingAll(_ target: Character, with replacement: String) -> String {
        var result = ""
        for character in self {
            if character == target { result += replacement } else { result.append(character) }
        }
        return result
    }
}
