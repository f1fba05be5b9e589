import Glibc
import KspyKernel

/// Finds the processes of one pod through its cgroup directories instead of a scan of
/// every process on the node (what `kspy exec` needs: one pod, fast, however many
/// processes the node runs). kubelet names a pod's cgroup after its UID (`pod<uid>`
/// with cgroupfs, `…-pod<uid with _>.slice` with systemd; runtimes.md §1): the
/// kubelet trees (directories named `*kubepods*`) of one hierarchy are searched for
/// that directory — unless the runtime's metadata recorded it and it holds processes —
/// and `cgroup.procs` of it and everything below lists the pod's processes. Each is
/// then read from /proc and attributed by its own `/proc/<pid>/cgroup`, as a full scan
/// would; the cgroup walk only says which PIDs to read.
public struct PodProcessLocator: Sendable {
    /// Where procfs is mounted.
    public var procRoot: String
    /// The hierarchies searched, in order, up to the first that holds the pod.
    public var hierarchies: [CgroupHierarchy]
    /// How deep below the mount point kubelet trees are looked for.
    public var treeSearchDepth = 5
    /// How deep below a tree root the pod directory is looked for (QoS levels).
    public var podSearchDepth = 3

    /// A locator over `hierarchies`.
    public init(hierarchies: [CgroupHierarchy], procRoot: String = "/proc") {
        self.hierarchies = hierarchies
        self.procRoot = procRoot
    }

    /// A locator over the hierarchies of `system`, the likeliest first: the v1 memory
    /// hierarchy (kubelet always limits memory), then the unified one.
    public init(system: CgroupSystem, procRoot: String = "/proc") {
        let memory = system.hierarchy(for: "memory").map { [$0] } ?? []
        let unified = system.unified.map { [$0] } ?? []
        self.init(hierarchies: memory + unified.filter { !memory.contains($0) }, procRoot: procRoot)
    }

    /// The records of the processes in pod `uid`'s cgroup and below it (in the first
    /// hierarchy where it holds any), by PID; empty when its cgroup is not found.
    /// `recordedCgroups` are the pod cgroup paths the runtime's metadata records
    /// (`RuntimeMetadataIndex.podCgroupPaths`): those named after the pod are read
    /// first, and the kubelet trees are searched only when they hold no process.
    public func processes(ofPod uid: String, readsNamespaces: Bool = false, recordedCgroups: [String] = [])
        -> [ProcessRecord]
    {
        // The systemd name has `_` for `-` (mapped as bytes: a `[Character]` map is a
        // costly first use on kspy exec's path).
        let escaped = String(decoding: uid.utf8.map { $0 == UInt8(ascii: "-") ? UInt8(ascii: "_") : $0 }, as: UTF8.self)
        let names = ["pod" + uid, "pod" + escaped + ".slice"]
        var pids: [Int32] = []
        let recorded = recordedCgroups.filter { path in
            let name = path.lastIndex(of: "/").map { String(path[path.index(after: $0)...]) } ?? path
            return Self.isPodDirectory(name, names: names)
        }
        for hierarchy in hierarchies where !recorded.isEmpty {
            for path in recorded {
                guard let directory = hierarchy.directory(forProcessPath: path) else { continue }
                collectProcesses(directory, depth: 0, into: &pids)
            }
            if !pids.isEmpty { break }
        }
        for hierarchy in hierarchies where pids.isEmpty {
            for root in treeRoots(hierarchy.mountPoint, depth: 1) {
                guard let pod = podDirectory(root, names: names, depth: 1) else { continue }
                collectProcesses(pod, depth: 0, into: &pids)
            }
        }
        let scanner = ProcessTableScanner(procRoot: procRoot, readsNamespaces: readsNamespaces)
        // Sorted and deduplicated without a Set (whose Int32 key would cost a runtime
        // conformance search at kspy exec's start).
        var unique: [Int32] = []
        for pid in pids.sorted() where unique.last != pid { unique.append(pid) }
        return unique.compactMap { try? scanner.record(pid: $0) }
    }

    private func treeRoots(_ directory: String, depth: Int) -> [String] {
        var roots: [String] = []
        for name in subdirectories(directory) {
            let child = directory + "/" + name
            if Self.contains(name, "kubepods") {
                roots.append(child)
            } else if depth < treeSearchDepth {
                roots += treeRoots(child, depth: depth + 1)
            }
        }
        return roots
    }

    /// Whether `name` contains `part`, compared as bytes (Foundation's `String.contains`
    /// is a costly first use on kspy exec's path).
    private static func contains(_ name: String, _ part: String) -> Bool {
        let needle = Array(part.utf8)
        let bytes = Array(name.utf8)
        guard bytes.count >= needle.count else { return false }
        for start in 0...(bytes.count - needle.count) where bytes[start..<(start + needle.count)].elementsEqual(needle) {
            return true
        }
        return false
    }

    /// Whether a directory is the pod's cgroup: one of `names`, or a systemd slice
    /// ending in `-` and one of them.
    private static func isPodDirectory(_ name: String, names: [String]) -> Bool {
        names.contains { name == $0 || name.hasSuffix("-" + $0) }
    }

    private func podDirectory(_ directory: String, names: [String], depth: Int) -> String? {
        let children = subdirectories(directory)
        for name in children where Self.isPodDirectory(name, names: names) {
            return directory + "/" + name
        }
        guard depth < podSearchDepth else { return nil }
        for name in children where !name.hasPrefix("pod") && !Self.contains(name, "-pod") {
            if let found = podDirectory(directory + "/" + name, names: names, depth: depth + 1) { return found }
        }
        return nil
    }

    private func collectProcesses(_ directory: String, depth: Int, into pids: inout [Int32]) {
        if let text = try? SystemFile.read(directory + "/cgroup.procs") {
            pids += text.split(separator: "\n").compactMap { Int32($0) }
        }
        guard depth < 4, Self.mayHaveSubdirectories(directory) else { return }
        for name in subdirectories(directory) { collectProcesses(directory + "/" + name, depth: depth + 1, into: &pids) }
    }

    /// False when `directory` certainly has no subdirectory: cgroupfs (kernfs) keeps a
    /// directory's link count at 2 plus its subdirectories, so a leaf cgroup — a
    /// container's, typically — is known from one stat instead of listing its dozens
    /// of control files.
    private static func mayHaveSubdirectories(_ directory: String) -> Bool {
        var st = stat()
        return stat(directory, &st) != 0 || st.st_nlink != 2
    }

    private func subdirectories(_ directory: String) -> [String] {
        guard let dir = opendir(directory) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            guard entry.pointee.d_type == UInt8(DT_DIR) else { continue }
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }
}
