import KspyKernel

/// Finds the kubelet pod cgroup, and the container leaf below it, in a cgroup path from
/// `/proc/<pid>/cgroup` (runtimes.md §1 steps 3–4, §2). Pure: it looks only at the path.
///
/// Facts it relies on (runtimes.md §2):
/// * kubelet's pod cgroup is `…/kubepods[/burstable|/besteffort]/pod<uid>` (cgroupfs) or
///   `…-kubepods[-burstable|-besteffort]-pod<uid_>.slice` (systemd, `-` in the UID written
///   as `_`); Guaranteed pods have no QoS level (§2.1, §2.3).
/// * The tree is matched anywhere in the path, not only at the root: kind and kspy's test
///   roots prefix it (`/kubelet.slice/kubelet-kubepods.slice/…`,
///   `/system.slice/docker-<id>.scope/kubelet.slice/…`, `/kspy-test-ab12/kubepods/…`),
///   and a reader in another cgroup namespace sees `/..` components (§1). When a path
///   holds several pod levels (a kubelet nested in a pod), the innermost one is used.
/// * The container leaf directly below the pod cgroup names the runtime (§2.2): bare
///   64-hex ID (containerd, cri-dockerd, kspy on cgroupfs), `cri-containerd-<id>.scope`,
///   `crio-<id>[.scope]`, `docker-<id>.scope`, `libpod-<id>.scope`, `kspy-<id>.scope`.
///   Deeper levels (crun's `container` sub-cgroup) belong to the same container.
/// * Not containers (§2.2): `crio-conmon-*`, `libpod-conmon-*`, `*.mount` units and kata
///   `kata_<id>` VMM cgroups; paths with such a leaf are not attributed.
public enum CgroupPathClassifier {
    /// Classifies one cgroup path; nil when it is not inside a pod container or pod
    /// cgroup (host processes, conmon, mount units).
    public static func classify(_ path: String) -> CgroupAttribution? {
        // Split on the `/` byte in a plain loop (no `Character` work per path: node scans
        // classify thousands of them; no generic `split` either).
        var components: [Substring] = []
        let utf8 = path.utf8
        var start = utf8.startIndex
        while start < utf8.endIndex {
            let end = utf8[start...].firstIndex(of: UInt8(ascii: "/")) ?? utf8.endIndex
            if end > start {
                let component = Substring(utf8[start..<end])
                if component != "." { components.append(component) }
            }
            start = end < utf8.endIndex ? utf8.index(after: end) : end
        }
        var index = components.count - 1
        while index >= 0 {
            if let pod = podLevel(components, at: index) {
                // Bytes appended one component at a time (`String += Substring` is the
                // unspecialized generic append).
                var podPathBytes: [UInt8] = []
                for component in components[0...index] {
                    podPathBytes.append(UInt8(ascii: "/"))
                    podPathBytes.append(contentsOf: component.utf8)
                }
                let podPath = String(decoding: podPathBytes, as: UTF8.self)
                var containerID: String? = nil
                var runtime = ContainerRuntimeKind.unknown
                var leafName: String? = nil
                if index + 1 < components.count {
                    switch leaf(components[index + 1]) {
                    case .notAContainer:
                        return nil
                    case .container(let id, let kind):
                        containerID = id
                        runtime = kind
                        leafName = String(components[index + 1])
                    case .unrecognised:
                        break
                    }
                }
                return CgroupAttribution(
                    qosClass: pod.qos, podUID: pod.uid, containerID: containerID, runtimeHint: runtime,
                    driver: pod.driver, podCgroupPath: podPath, containerLeaf: leafName)
            }
            index -= 1
        }
        return nil
    }

    /// The entries of a process's `/proc/<pid>/cgroup` in the order they should be
    /// classified (runtimes.md §1 step 2): the v1 `memory` line, then the v1 line holding
    /// `cpu`, then the v2 `0::` line, then the rest in file order. On a v2-only host this
    /// is just the `0::` line; on v1/hybrid hosts kubelet's tree is in the controller
    /// hierarchies, while the hybrid `0::` line may only mirror systemd's tracking.
    public static func preferredOrder(_ entries: [ProcessCgroupEntry]) -> [ProcessCgroupEntry] {
        func rank(_ entry: ProcessCgroupEntry) -> Int {
            if entry.controllers.contains("memory") { return 0 }
            if entry.controllers.contains("cpu") { return 1 }
            if entry.isUnified { return 2 }
            return 3
        }
        return entries.enumerated()
            .sorted { (rank($0.element), $0.offset) < (rank($1.element), $1.offset) }
            .map(\.element)
    }

    /// The entry to classify: the first in `preferredOrder` whose path classifies, or nil
    /// when no line of the process lies in a pod (runtimes.md §1 step 2, falling back to
    /// any line that classifies).
    public static func entryToClassify(_ entries: [ProcessCgroupEntry]) -> ProcessCgroupEntry? {
        classifyEntry(entries)?.entry
    }

    /// The entry `entryToClassify` picks together with what it says, classified once.
    public static func classifyEntry(_ entries: [ProcessCgroupEntry]) -> (
        entry: ProcessCgroupEntry, attribution: CgroupAttribution
    )? {
        for entry in preferredOrder(entries) {
            if let attribution = classify(entry.path) { return (entry, attribution) }
        }
        return nil
    }

    /// Classifies a process from all its `/proc/<pid>/cgroup` entries, using the line
    /// `entryToClassify` picks; nil for processes outside pods.
    public static func classify(entries: [ProcessCgroupEntry]) -> CgroupAttribution? {
        classifyEntry(entries)?.attribution
    }

    // MARK: - Pod level

    private struct PodLevel {
        var qos: PodQoSClass
        var uid: String
        var driver: CgroupPathDriver
    }

    /// The pod described by `components[index]`, if it is a kubelet pod cgroup.
    private static func podLevel(_ components: [Substring], at index: Int) -> PodLevel? {
        let name = components[index]
        if name.hasSuffix(".slice") {
            return systemdPodLevel(name.dropLast(".slice".count))
        }
        // cgroupfs: `kubepods/pod<uid>` or `kubepods/<qos>/pod<uid>`; a QoS level whose
        // parent is outside the reader's cgroup namespace (`..`) is accepted too.
        guard name.hasPrefix("pod"), index >= 1 else { return nil }
        let uid = name.dropFirst(3)
        guard isUID(uid, separator: "-") else { return nil }
        let parent = components[index - 1]
        if parent == "kubepods" {
            return PodLevel(qos: .guaranteed, uid: String(uid), driver: .cgroupfs)
        }
        guard let qos = PodQoSClass(pathLevel: parent), index >= 2,
            components[index - 2] == "kubepods" || components[index - 2] == ".."
        else { return nil }
        return PodLevel(qos: qos, uid: String(uid), driver: .cgroupfs)
    }

    /// A systemd pod slice name without `.slice`: `<root->kubepods[-<qos>]-pod<uid_>`,
    /// where the UID has `_` for `-` (kubelet's `escapeSystemdCgroupName`).
    private static func systemdPodLevel(_ unit: Substring) -> PodLevel? {
        let parts = unit.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count >= 2, let last = parts.last, last.hasPrefix("pod") else { return nil }
        let escaped = last.dropFirst(3)
        guard isUID(escaped, separator: "_") else { return nil }
        let uid = String(escaped.map { $0 == "_" ? "-" : $0 })
        let parent = parts[parts.count - 2]
        if parent == "kubepods" {
            return PodLevel(qos: .guaranteed, uid: uid, driver: .systemd)
        }
        guard let qos = PodQoSClass(pathLevel: parent), parts.count >= 3, parts[parts.count - 3] == "kubepods"
        else { return nil }
        return PodLevel(qos: qos, uid: uid, driver: .systemd)
    }

    /// A pod UID as it appears in a path: hex digits and `separator`, starting with a hex
    /// digit. API UIDs are UUIDs; static pods use a 32-hex hash (runtimes.md §3.5). This
    /// rejects look-alikes such as `podman`.
    private static func isUID(_ text: Substring, separator: Character) -> Bool {
        // Byte checks: Character's Unicode property lookups dominated node-wide scans.
        guard let first = text.utf8.first, isLowerHex(first) || isUpperHex(first) else { return false }
        let separatorByte = separator.asciiValue ?? 0
        return text.utf8.allSatisfy { isLowerHex($0) || isUpperHex($0) || $0 == separatorByte }
    }

    private static func isLowerHex(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "f"))
    }

    private static func isUpperHex(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "F") }

    // MARK: - Container leaf

    private enum Leaf {
        case container(id: String, runtime: ContainerRuntimeKind)
        case notAContainer
        case unrecognised
    }

    /// Leaf prefixes (after removing `.scope`) and the runtime they name (§2.2).
    private static let prefixes: [(String, ContainerRuntimeKind)] = [
        ("cri-containerd-", .containerd), ("crio-", .crio), ("docker-", .docker), ("libpod-", .podman),
        ("kspy-", .kspy),
    ]

    private static func leaf(_ name: Substring) -> Leaf {
        if name.hasSuffix(".mount") || name.hasPrefix("crio-conmon-") || name.hasPrefix("libpod-conmon-")
            || name.hasPrefix("kata_")
        {
            return .notAContainer
        }
        let isScope = name.hasSuffix(".scope")
        let unit = isScope ? name.dropLast(".scope".count) : name
        for (prefix, runtime) in prefixes where unit.hasPrefix(prefix) {
            let id = unit.dropFirst(prefix.count)
            if isContainerID(id) { return .container(id: String(id), runtime: runtime) }
        }
        if !isScope, unit.count == 64, isContainerID(unit) {
            return .container(id: String(unit), runtime: .unknown)
        }
        return .unrecognised
    }

    /// Container IDs are lowercase hex (64 digits for all runtimes in §2.2).
    private static func isContainerID(_ text: Substring) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy(isLowerHex)
    }
}
