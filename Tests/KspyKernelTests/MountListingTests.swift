import Glibc
import KspyKernel
import Testing

/// listmount/statmount records (`MountListing`) against what the kernel prints in
/// `/proc/self/mountinfo`: the same mounts with the same fields, on this machine's
/// table and on mounts the test makes with unusual names, options and propagation.
@Suite(.serialized) struct MountListingTests {
    /// Every mount of this process's table, field for field, keyed by mount ID.
    @Test func agreesWithMountinfo() throws {
        try expectAgreement()
    }

    /// A read-only, noexec tmpfs at a path with a space and a tab, made a shared peer
    /// group, and a bind mount of it made a slave (master:N): names unescaped, per-mount
    /// options, superblock options and optional fields all agree.
    @Test func agreesOnOddNamesOptionsAndPropagation() throws {
        let scratch = try KernelTestSupport.makeScratchDirectory()
        defer { try? SystemFile.removeTree(scratch) }
        let shared = scratch + "/shared dir\tx"
        let slave = scratch + "/slave"
        #expect(mkdir(shared, 0o755) == 0 && mkdir(slave, 0o755) == 0)
        try Mounts.mount(
            source: "kspy test", target: shared, type: "tmpfs", flags: UInt(MS_NOSUID | MS_NODEV | MS_NOEXEC),
            data: "size=1m,mode=700")
        defer { try? Mounts.unmount(shared, detach: true) }
        try Mounts.setPropagation(.shared, of: shared, recursive: false)
        try Mounts.mount(source: shared, target: slave, type: nil, flags: UInt(MS_BIND), data: nil)
        defer { try? Mounts.unmount(slave, detach: true) }
        try Mounts.setPropagation(.slave, of: slave, recursive: false)
        try Mounts.mount(
            source: nil, target: slave, type: nil, flags: UInt(MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOATIME), data: nil)

        let listed = try expectAgreement()
        let mine = listed.filter { $0.mountPoint == shared || $0.mountPoint == slave }
        #expect(mine.count == 2)
        let slaveEntry = try #require(mine.first { $0.mountPoint == slave })
        #expect(slaveEntry.source == "kspy test")
        #expect(slaveEntry.mountOptions.contains("ro") && slaveEntry.mountOptions.contains("noatime"))
        #expect(slaveEntry.propagation.isSlave)
        #expect(slaveEntry.superOptions.contains("mode=700"))
    }

    /// The cgroup layout is the same whichever source it is read from.
    @Test func cgroupSystemFromEitherSource() throws {
        let fromMountinfo = CgroupSystem.discover(mountinfo: try MountInfo.read(fsTypes: ["cgroup", "cgroup2"]))
        let listed = try #require(
            MountListing.entries(superMagics: [MountListing.cgroupMagic, MountListing.cgroup2Magic]),
            "listmount/statmount unavailable on this kernel")
        #expect(!listed.isEmpty)
        #expect(CgroupSystem.discover(mountinfo: listed) == fromMountinfo)
        #expect(try CgroupSystem.current() == fromMountinfo)
    }

    /// The MOUNT_ATTR_* bits as mountinfo prints them, in the kernel's order.
    @Test func mountOptionsFromAttributes() {
        #expect(MountListing.mountOptions(0) == ["rw", "relatime"])
        #expect(MountListing.mountOptions(0x1 | 0x2 | 0x4 | 0x8 | 0x10) == ["ro", "nosuid", "nodev", "noexec", "noatime"])
        #expect(MountListing.mountOptions(0x20) == ["rw"])  // strictatime
        #expect(MountListing.mountOptions(0x80 | 0x20_0000) == ["rw", "nodiratime", "relatime", "nosymfollow"])
    }

    /// Compares both sources and returns the listing. Other suites mount and unmount
    /// while this runs (test pods, netns): the listing is taken between two identical
    /// reads of mountinfo, retried until the table holds still.
    @discardableResult
    private func expectAgreement() throws -> [MountInfoEntry] {
        var attempt = 0
        var printed = try MountInfo.read()
        var listed = try #require(MountListing.entries(superMagics: nil), "listmount/statmount unavailable on this kernel")
        while try MountInfo.read() != printed {
            attempt += 1
            try #require(attempt < 20, "the mount table kept changing")
            usleep(50_000)
            printed = try MountInfo.read()
            listed = try #require(MountListing.entries(superMagics: nil))
        }
        #expect(listed.count == printed.count)
        #expect(printed.count > 5)
        for entry in printed {
            guard let twin = listed.first(where: { $0.mountID == entry.mountID }) else {
                Issue.record("mount \(entry.mountID) at \(entry.mountPoint) is not listed")
                continue
            }
            // mountinfo joins a subtype to the type (`fuse.sshfs`); statmount keeps it apart.
            var comparable = twin
            if entry.fsType.hasPrefix(twin.fsType + ".") { comparable.fsType = entry.fsType }
            #expect(comparable == entry, "mount \(entry.mountID) at \(entry.mountPoint)")
        }
        return listed
    }
}
