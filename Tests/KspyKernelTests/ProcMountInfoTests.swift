import Glibc
import KspyKernel
import Testing

/// `/proc/<pid>/mountinfo` parsing (proc(5)): literal lines with escapes and optional
/// fields, and this process's real table.
@Suite struct ProcMountInfoTests {
    @Test func parsesTheManPageExample() throws {
        let entry = try #require(
            MountInfo.parseLine("36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue"))
        #expect(entry.mountID == 36)
        #expect(entry.parentID == 35)
        #expect(entry.major == 98)
        #expect(entry.minor == 0)
        #expect(entry.root == "/mnt1")
        #expect(entry.mountPoint == "/mnt2")
        #expect(entry.mountOptions == ["rw", "noatime"])
        #expect(entry.optionalFields == ["master:1"])
        #expect(entry.fsType == "ext3")
        #expect(entry.source == "/dev/root")
        #expect(entry.superOptions == ["rw", "errors=continue"])
        #expect(entry.superOption("errors") == "continue")
        #expect(entry.propagation.masterPeerGroup == 1)
        #expect(entry.propagation.isSlave)
        #expect(!entry.propagation.isShared)
        #expect(!entry.isReadOnly)
    }

    @Test func unescapesOctalAndReadsOptionalFields() {
        let text = #"""
            100 27 0:50 / /mnt/with\040space rw,relatime shared:12 master:3 - tmpfs my\011src rw,size=4k
            101 27 8:1 /a\134b /mnt/new\012line ro,nosuid - ext4 /dev/sda1 ro
            102 27 0:51 / /private\040dir rw - tmpfs tmpfs rw
            103 27 0:52 / /u rw unbindable propagate_from:7 - fuse.sshfs user@host:/x rw,user_id=0
            garbage line
            1 2 3
            104 27 0:53 / /no-separator rw shared:1 tmpfs tmpfs rw
            105 27 x:y / /bad-device rw - tmpfs tmpfs rw
            """#
        let entries = MountInfo.parse(text)
        #expect(entries.map(\.mountID) == [100, 101, 102, 103])
        let spaced = entries[0]
        #expect(spaced.mountPoint == "/mnt/with space")
        #expect(spaced.source == "my\tsrc")
        #expect(spaced.optionalFields == ["shared:12", "master:3"])
        #expect(spaced.propagation.sharedPeerGroup == 12)
        #expect(spaced.propagation.masterPeerGroup == 3)
        #expect(spaced.superOptions == ["rw", "size=4k"])
        let newline = entries[1]
        #expect(newline.root == "/a\\b")
        #expect(newline.mountPoint == "/mnt/new\nline")
        #expect(newline.isReadOnly)
        #expect(newline.major == 8 && newline.minor == 1)
        #expect(newline.optionalFields == [])
        #expect(newline.propagation.isPrivate)
        #expect(entries[2].mountPoint == "/private dir")
        let fuse = entries[3]
        #expect(fuse.fsType == "fuse.sshfs")
        #expect(fuse.source == "user@host:/x")
        #expect(fuse.propagation.isUnbindable)
        #expect(fuse.propagation.propagateFrom == 7)
        #expect(MountInfo.unescape(#"no\escape\04"#) == #"no\escape\04"#)
        #expect(MountInfo.unescape("caf\u{e9}\\040x") == "caf\u{e9} x")
    }

    @Test func filteringByFilesystemTypeKeepsExactlyThoseMounts() throws {
        let all = try MountInfo.read()
        let cgroups = try MountInfo.read(fsTypes: ["cgroup", "cgroup2"])
        #expect(cgroups == all.filter { $0.fsType == "cgroup" || $0.fsType == "cgroup2" })
        #expect(!cgroups.isEmpty)  // this machine mounts cgroupfs
        #expect(try MountInfo.read(fsTypes: []).isEmpty)
        // The type is read after the separator, also when a text field holds an escaped
        // " - " and optional fields come first.
        let text = "36 35 98:0 / /mnt\\040-\\040x rw shared:1 - cgroup2 none rw\n37 35 98:0 / /y rw - tmpfs none rw\n"
        let kept = MountInfo.parse(bytes: Array(text.utf8), fsTypes: ["cgroup2"])
        #expect(kept.map(\.mountPoint) == ["/mnt - x"])
        #expect(MountInfo.parse(bytes: Array(text.utf8), fsTypes: ["tmpfs"]).map(\.mountPoint) == ["/y"])
    }

    @Test func readsThisProcessesTable() throws {
        let entries = try MountInfo.read()
        #expect(entries == (try MountInfo.read(pid: getpid())))
        let root = try #require(entries.first { $0.mountPoint == "/" })
        var st = stat()
        #expect(stat("/", &st) == 0)
        let device = UInt64(st.st_dev)
        #expect(UInt64(root.major) == (((device >> 8) & 0xfff) | ((device >> 32) & ~UInt64(0xfff))))
        #expect(UInt64(root.minor) == ((device & 0xff) | ((device >> 12) & ~UInt64(0xff))))
        let proc = try #require(entries.first { $0.mountPoint == "/proc" })
        #expect(proc.fsType == "proc")
        #expect(Set(entries.map(\.mountID)).count == entries.count)
        // Every parent is a listed mount, except the parent of the namespace's root.
        let ids = Set(entries.map(\.mountID))
        #expect(entries.filter { !ids.contains($0.parentID) }.count <= 1)
        // The raw line count equals the entries: nothing of the real table was skipped.
        let lines = try SystemFile.read("/proc/self/mountinfo").split(separator: "\n")
        #expect(lines.count == entries.count)
    }
}
