import Glibc
import KspyInspect
import KspyKernel

/// A pod or container cgroup of kubelet's tree in one hierarchy.
public struct KubeletCgroup: Hashable, Sendable {
    /// The path as `/proc/<pid>/cgroup` shows it (relative to the reader's cgroup
    /// namespace root: the mount's root plus the path below the mount point).
    public var path: String
    /// The cgroup's directory in the hierarchy.
    public var directory: String
    /// The pod UID from the path.
    public var podUID: String
    /// The container ID; nil for the pod cgroup itself.
    public var containerID: String?

    /// True for a pod cgroup (no container leaf).
    public var isPod: Bool { containerID == nil }

    /// Creates a value from its fields.
    public init(path: String, directory: String, podUID: String, containerID: String?) {
        self.path = path
        self.directory = directory
        self.podUID = podUID
        self.containerID = containerID
    }
}

/// Finds kubelet's pod and container cgroups in one hierarchy without walking the whole
/// host tree on every pass (used by the cgroup OOM source and the throttle sampler).
///
/// kubelet trees are found by name anywhere near the top (runtimes.md §1 step 3, §2.1):
/// a directory whose name contains `kubepods` (`kubepods`, `kubepods.slice`, kind's
/// `kubelet-kubepods.slice`, a test root's `/kspy-trtest-ab/kubepods`) is a tree root;
/// the search descends at most `searchDepth` levels and never into a tree root. That
/// search runs on the first pass and then every `fullSearchSeconds`; the passes in
/// between only list the known roots' subtrees (`levelsBelowRoot` deep), classifying
/// each directory with `CgroupPathClassifier`: a directory equal to the classified pod
/// cgroup is a pod, one equal to the container cgroup is a container (deeper levels,
/// e.g. crun's `container` sub-cgroup, belong to their container and are not listed).
/// Not thread-safe: one scanner per thread.
public final class KubeletCgroupScanner {
    /// The hierarchy scanned.
    public let hierarchy: CgroupHierarchy
    /// How deep below the mount point tree roots are searched for.
    public let searchDepth: Int
    /// How deep below a tree root pods and containers are looked for.
    public let levelsBelowRoot: Int
    /// How often the full search for tree roots is repeated.
    public let fullSearchSeconds: Double
    /// The tree roots' directories found so far.
    public private(set) var roots: [String] = []
    private var lastFullSearch: Int64? = nil

    /// A scanner of `hierarchy`.
    public init(
        hierarchy: CgroupHierarchy, searchDepth: Int = 5, levelsBelowRoot: Int = 4, fullSearchSeconds: Double = 10
    ) {
        self.hierarchy = hierarchy
        self.searchDepth = searchDepth
        self.levelsBelowRoot = levelsBelowRoot
        self.fullSearchSeconds = fullSearchSeconds
    }

    /// The pod and container cgroups present now (containers only unless `includePods`),
    /// sorted by path.
    public func scan(includePods: Bool = true) -> [KubeletCgroup] {
        let now = EventTime.monotonicNanoseconds()
        if lastFullSearch == nil || Double(now - (lastFullSearch ?? now)) / 1e9 >= fullSearchSeconds {
            var found: [String] = []
            searchRoots(hierarchy.mountPoint, depth: 1, into: &found)
            roots = found
            lastFullSearch = now
        }
        var result: [KubeletCgroup] = []
        var liveRoots: [String] = []
        rotateClassifications()
        for root in roots where SystemFile.exists(root) {
            liveRoots.append(root)
            walk(root, level: 1, includePods: includePods, into: &result)
        }
        roots = liveRoots
        return result.sorted { $0.path < $1.path }
    }

    /// The path `/proc` shows for a directory of this hierarchy.
    public func processPath(ofDirectory directory: String) -> String {
        var relative = String(directory.dropFirst(hierarchy.mountPoint == "/" ? 0 : hierarchy.mountPoint.count))
        if relative.isEmpty { relative = "/" }
        if hierarchy.root == "/" || hierarchy.root.isEmpty { return relative }
        return relative == "/" ? hierarchy.root : hierarchy.root + relative
    }

    private func isTreeRoot(_ name: String) -> Bool { name.contains("kubepods") }

    private func searchRoots(_ directory: String, depth: Int, into found: inout [String]) {
        for name in subdirectories(directory) {
            let child = directory + "/" + name
            if isTreeRoot(name) {
                found.append(child)
            } else if depth < searchDepth {
                searchRoots(child, depth: depth + 1, into: &found)
            }
        }
    }

    private func walk(_ directory: String, level: Int, includePods: Bool, into result: inout [KubeletCgroup]) {
        guard level <= levelsBelowRoot else { return }
        for name in subdirectories(directory) {
            let child = directory + "/" + name
            let path = processPath(ofDirectory: child)
            if let attribution = classification(of: path) {
                if attribution.containerCgroupPath == path, let id = attribution.containerID {
                    result.append(
                        KubeletCgroup(path: path, directory: child, podUID: attribution.podUID, containerID: id))
                    continue  // nothing below a container is listed
                }
                if attribution.podCgroupPath == path {
                    if includePods {
                        result.append(
                            KubeletCgroup(path: path, directory: child, podUID: attribution.podUID, containerID: nil))
                    }
                    walk(child, level: level + 1, includePods: includePods, into: &result)
                }
                continue  // an unrecognised leaf below a pod, or deeper
            }
            walk(child, level: level + 1, includePods: includePods, into: &result)
        }
    }

    /// Classifications of the previous pass and of this one: every pass sees the same
    /// paths again, and classifying them was most of a pass's cost. Paths not seen in a
    /// pass are forgotten with the previous generation.
    private var previousClassifications: [String: CgroupAttribution?] = [:]
    private var currentClassifications: [String: CgroupAttribution?] = [:]

    private func classification(of path: String) -> CgroupAttribution? {
        // Paths repeat across passes, not within one: look in the previous generation
        // first and move the entry over (one hash each way).
        let result: CgroupAttribution?
        if let known = previousClassifications.removeValue(forKey: path) {
            result = known
        } else if let known = currentClassifications[path] {
            return known
        } else {
            result = CgroupPathClassifier.classify(path)
        }
        currentClassifications[path] = .some(result)
        return result
    }

    /// Starts a pass's generation of the classification cache.
    private func rotateClassifications() {
        previousClassifications = currentClassifications
        currentClassifications = [:]
        currentClassifications.reserveCapacity(previousClassifications.count)
    }

    /// Names of the subdirectories (d_type, falling back to lstat); empty when unreadable.
    private func subdirectories(_ directory: String) -> [String] {
        guard let dir = opendir(directory) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let type = entry.pointee.d_type
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name == "." || name == ".." { continue }
            if type == UInt8(DT_DIR) {
                names.append(name)
            } else if type == UInt8(DT_UNKNOWN) {
                var st = stat()
                if lstat(directory + "/" + name, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR { names.append(name) }
            }
        }
        return names.sorted()
    }
}
