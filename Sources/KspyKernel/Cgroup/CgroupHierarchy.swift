/// One mounted cgroup hierarchy (cgroups(7)), as found in `/proc/<pid>/mountinfo`:
/// a `cgroup` (v1) mount whose super options name its controllers, or a `cgroup2`
/// mount whose root `cgroup.controllers` file lists the controllers it holds.
public struct CgroupHierarchy: Hashable, Sendable {
    /// v1 or v2.
    public var version: CgroupVersion
    /// Where the hierarchy is mounted, e.g. `/sys/fs/cgroup/memory`.
    public var mountPoint: String
    /// The mountinfo root field: which cgroup of the hierarchy is mounted there,
    /// relative to the reader's cgroup namespace root (`/` normally; `/..`-style or a
    /// subdirectory inside containers, cgroup_namespaces(7)).
    public var root: String
    /// Controllers attached: v1 from the super options (`["cpu"]`, `["cpu", "cpuacct"]`,
    /// named hierarchies as `["name=systemd"]`); v2 the root's `cgroup.controllers`.
    public var controllers: [String]
    /// The mount ID from mountinfo (to tell bind mounts of one hierarchy apart).
    public var mountID: Int

    /// Creates a hierarchy description.
    public init(version: CgroupVersion, mountPoint: String, root: String, controllers: [String], mountID: Int = 0) {
        self.version = version
        self.mountPoint = mountPoint
        self.root = root
        self.controllers = controllers
        self.mountID = mountID
    }

    /// The name of a named v1 hierarchy (`name=systemd` → `systemd`), else nil.
    public var name: String? {
        for controller in controllers where controller.hasPrefix("name=") {
            return String(controller.dropFirst(5))
        }
        return nil
    }

    /// True when the hierarchy has `controller` attached (`"memory"`, or
    /// `"name=systemd"` for a named hierarchy).
    public func has(_ controller: String) -> Bool { controllers.contains(controller) }

    /// The directory of the cgroup at `path`, a path relative to this mount's root
    /// (`/kubepods/pod1` → `/sys/fs/cgroup/memory/kubepods/pod1`).
    public func directory(for path: String) -> String {
        // Joined as whole Strings (memcpy): `String + Substring` and appending a UTF-8
        // view to bytes are generic copies, one byte at a time.
        guard let start = path.utf8.firstIndex(where: { $0 != UInt8(ascii: "/") }) else { return mountPoint }
        let relative = String(path[start...])
        return mountPoint == "/" ? "/" + relative : mountPoint + "/" + relative
    }

    /// The directory for a path as `/proc/<pid>/cgroup` shows it (relative to the
    /// reader's cgroup namespace root), taking the mount's `root` into account; nil
    /// when the cgroup lies outside what this mount shows (cgroup_namespaces(7)).
    public func directory(forProcessPath path: String) -> String? {
        if root == "/" { return directory(for: path) }
        if path == root { return mountPoint }
        let prefix = root.hasSuffix("/") ? root : root + "/"
        guard path.hasPrefix(prefix) else { return nil }
        return directory(for: String(path.dropFirst(prefix.count)))
    }
}
