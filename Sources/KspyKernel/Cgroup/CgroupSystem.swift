/// The cgroup hierarchies visible to the reader, discovered from mountinfo
/// (proc(5) `/proc/<pid>/mountinfo`; cgroups(7)): filesystem type `cgroup` is a v1
/// hierarchy whose super options name its controllers, `cgroup2` is the unified
/// hierarchy. Paths are never assumed: nodes run pure v2, v1 with `cpu,cpuacct`
/// co-mounted, or hybrid (v1 controllers plus a controller-less cgroup2 mount).
public struct CgroupSystem: Hashable, Sendable {
    /// Every distinct hierarchy, in mountinfo order (a hierarchy mounted twice is
    /// listed once).
    public var hierarchies: [CgroupHierarchy]

    /// Creates a system from already discovered hierarchies.
    public init(hierarchies: [CgroupHierarchy]) {
        self.hierarchies = hierarchies
    }

    /// The v1 hierarchies, named ones (`name=systemd`) included.
    public var v1Hierarchies: [CgroupHierarchy] { hierarchies.filter { $0.version == .v1 } }

    /// The cgroup2 (unified) hierarchy, if mounted.
    public var unified: CgroupHierarchy? { hierarchies.first { $0.version == .v2 } }

    /// The layout: hybrid when a v1 hierarchy carries a real controller and a cgroup2
    /// mount exists; v2 when only cgroup2 carries controllers; v1 without cgroup2.
    public var layout: CgroupLayout {
        let v1WithControllers = v1Hierarchies.contains { $0.controllers.contains { !$0.hasPrefix("name=") } }
        if unified != nil { return v1WithControllers ? .hybrid : .v2 }
        return v1Hierarchies.isEmpty ? .none : .v1
    }

    /// The hierarchy that holds `controller` (`"memory"`, `"cpu"`, `"name=systemd"`):
    /// a v1 hierarchy with it attached, else the unified hierarchy when its
    /// `cgroup.controllers` lists it (a controller is attached to one hierarchy at a
    /// time, cgroups(7)). Nil when no mounted hierarchy has it.
    public func hierarchy(for controller: String) -> CgroupHierarchy? {
        if let v1 = v1Hierarchies.first(where: { $0.has(controller) }) { return v1 }
        if let v2 = unified, v2.has(controller) { return v2 }
        return nil
    }

    /// Discovers the hierarchies in a parsed mount table. `controllersOf` returns the
    /// controllers of a cgroup2 mount point (by default the contents of its
    /// `cgroup.controllers`; tests pass recorded values). A v1 hierarchy mounted more
    /// than once (same controller set) counts once, preferring a mount of its root `/`.
    public static func discover(
        mountinfo: [MountInfoEntry],
        controllersOf: (_ mountPoint: String) -> [String] = CgroupSystem.unifiedControllers(mountPoint:)
    ) -> CgroupSystem {
        var result: [CgroupHierarchy] = []
        var keys: [[String]] = []  // result[i]: ["v1"] + its sorted controllers, or ["v2"]; a handful at most
        for entry in mountinfo {
            let hierarchy: CgroupHierarchy
            let key: [String]
            switch entry.fsType {
            case "cgroup":
                let controllers = v1Controllers(superOptions: entry.superOptions)
                if controllers.isEmpty { continue }
                hierarchy = CgroupHierarchy(
                    version: .v1, mountPoint: entry.mountPoint, root: entry.root, controllers: controllers,
                    mountID: entry.mountID)
                key = ["v1"] + controllers.sorted()
            case "cgroup2":
                hierarchy = CgroupHierarchy(
                    version: .v2, mountPoint: entry.mountPoint, root: entry.root, controllers: [],
                    mountID: entry.mountID)
                key = ["v2"]
            default:
                continue
            }
            if let index = keys.firstIndex(of: key) {
                if result[index].root != "/" && hierarchy.root == "/" { result[index] = hierarchy }
            } else {
                keys.append(key)
                result.append(hierarchy)
            }
        }
        for index in result.indices where result[index].version == .v2 {
            result[index].controllers = controllersOf(result[index].mountPoint)
        }
        return CgroupSystem(hierarchies: result)
    }

    /// Discovers the hierarchies visible to the calling process: its cgroup mounts
    /// from listmount/statmount (`MountListing`), else from `/proc/self/mountinfo`
    /// (kernels before 6.15, or another `procRoot`).
    /// - Throws: `KernelError` when mountinfo is needed and cannot be read.
    public static func current(procRoot: String = "/proc") throws(KernelError) -> CgroupSystem {
        // The mount records, when the kernel has listmount/statmount, cost far less
        // than printing and parsing mountinfo (`MountListing`).
        if procRoot == "/proc",
            let mounts = MountListing.entries(superMagics: [MountListing.cgroupMagic, MountListing.cgroup2Magic])
        {
            return discover(mountinfo: mounts)
        }
        return discover(mountinfo: try MountInfo.read(pid: nil, procRoot: procRoot, fsTypes: ["cgroup", "cgroup2"]))
    }

    /// The controllers a cgroup2 mount holds: the words of `<mountPoint>/cgroup.controllers`
    /// (cgroup-v2 documentation, "Enabling and Disabling"); empty when unreadable.
    public static func unifiedControllers(mountPoint: String) -> [String] {
        guard let text = try? SystemFile.read(mountPoint + "/cgroup.controllers") else { return [] }
        return text.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init)
    }

    /// Super options of a v1 cgroup mount that are flags, not controllers
    /// (kernel cgroup1_show_options, plus the generic `ro`/`rw`).
    private static let v1Flags: [String] = [
        "rw", "ro", "noprefix", "xattr", "cpuset_v2_mode", "favordynmods", "clone_children", "none", "all",
    ]

    /// The controllers named by the super options of a v1 mount: every option that
    /// is not a flag or a `key=value` setting, plus `name=<name>` for named hierarchies.
    public static func v1Controllers(superOptions: [String]) -> [String] {
        superOptions.filter { option in
            if option.hasPrefix("name=") { return true }
            return !option.contains("=") && !v1Flags.contains(option)
        }
    }
}
