import Glibc

/// One cgroup, identified by a path relative to the hierarchies' mount roots (e.g.
/// `/kubepods/burstable/pod<uid>/<id>`), present in a chosen set of hierarchies — by
/// default every v1 hierarchy (named ones included) and the cgroup2 mount, as runc
/// does on hybrid hosts. Operations act on the cgroupfs files described in cgroups(7)
/// and the kernel's cgroup-v1 / cgroup-v2 documentation.
public struct Cgroup: Hashable, Sendable {
    /// The normalized path, starting with `/` (`/` is the root cgroup).
    public let path: String
    /// The hierarchies this cgroup is managed in.
    public let hierarchies: [CgroupHierarchy]

    /// A cgroup at `path` in `hierarchies`.
    /// - Throws: `KernelError` with EINVAL when the path is not absolute or contains
    ///   `.` / `..` components (which would escape the intended subtree).
    public init(path: String, hierarchies: [CgroupHierarchy]) throws(KernelError) {
        guard path.hasPrefix("/") else { throw KernelError("cgroup path must be absolute:", path, errno: EINVAL) }
        self.hierarchies = hierarchies
        if Self.isNormalized(path) {
            self.path = path
            return
        }
        // Normalised to single slashes, byte by byte (no generic `joined` of substrings).
        var normalized: [UInt8] = []
        for component in path.utf8.split(separator: UInt8(ascii: "/")) {
            if component.elementsEqual(".".utf8) || component.elementsEqual("..".utf8) {
                throw KernelError("cgroup path must not contain . or ..:", path, errno: EINVAL)
            }
            normalized.append(UInt8(ascii: "/"))
            normalized.append(contentsOf: component)
        }
        self.path = normalized.isEmpty ? "/" : String(decoding: normalized, as: UTF8.self)
    }

    /// Whether absolute `path` is already in normal form: `/`, or components joined by
    /// single slashes with no trailing slash and no `.` or `..` component.
    private static func isNormalized(_ path: String) -> Bool {
        var length = 0
        var dots = 0
        var previous: UInt8 = 0
        func isDotComponent() -> Bool { length > 0 && length <= 2 && dots == length }
        for byte in path.utf8 {
            if byte == UInt8(ascii: "/") {
                if previous == UInt8(ascii: "/") || isDotComponent() { return false }
                length = 0
                dots = 0
            } else {
                length += 1
                if byte == UInt8(ascii: ".") { dots += 1 }
            }
            previous = byte
        }
        if previous == UInt8(ascii: "/") { return path.utf8.count == 1 }
        return !isDotComponent()
    }

    /// A cgroup at `path` in every hierarchy of `system` (all v1 hierarchies including
    /// named ones, plus the unified mount).
    public init(path: String, system: CgroupSystem) throws(KernelError) {
        try self.init(path: path, hierarchies: system.hierarchies)
    }

    /// The path components (`/a/b` → `["a", "b"]`).
    public var components: [String] { path.split(separator: "/").map(String.init) }

    /// True for the root cgroup `/`, which kspy never modifies.
    public var isRoot: Bool { path == "/" }

    /// The child cgroup `name` in the same hierarchies.
    public func child(_ name: String) throws(KernelError) -> Cgroup {
        try Cgroup(path: isRoot ? "/" + name : path + "/" + name, hierarchies: hierarchies)
    }

    /// The directory of this cgroup in `hierarchy`.
    public func directory(in hierarchy: CgroupHierarchy) -> String { hierarchy.directory(for: path) }

    /// The hierarchy among this cgroup's that holds `controller`: a v1 hierarchy with
    /// it attached, else the v2 one when its `cgroup.controllers` lists it.
    public func hierarchy(for controller: String) -> CgroupHierarchy? {
        if let v1 = hierarchies.first(where: { $0.version == .v1 && $0.has(controller) }) { return v1 }
        return hierarchies.first { $0.version == .v2 && $0.has(controller) }
    }

    /// True when the cgroup directory exists in every one of its hierarchies.
    public var exists: Bool { hierarchies.allSatisfy { SystemFile.exists(directory(in: $0)) } }

    // MARK: - Create

    /// Creates the cgroup (like `mkdir -p`) in each hierarchy. Existing levels are
    /// left as they are. Each newly created level of a v1 `cpuset` hierarchy gets
    /// `cpuset.cpus` and `cpuset.mems` copied from its parent, because a v1 cpuset
    /// starts empty and attaching a task to it fails with ENOSPC (cgroup-v1/cpusets).
    /// In the cgroup2 hierarchy, `controllers` are enabled top-down with `+name` in
    /// `cgroup.subtree_control` of the levels above the leaf that this call created
    /// — or, with `ownedRoot`, of every level from `ownedRoot` down to the leaf's
    /// parent — where the level's `cgroup.controllers` offers them (cgroup-v2,
    /// "Enabling and Disabling"; a child only gets a controller its parent enables).
    /// Never touches the hierarchy root or levels above `ownedRoot`.
    public func create(controllers: [String] = ["cpu", "memory", "pids"], ownedRoot: String? = nil)
        throws(KernelError)
    {
        let names = components
        let ownedDepth: Int? = try ownedRoot.map { (root: String) throws(KernelError) -> Int in
            let owned = try Cgroup(path: root, hierarchies: hierarchies)
            guard !owned.isRoot, path == owned.path || path.hasPrefix(owned.path + "/") else {
                throw KernelError("owned root must be a non-root ancestor of", path, errno: EINVAL)
            }
            return owned.components.count
        }
        for hierarchy in hierarchies {
            var directory = hierarchy.mountPoint
            var createdFromDepth: Int? = nil
            for index in names.indices {
                let parent = directory
                directory = hierarchy.directory(for: "/" + names[0...index].joined(separator: "/"))
                if mkdir(directory, 0o755) == 0 {
                    if createdFromDepth == nil { createdFromDepth = index + 1 }
                    if hierarchy.version == .v1 && hierarchy.has("cpuset") {
                        try Cgroup.inheritCpuset(from: parent, to: directory)
                    }
                } else if errno != EEXIST {
                    throw KernelError.fromErrno("mkdir cgroup", directory)
                }
            }
            if hierarchy.version == .v2, !controllers.isEmpty,
                let fromDepth = ownedDepth ?? createdFromDepth
            {
                // Levels fromDepth … names.count-1 (1-based depth) are above the leaf.
                for depth in stride(from: fromDepth, to: names.count, by: 1) {
                    let level = hierarchy.directory(for: "/" + names[0..<depth].joined(separator: "/"))
                    try Cgroup.enableSubtreeControllers(controllers, in: level)
                }
            }
        }
    }

    /// Copies `cpuset.cpus` and `cpuset.mems` from `parent` into a new v1 cpuset
    /// `child` where the child's value is still empty.
    private static func inheritCpuset(from parent: String, to child: String) throws(KernelError) {
        for file in ["cpuset.cpus", "cpuset.mems"] {
            let current = try SystemFile.readTrimmed(child + "/" + file)
            if !current.isEmpty { continue }
            let inherited = try SystemFile.readTrimmed(parent + "/" + file)
            if inherited.isEmpty { continue }
            try SystemFile.write(inherited, to: child + "/" + file)
        }
    }

    /// Enables each of `wanted` that `level`'s `cgroup.controllers` offers and its
    /// `cgroup.subtree_control` lacks, one `+name` write each.
    private static func enableSubtreeControllers(_ wanted: [String], in level: String) throws(KernelError) {
        let available = Set(try words(level + "/cgroup.controllers"))
        let enabled = Set(try words(level + "/cgroup.subtree_control"))
        for controller in wanted where available.contains(controller) && !enabled.contains(controller) {
            try SystemFile.write("+" + controller, to: level + "/cgroup.subtree_control")
        }
    }

    /// The whitespace-separated words of a file.
    static func words(_ file: String) throws(KernelError) -> [String] {
        try SystemFile.read(file).split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init)
    }

    // MARK: - Processes

    /// Moves process `pid` into this cgroup in every hierarchy by writing it to
    /// `cgroup.procs` (cgroups(7): "writing a PID moves the whole thread group").
    /// - Throws: `KernelError` from the first hierarchy that refuses (ESRCH when the
    ///   process exited; ENOSPC for an uninitialized v1 cpuset).
    public func addProcess(pid: Int32) throws(KernelError) {
        for hierarchy in hierarchies {
            try SystemFile.write(String(pid), to: directory(in: hierarchy) + "/cgroup.procs")
        }
    }

    /// The PIDs in this cgroup (not its descendants) from `cgroup.procs`: the union
    /// over all hierarchies, or of `hierarchy` alone. PIDs of processes outside the
    /// reader's PID namespace (shown as 0) are left out.
    /// - Throws: `KernelError` when no hierarchy could be read (`isGone` if the
    ///   cgroup does not exist).
    public func processes(in hierarchy: CgroupHierarchy? = nil) throws(KernelError) -> [Int32] {
        try Cgroup.processes(inDirectories: (hierarchy.map { [$0] } ?? hierarchies).map { directory(in: $0) })
    }

    /// The PIDs of this cgroup and all its descendant cgroups, in all hierarchies.
    public func subtreeProcesses() throws(KernelError) -> [Int32] {
        var directories: [String] = []
        for hierarchy in hierarchies {
            let top = directory(in: hierarchy)
            directories.append(top)
            directories += Cgroup.descendantDirectories(of: top)
        }
        return try Cgroup.processes(inDirectories: directories)
    }

    /// Union of `cgroup.procs` of `directories`, skipping vanished ones.
    private static func processes(inDirectories directories: [String]) throws(KernelError) -> [Int32] {
        var pids = Set<Int32>()
        var readAny = false
        var firstError: KernelError? = nil
        for directory in directories {
            do {
                let text = try SystemFile.read(directory + "/cgroup.procs")
                readAny = true
                for line in text.split(separator: "\n") {
                    if let pid = Int32(line), pid > 0 { pids.insert(pid) }
                }
            } catch {
                if !error.isGone { throw error }
                if firstError == nil { firstError = error }
            }
        }
        if !readAny, let error = firstError { throw error }
        return pids.sorted()
    }

    /// The child cgroup paths (relative to this cgroup's path) present in any hierarchy,
    /// depth-first with parents before children.
    public func descendants() -> [String] {
        var seen = Set<String>()
        var result: [String] = []
        for hierarchy in hierarchies {
            let top = directory(in: hierarchy)
            for directory in Cgroup.descendantDirectories(of: top) {
                let relative = path == "/" ? String(directory.dropFirst(top.count)) : path + directory.dropFirst(top.count)
                if seen.insert(relative).inserted { result.append(relative) }
            }
        }
        return result
    }

    /// All subdirectories below `directory`, parents before children; unreadable
    /// directories (e.g. removed meanwhile) contribute nothing.
    static func descendantDirectories(of directory: String) -> [String] {
        guard let names = try? SystemFile.listDirectory(directory) else { return [] }
        var result: [String] = []
        for name in names.sorted() {
            let child = directory + "/" + name
            var st = stat()
            guard lstat(child, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR else { continue }
            result.append(child)
            result += descendantDirectories(of: child)
        }
        return result
    }

    // MARK: - Kill

    /// Kills every process in this cgroup and its descendants, in all hierarchies.
    /// ONLY for kspy's own cgroups (test pods, debug containers): it SIGKILLs whatever
    /// is inside. v2: writes `1` to `cgroup.kill` when present (cgroup-v2, kernel ≥ 5.14;
    /// kills the whole subtree without PID races). Then (and on v1, which has no
    /// cgroup.kill) it loops: read `cgroup.procs`, open a pidfd for each PID, re-check
    /// membership, `pidfd_send_signal(SIGKILL)` — so a recycled PID is never hit —
    /// until the cgroups are empty or `timeoutSeconds` pass. Processes must still be
    /// reaped by their parent.
    /// - Throws: `KernelError` EPERM for the root cgroup, EDEADLK when the calling
    ///   process is inside, ETIMEDOUT when processes remain.
    public func killAll(timeoutSeconds: Double = 5) throws(KernelError) {
        guard !isRoot else { throw KernelError("refusing to kill all processes of", "the root cgroup", errno: EPERM) }
        let me = getpid()
        if try killablePIDs().contains(me) {
            throw KernelError("refusing to kill the calling process's own cgroup", path, errno: EDEADLK)
        }
        for hierarchy in hierarchies where hierarchy.version == .v2 {
            let killFile = directory(in: hierarchy) + "/cgroup.kill"
            if SystemFile.exists(killFile) {
                do { try SystemFile.write("1", to: killFile) } catch { if !error.isGone { throw error } }
            }
        }
        let deadline = Cgroup.monotonicSeconds() + timeoutSeconds
        while true {
            let pids = try killablePIDs().filter { $0 != me }
            if pids.isEmpty { return }
            var handles: [Pidfd] = []
            for pid in pids {
                if let handle = try? Pidfd(pid: pid) { handles.append(handle) }
            }
            let stillInside = Set(try killablePIDs())
            for handle in handles where stillInside.contains(handle.pid) {
                try? handle.send(signal: SIGKILL)
            }
            if Cgroup.monotonicSeconds() > deadline {
                throw KernelError("kill all: processes \(pids) remain in", path, errno: ETIMEDOUT)
            }
            Cgroup.sleep(milliseconds: 10)
        }
    }

    /// `subtreeProcesses()`, but a cgroup that is gone counts as empty.
    private func killablePIDs() throws(KernelError) -> [Int32] {
        do { return try subtreeProcesses() } catch { if error.isGone { return [] } else { throw error } }
    }

    // MARK: - Remove

    /// Removes the cgroup directory (rmdir(2); cgroupfs allows it while the control
    /// files are present) in every hierarchy; with `recursive`, its descendants first,
    /// bottom-up. A missing directory is fine. EBUSY (processes still inside, or a
    /// child left) is retried for about `busyRetrySeconds`, then reported. Other
    /// hierarchies are still attempted; the first error is thrown at the end.
    public func remove(recursive: Bool = false, busyRetrySeconds: Double = 1) throws(KernelError) {
        guard !isRoot else { throw KernelError("refusing to remove", "the root cgroup", errno: EPERM) }
        var firstError: KernelError? = nil
        for hierarchy in hierarchies {
            let top = directory(in: hierarchy)
            var directories = recursive ? Cgroup.descendantDirectories(of: top) : []
            directories.reverse()  // children before parents
            directories.append(top)
            for directory in directories {
                do { try Cgroup.removeDirectory(directory, busyRetrySeconds: busyRetrySeconds) } catch {
                    if firstError == nil { firstError = error }
                }
            }
        }
        if let error = firstError { throw error }
    }

    /// rmdir with EBUSY retries; ENOENT is success.
    private static func removeDirectory(_ directory: String, busyRetrySeconds: Double) throws(KernelError) {
        let deadline = monotonicSeconds() + busyRetrySeconds
        while rmdir(directory) != 0 {
            let error = errno
            if error == ENOENT { return }
            if error == EINTR { continue }
            if error != EBUSY || monotonicSeconds() > deadline {
                throw KernelError("rmdir cgroup", directory, errno: error)
            }
            sleep(milliseconds: 10)
        }
    }

    // MARK: - Time

    /// CLOCK_MONOTONIC in seconds (clock_gettime(2)).
    static func monotonicSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }

    /// Sleeps for `milliseconds` (nanosleep(2)).
    static func sleep(milliseconds: Int) {
        var request = timespec(tv_sec: milliseconds / 1000, tv_nsec: (milliseconds % 1000) * 1_000_000)
        var remaining = timespec()
        while nanosleep(&request, &remaining) != 0 && errno == EINTR { request = remaining }
    }
}
