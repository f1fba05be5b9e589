/// The cgroup an OCI runtime spec's `linux.cgroupsPath` names, as a path below the
/// hierarchy roots (what `/proc/<pid>/cgroup` shows). Two forms are in use (runc
/// `libcontainer/cgroups/systemd`, runtimes.md §2):
/// - cgroupfs: an absolute path, `/kubepods/besteffort/pod<uid>/<id>`, taken as is;
/// - systemd: `slice:prefix:name`, e.g. `kubepods-besteffort-pod<uid_>.slice:cri-containerd:<id>`,
///   which runc turns into the unit `prefix-name.scope` (or `name` itself when it is a
///   slice) inside the parent slice, whose name systemd expands into nested slices
///   (`a-b.slice` → `/a.slice/a-b.slice`; an empty parent is `system.slice`).
/// Relative paths (relative to the runtime's own cgroup) and malformed values give nil.
public enum OCICgroupsPath {
    /// The cgroup path `spec` names, or nil.
    public static func cgroupPath(_ spec: String) -> String? {
        if spec.hasPrefix("/") { return spec.count > 1 ? spec : nil }
        let parts = spec.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[2].isEmpty, !parts[2].contains("/") else { return nil }
        let parent = parts[0].isEmpty ? "system.slice" : String(parts[0])
        guard let parentPath = expandSlice(parent) else { return nil }
        let name = String(parts[2])
        let unit = name.hasSuffix(".slice") ? name : (parts[1].isEmpty ? name : parts[1] + "-" + name) + ".scope"
        return (parentPath == "/" ? "" : parentPath) + "/" + unit
    }

    /// The cgroup path an OCI spec's `linux.cgroupsPath` names, or nil (no such key, or
    /// a value `cgroupPath(_:)` does not take).
    static func cgroupPath(ofSpec spec: MetadataJSON) -> String? {
        spec["linux"]?["cgroupsPath"]?.string.flatMap(cgroupPath)
    }

    /// systemd's slice expansion: each `-`-separated prefix of the name is a slice of
    /// its own, nested in order (`-.slice` is the root); nil for a name that is not a
    /// valid slice (no `.slice` suffix, a `/`, an empty component).
    static func expandSlice(_ slice: String) -> String? {
        guard slice.hasSuffix(".slice"), !slice.contains("/") else { return nil }
        if slice == "-.slice" { return "/" }
        let components = slice.dropLast(".slice".count).split(separator: "-", omittingEmptySubsequences: false)
        guard !components.contains(where: \.isEmpty) else { return nil }
        var path = ""
        var prefix = ""
        for component in components {
            prefix += prefix.isEmpty ? String(component) : "-" + component
            path += "/" + prefix + ".slice"
        }
        return path
    }
}
