import Glibc
import KspyKernel
import Testing

/// Discovery of cgroup hierarchies from mountinfo: this machine (hybrid) and recorded
/// shapes of pure-v2 and co-mounted v1 hosts.
@Suite struct CgroupDiscoveryTests {
    @Test func discoversThisMachineFromItsOwnMountinfo() throws {
        let system = try CgroupSystem.current()
        // Independent evidence: the kernel's /proc/self/cgroup lists one line per v1
        // hierarchy (with its controllers) and `0::` when a cgroup2 mount exists.
        let lines = ProcessCgroupEntry.parse(try SystemFile.read("/proc/self/cgroup"))
        let hasUnifiedLine = lines.contains { $0.isUnified }
        let v1Lines = lines.filter { !$0.isUnified }
        for line in v1Lines {
            let first = try #require(line.controllers.first)
            let hierarchy = try #require(system.hierarchy(for: first), "no hierarchy for \(line.controllers)")
            #expect(hierarchy.version == .v1)
            #expect(Set(hierarchy.controllers) == Set(line.controllers))
        }
        #expect(system.v1Hierarchies.count == v1Lines.count)
        #expect((system.unified != nil) == hasUnifiedLine)

        // The development machine's documented hybrid layout (runtimes.md §1).
        guard let unified = system.unified, unified.mountPoint == "/sys/fs/cgroup/unified" else {
            print("not the hybrid dev layout; checked only against /proc/self/cgroup")
            return
        }
        #expect(system.layout == .hybrid)
        #expect(unified.version == .v2)
        // Controllers not bound to a v1 hierarchy are offered by cgroup2 (here: hugetlb,
        // which has no v1 mount); the ones kspy limits are all on v1.
        let offered = try SystemFile.readTrimmed("/sys/fs/cgroup/unified/cgroup.controllers")
        #expect(unified.controllers == offered.split(separator: " ").map(String.init))
        for controller in ["cpu", "cpuacct", "cpuset", "memory", "pids", "devices", "freezer", "blkio", "io"] {
            #expect(!unified.has(controller), "\(controller)")
        }
        let memory = try #require(system.hierarchy(for: "memory"))
        #expect(memory.version == .v1)
        #expect(memory.mountPoint == "/sys/fs/cgroup/memory")
        #expect(memory.controllers == ["memory"])
        #expect(memory.root == "/")
        let cpu = try #require(system.hierarchy(for: "cpu"))
        let cpuacct = try #require(system.hierarchy(for: "cpuacct"))
        #expect(cpu.controllers == ["cpu"])
        #expect(cpuacct.controllers == ["cpuacct"])
        #expect(cpu.mountPoint == "/sys/fs/cgroup/cpu")
        #expect(cpuacct.mountPoint == "/sys/fs/cgroup/cpuacct")
        let systemd = try #require(system.hierarchy(for: "name=systemd"))
        #expect(systemd.mountPoint == "/sys/fs/cgroup/systemd")
        #expect(systemd.name == "systemd")
        #expect(systemd.controllers == ["name=systemd"])
        for controller in ["cpuset", "devices", "freezer", "blkio", "pids"] {
            #expect(system.hierarchy(for: controller)?.mountPoint == "/sys/fs/cgroup/" + controller)
        }
        // The mount device of each hierarchy is what stat(2) reports for its directory.
        let mounts = try MountInfo.read()
        for hierarchy in system.hierarchies {
            let entry = try #require(mounts.first { $0.mountID == hierarchy.mountID })
            var st = stat()
            #expect(stat(hierarchy.mountPoint, &st) == 0)
            let device = UInt64(st.st_dev)
            // glibc's gnu_dev_major / gnu_dev_minor encoding of dev_t.
            let major = UInt32(truncatingIfNeeded: ((device >> 8) & 0xfff) | ((device >> 32) & ~UInt64(0xfff)))
            let minor = UInt32(truncatingIfNeeded: (device & 0xff) | ((device >> 12) & ~UInt64(0xff)))
            #expect(major == entry.major && minor == entry.minor, "\(hierarchy.mountPoint)")
        }
    }

    /// A pure cgroup v2 node (systemd "unified" mode, e.g. Debian 12, Ubuntu 22.04).
    @Test func discoversPureV2() {
        let text = """
            22 1 254:1 / / rw,relatime shared:1 - ext4 /dev/vda1 rw
            25 23 0:23 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot
            26 23 0:24 / /sys/fs/pstore rw,nosuid,nodev,noexec,relatime shared:10 - pstore pstore rw
            """
        var asked: [String] = []
        let system = CgroupSystem.discover(mountinfo: MountInfo.parse(text)) { mountPoint in
            asked.append(mountPoint)
            return ["cpuset", "cpu", "io", "memory", "hugetlb", "pids", "rdma", "misc"]
        }
        #expect(asked == ["/sys/fs/cgroup"])
        #expect(system.layout == .v2)
        #expect(system.v1Hierarchies.isEmpty)
        let unified = system.unified
        #expect(unified?.mountPoint == "/sys/fs/cgroup")
        #expect(unified?.version == .v2)
        #expect(system.hierarchy(for: "memory") == unified)
        #expect(system.hierarchy(for: "cpu") == unified)
        #expect(system.hierarchy(for: "pids") == unified)
        #expect(system.hierarchy(for: "cpuacct") == nil)
        #expect(system.hierarchy(for: "name=systemd") == nil)
    }

    /// A v1 node with the usual co-mounts (`cpu,cpuacct`, `net_cls,net_prio`), systemd's
    /// named hierarchy with flags and a release agent, and a bind mount of the memory
    /// hierarchy (same controllers, other root) that must count once.
    @Test func discoversV1WithCoMountedControllers() {
        let text = """
            24 22 0:21 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:4 - tmpfs tmpfs ro,mode=755
            25 24 0:22 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime shared:5 - cgroup cgroup rw,xattr,release_agent=/usr/lib/systemd/systemd-cgroups-agent,name=systemd
            28 24 0:25 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime shared:8 - cgroup cgroup rw,cpu,cpuacct
            29 24 0:26 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:9 - cgroup cgroup rw,memory
            30 24 0:27 / /sys/fs/cgroup/net_cls,net_prio rw,nosuid,nodev,noexec,relatime shared:10 - cgroup cgroup rw,net_cls,net_prio
            31 24 0:28 / /sys/fs/cgroup/cpuset rw,nosuid,nodev,noexec,relatime shared:11 - cgroup cgroup rw,cpuset,clone_children
            90 80 0:26 /kubepods/pod1 /var/lib/kubelet/memory rw,relatime - cgroup cgroup rw,memory
            """
        let system = CgroupSystem.discover(mountinfo: MountInfo.parse(text)) { _ in
            Issue.record("no cgroup2 mount, so no cgroup.controllers to read")
            return []
        }
        #expect(system.layout == .v1)
        #expect(system.unified == nil)
        #expect(system.v1Hierarchies.count == 5)
        let cpu = system.hierarchy(for: "cpu")
        #expect(cpu?.controllers == ["cpu", "cpuacct"])
        #expect(cpu?.mountPoint == "/sys/fs/cgroup/cpu,cpuacct")
        #expect(system.hierarchy(for: "cpuacct") == cpu)
        #expect(system.hierarchy(for: "memory")?.mountPoint == "/sys/fs/cgroup/memory")
        #expect(system.hierarchy(for: "memory")?.root == "/")
        #expect(system.hierarchy(for: "net_prio")?.controllers == ["net_cls", "net_prio"])
        #expect(system.hierarchy(for: "cpuset")?.controllers == ["cpuset"])
        let systemd = system.hierarchy(for: "name=systemd")
        #expect(systemd?.controllers == ["name=systemd"])
        #expect(systemd?.name == "systemd")
        #expect(system.hierarchy(for: "pids") == nil)
    }

    /// systemd's hybrid mode with the unified mount carrying no controllers, as on the
    /// dev machine, but from text: layout hybrid, controllers resolve to v1.
    @Test func discoversHybridFromText() {
        let text = """
            32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
            35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
            40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
            41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
            """
        let system = CgroupSystem.discover(mountinfo: MountInfo.parse(text)) { _ in [] }
        #expect(system.layout == .hybrid)
        #expect(system.unified?.controllers == [])
        #expect(system.hierarchy(for: "memory")?.version == .v1)
        #expect(system.hierarchies.map(\.mountPoint) == [
            "/sys/fs/cgroup/cpu", "/sys/fs/cgroup/memory", "/sys/fs/cgroup/systemd", "/sys/fs/cgroup/unified",
        ])
        // Only a named v1 hierarchy next to a controller-carrying cgroup2: unified mode.
        let named = CgroupSystem.discover(mountinfo: MountInfo.parse(text).filter { $0.mountID >= 40 }) { _ in
            ["cpu", "memory"]
        }
        #expect(named.layout == .v2)
        #expect(CgroupSystem.discover(mountinfo: []).layout == .none)
    }

    @Test func v1ControllersFromSuperOptions() {
        #expect(CgroupSystem.v1Controllers(superOptions: ["rw", "cpu", "cpuacct"]) == ["cpu", "cpuacct"])
        #expect(
            CgroupSystem.v1Controllers(superOptions: ["rw", "noprefix", "release_agent=/x", "cpuset"]) == ["cpuset"])
        #expect(CgroupSystem.v1Controllers(superOptions: ["ro", "xattr", "name=systemd"]) == ["name=systemd"])
    }

    /// Paths of /proc/<pid>/cgroup are relative to the reader's cgroup namespace, the
    /// mount's root field too (cgroup_namespaces(7)): map one onto the other.
    @Test func mapsProcessPathsThroughTheMountRoot() {
        let whole = CgroupHierarchy(version: .v2, mountPoint: "/sys/fs/cgroup", root: "/", controllers: [])
        #expect(whole.directory(forProcessPath: "/kubepods/pod1") == "/sys/fs/cgroup/kubepods/pod1")
        #expect(whole.directory(forProcessPath: "/") == "/sys/fs/cgroup")
        let sub = CgroupHierarchy(version: .v1, mountPoint: "/cg", root: "/kubepods/pod1", controllers: ["memory"])
        #expect(sub.directory(forProcessPath: "/kubepods/pod1/ctr") == "/cg/ctr")
        #expect(sub.directory(forProcessPath: "/kubepods/pod1") == "/cg")
        #expect(sub.directory(forProcessPath: "/kubepods/pod10") == nil)
        #expect(sub.directory(forProcessPath: "/system.slice") == nil)
        #expect(sub.directory(for: "/a/b") == "/cg/a/b")
    }
}
