import Glibc
import KspyKernel
import Testing

/// procfs readers against this process, children the test starts, a recorded tree,
/// and literal lines.
@Suite struct ProcfsTests {
    let procfs = Procfs()

    @Test func ownStatMatchesTheKernel() throws {
        let pid = getpid()
        let stat = try procfs.stat(pid: pid)
        #expect(stat.pid == pid)
        #expect(stat.comm == (try SystemFile.readTrimmed("/proc/\(pid)/comm")))
        #expect(stat.ppid == getppid())
        #expect(stat.pgrp == getpgrp())
        #expect(stat.session == getsid(0))
        // The main thread; the test itself may run on another thread.
        #expect(stat.state == "R" || stat.state == "S")
        #expect(stat.threadCount >= 1)
        #expect(stat.startTimeTicks > 0)
        // Field 22 counted independently from the raw text.
        let raw = try SystemFile.read("/proc/\(pid)/stat")
        let afterComm = raw[raw.index(after: try #require(raw.lastIndex(of: ")")))...].split(separator: " ")
        #expect(stat.startTimeTicks == UInt64(afterComm[19]))
    }

    @Test func ownStatusMatchesTheKernel() throws {
        let status = try procfs.status(pid: getpid())
        #expect(status.pid == getpid())
        #expect(status.tgid == getpid())
        #expect(status.ppid == getppid())
        #expect(status.uid == ProcessStatus.IDs(real: getuid(), effective: geteuid(), saved: getuid(), filesystem: geteuid()))
        #expect(status.gid?.real == getgid())
        #expect(status.gid?.effective == getegid())
        #expect(status.nsPid.last == getpid())
        #expect(status.name == (try SystemFile.readTrimmed("/proc/self/comm")))
        #expect(status.capBounding != nil)
        #expect(status.seccompMode == 0 || status.seccompMode == 2)
        #expect(status.noNewPrivs != nil)
        if geteuid() == 0 {
            let bounding = try #require(status.capBounding)
            #expect(bounding & (1 << 21) != 0)  // CAP_SYS_ADMIN
            #expect(Capabilities.names(bounding).contains("CAP_SYS_ADMIN"))
        }
    }

    @Test func namespacesAreTheInodesStatGives() throws {
        let pid = getpid()
        let namespaces = try procfs.namespaces(pid: pid)
        let listed = try SystemFile.listDirectory("/proc/\(pid)/ns")
        for kind in NamespaceKind.allCases {
            if listed.contains(kind.rawValue) {
                var st = stat()
                #expect(stat("/proc/\(pid)/ns/\(kind.rawValue)", &st) == 0)
                #expect(namespaces[kind]?.inode == UInt64(st.st_ino), "\(kind)")
                #expect(namespaces[kind]?.device == UInt64(st.st_dev), "\(kind)")
                // readlink shows the same inode: `net:[4026531833]`.
                var buffer = [CChar](repeating: 0, count: 128)
                let n = readlink("/proc/\(pid)/ns/\(kind.rawValue)", &buffer, buffer.count - 1)
                #expect(n > 0)
                let link = String(decoding: buffer[0..<max(n, 0)].map { UInt8(bitPattern: $0) }, as: UTF8.self)
                #expect(link == "\(kind.rawValue):[\(st.st_ino)]")
            } else {
                #expect(namespaces[kind] == nil)
            }
        }
        // Kernel 6.18 has all eight kinds (time since 5.6).
        #expect(namespaces.count == NamespaceKind.allCases.count)
    }

    @Test func childCommandLineEnvironmentAndOOMScore() throws {
        let child = try ChildProcess(["/bin/sleep", "30"], environment: ["KSPY_TEST=a b", "PATH=/usr/bin:/bin"])
        defer { kill(child.pid, SIGKILL); child.reap() }
        #expect(child.waitUntilSleeping())
        #expect(try procfs.commandLine(pid: child.pid) == ["/bin/sleep", "30"])
        #expect(try procfs.environment(pid: child.pid) == ["KSPY_TEST=a b", "PATH=/usr/bin:/bin"])
        #expect(try procfs.oomScoreAdj(pid: child.pid) == (try procfs.oomScoreAdj(pid: getpid())))
        try SystemFile.write("500", to: "/proc/\(child.pid)/oom_score_adj")
        #expect(try procfs.oomScoreAdj(pid: child.pid) == 500)
        let stat = try procfs.stat(pid: child.pid)
        #expect(stat.ppid == getpid())
        #expect(stat.comm == "sleep")
        #expect(try procfs.pids().contains(child.pid))
        let entry = try procfs.entry(pid: child.pid)
        #expect(entry.commandLine == ["/bin/sleep", "30"])
        #expect(entry.status?.ppid == getpid())
        #expect(entry.namespaces?.count == NamespaceKind.allCases.count)
        #expect(entry.cgroups == (try procfs.cgroups(pid: child.pid)))
    }

    /// comm is written raw: spaces and `)` inside are kept; the stat fields after it
    /// are found from the last `)`.
    @Test func commWithSpacesAndParentheses() throws {
        let line =
            "4242 (my (weird) prog) ) S 1 4242 4242 34816 4242 4194560 120 0 0 0 7 3 0 0 20 0 1 0 98765 2342912 182 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n"
        let stat = try #require(ProcessStat.parse(line))
        #expect(stat.pid == 4242)
        #expect(stat.comm == "my (weird) prog) ")
        #expect(stat.state == "S")
        #expect(stat.ppid == 1)
        #expect(stat.pgrp == 4242)
        #expect(stat.session == 4242)
        #expect(stat.ttyNr == 34816)
        #expect(stat.userTicks == 7)
        #expect(stat.systemTicks == 3)
        #expect(stat.nice == 0)
        #expect(stat.threadCount == 1)
        #expect(stat.startTimeTicks == 98765)
        #expect(stat.rssPages == 182)
        #expect(ProcessStat.parse("") == nil)
        #expect(ProcessStat.parse("12 (x) S 1") == nil)
        // The byte parser used by node scans agrees with the text parser.
        #expect(ProcessStat.parse(bytes: Array(line.utf8)) == stat)
        #expect(ProcessStat.parse(bytes: []) == nil)
        #expect(ProcessStat.parse(bytes: Array("12 (x) S 1".utf8)) == nil)
    }

    /// Byte and text parsers agree on every process of this machine, and the byte
    /// parser of /proc/<pid>/cgroup agrees with the text one.
    @Test func byteParsersAgreeWithTextParsers() throws {
        var compared = 0
        for pid in try Procfs().pids() {
            guard let bytes = try? SystemFile.readBytes("/proc/\(pid)/stat"),
                let cgroup = try? SystemFile.readBytes("/proc/\(pid)/cgroup")
            else { continue }
            let text = String(decoding: bytes, as: UTF8.self)
            #expect(ProcessStat.parse(bytes: bytes) == ProcessStat.parse(text), "pid \(pid)")
            #expect(
                ProcessCgroupEntry.parse(bytes: cgroup) == ProcessCgroupEntry.parse(String(decoding: cgroup, as: UTF8.self)))
            compared += 1
        }
        #expect(compared > 10)
    }

    /// The readlink-based namespace reads (a scan's, with the device known, and
    /// `namespaces()`, which stats one link for it) give the same (device, inode) as
    /// stat'ing every link, for every process of this machine.
    @Test func namespaceLinksAgreeWithStat() throws {
        let device = try NamespaceID.of(path: "/proc/self/ns/net").device
        var compared = 0
        for pid in try Procfs().pids() {
            guard let directory = try? ProcessDirectory(pid: pid),
                let viaLink = try? directory.namespaces(nsfsDevice: device),
                let viaOneStat = try? directory.namespaces()
            else { continue }
            // Every link followed with stat; a process that exits meanwhile is skipped.
            var viaStat: [NamespaceKind: NamespaceID] = [:]
            do {
                for kind in NamespaceKind.allCases {
                    if let id = try directory.namespace(kind) { viaStat[kind] = id }
                }
            } catch {
                continue
            }
            #expect(viaLink == viaStat, "pid \(pid)")
            #expect(viaOneStat == viaStat, "pid \(pid)")
            #expect(viaStat.count >= 7)
            compared += 1
        }
        #expect(compared > 10)
    }

    /// The kernel names a process after the executed file's basename, raw: exec a
    /// symlink called `a b) (c` and read it back.
    @Test func commWithSpacesAndParenthesesFromTheKernel() throws {
        let scratch = try KernelTestSupport.makeScratchDirectory()
        defer { try? SystemFile.removeTree(scratch) }
        let weird = scratch + "/a b) (c"
        #expect(symlink("/bin/sleep", weird) == 0)
        let child = try ChildProcess([weird, "30"])
        defer { kill(child.pid, SIGKILL); child.reap() }
        #expect(child.waitUntilSleeping())
        let stat = try procfs.stat(pid: child.pid)
        #expect(stat.comm == "a b) (c")
        #expect(stat.ppid == getpid())
        #expect(stat.state == "S")
        #expect(try procfs.status(pid: child.pid).name == "a b) (c")
    }

    @Test func exitedProcessIsGone() throws {
        let child = try ChildProcess(["/bin/true"])
        child.reap()
        let pid = child.pid
        func expectGone(_ what: String, _ body: () throws(KernelError) -> Void) {
            do {
                try body()
                Issue.record("\(what) of an exited process succeeded")
            } catch {
                #expect(error.isGone, "\(what): \(error)")
            }
        }
        expectGone("stat") { () throws(KernelError) in _ = try procfs.stat(pid: pid) }
        expectGone("status") { () throws(KernelError) in _ = try procfs.status(pid: pid) }
        expectGone("cgroup") { () throws(KernelError) in _ = try procfs.cgroups(pid: pid) }
        expectGone("ns") { () throws(KernelError) in _ = try procfs.namespaces(pid: pid) }
        expectGone("cmdline") { () throws(KernelError) in _ = try procfs.commandLine(pid: pid) }
        expectGone("environ") { () throws(KernelError) in _ = try procfs.environment(pid: pid) }
        expectGone("oom_score_adj") { () throws(KernelError) in _ = try procfs.oomScoreAdj(pid: pid) }
        expectGone("mountinfo") { () throws(KernelError) in _ = try procfs.mountInfo(pid: pid) }
        expectGone("attr/current") { () throws(KernelError) in _ = try procfs.securityLabel(pid: pid) }
        expectGone("uid_map") { () throws(KernelError) in _ = try procfs.uidMap(pid: pid) }
        expectGone("entry") { () throws(KernelError) in _ = try procfs.entry(pid: pid) }
    }

    /// A zombie still has stat (state Z) but its namespaces are gone.
    @Test func zombieHasStatButNoNamespaces() throws {
        let child = try ChildProcess(["/bin/true"])
        #expect(child.waitUntilZombie())
        let stat = try procfs.stat(pid: child.pid)
        #expect(stat.state == "Z")
        #expect(try procfs.commandLine(pid: child.pid) == [])
        do {
            _ = try procfs.namespaces(pid: child.pid)
            Issue.record("namespaces of a zombie resolved")
        } catch {
            #expect(error.isGone)
        }
        child.reap()
    }

    @Test func securityLabelIsNilWithoutAnLSM() throws {
        do {
            _ = try SystemFile.read("/proc/self/attr/current")
            // An LSM is active: the label is non-empty text.
            #expect(try procfs.securityLabel(pid: getpid())?.isEmpty == false)
        } catch {
            #expect(error.errno == EINVAL || error.errno == ENOENT)
            #expect(try procfs.securityLabel(pid: getpid()) == nil)
        }
    }

    @Test func uidMapOfTheInitialUserNamespace() throws {
        let maps = try procfs.uidMap(pid: getpid())
        let user = try NamespaceID.of(pid: getpid(), .user)
        if user.inode == 0xEFFF_FFFD {  // PROC_USER_INIT_INO: the initial user namespace
            #expect(maps == [IDMapRange(insideStart: 0, outsideStart: 0, count: 4_294_967_295)])
            #expect(try procfs.gidMap(pid: getpid()) == maps)
        }
        #expect(maps.first?.outside(for: 0) != nil)
        let range = IDMapRange(insideStart: 0, outsideStart: 100_000, count: 65_536)
        #expect(range.outside(for: 1000) == 101_000)
        #expect(range.outside(for: 65_536) == nil)
        #expect(IDMapRange.parse("         0     100000      65536\n   bad\n") == [range])
    }

    @Test func pidsAreTheNumericEntries() throws {
        let pids = try procfs.pids()
        #expect(pids.contains(getpid()))
        #expect(pids.contains(1))
        #expect(pids == pids.sorted())
        #expect(pids.allSatisfy { $0 > 0 })
    }

    /// Readers on a recorded tree via `procRoot`.
    @Test func readsARecordedTree() throws {
        let root = try KernelTestSupport.makeScratchDirectory()
        defer { try? SystemFile.removeTree(root) }
        try SystemFile.makeDirectories(root + "/361")
        try SystemFile.makeDirectories(root + "/362")
        try SystemFile.makeDirectories(root + "/sys")
        try KernelTestSupport.writeFile(
            root + "/361/stat",
            "361 (sh) R 224 361 1 0 -1 4194304 100 0 0 0 400 1 0 0 20 0 1 0 1234 3141632 200 18446744073709551615\n")
        try KernelTestSupport.writeFile(root + "/362/stat", "")  // exited while being read
        let transcript = try KernelTestSupport.fixture("cgroup/proc-pid-cgroup-ns.txt")
        let line = try #require(transcript.split(separator: "\n").first { $0.hasPrefix("0::") })
        try KernelTestSupport.writeFile(root + "/361/cgroup", line + "\n")
        try KernelTestSupport.writeFile(root + "/361/cmdline", "sh\0-c\0while :; do :; done\0")
        let recorded = Procfs(procRoot: root)
        #expect(try recorded.pids() == [361, 362])
        let stat = try recorded.stat(pid: 361)
        #expect(stat.comm == "sh")
        #expect(stat.ppid == 224)
        #expect(stat.startTimeTicks == 1234)
        #expect(try recorded.commandLine(pid: 361) == ["sh", "-c", "while :; do :; done"])
        let cgroups = try recorded.cgroups(pid: 361)
        #expect(cgroups.count == 1)
        #expect(cgroups.first?.path.hasSuffix("cri-containerd-b0b0cafe1234567890abcdef1234567890abcdef1234567890abcdef12345678.scope") == true)
        do {
            _ = try recorded.stat(pid: 362)
            Issue.record("an empty stat parsed")
        } catch {
            #expect(error.isGone)
        }
        do {
            _ = try recorded.stat(pid: 999)
            Issue.record("a missing PID read")
        } catch {
            #expect(error.isGone)
        }
    }

    @Test func statusParserOnLiteralText() {
        let text = """
            Name:\tmy\\nname
            State:\tS (sleeping)
            Tgid:\t224
            Pid:\t224
            PPid:\t1
            Uid:\t1000\t1001\t1002\t1003
            Gid:\t2000\t2001\t2002\t2003
            Groups:\t4 24 27
            NStgid:\t224\t1
            NSpid:\t224\t1
            CapInh:\t0000000000000000
            CapPrm:\t00000000a80425fb
            CapEff:\t00000000a80425fb
            CapBnd:\t000001ffffffffff
            CapAmb:\t0000000000000000
            NoNewPrivs:\t1
            Seccomp:\t2
            Seccomp_filters:\t1
            """
        let status = ProcessStatus.parse(text)
        #expect(status.name == "my\nname")
        #expect(status.state == "S")
        #expect(status.uid == ProcessStatus.IDs(real: 1000, effective: 1001, saved: 1002, filesystem: 1003))
        #expect(status.gid?.filesystem == 2003)
        #expect(status.groups == [4, 24, 27])
        #expect(status.nsPid == [224, 1])
        #expect(status.capEffective == 0xa804_25fb)
        #expect(status.capBounding == 0x1ff_ffff_ffff)
        #expect(status.noNewPrivs == true)
        #expect(status.seccompMode == 2)
        #expect(status.seccompFilters == 1)
        #expect(status.fields["State"] == "S (sleeping)")
        // The default container capability set (containerd/Docker).
        #expect(
            Capabilities.names(0xa804_25fb) == [
                "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_SETGID", "CAP_SETUID",
                "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_NET_RAW", "CAP_SYS_CHROOT", "CAP_MKNOD", "CAP_AUDIT_WRITE",
                "CAP_SETFCAP",
            ])
    }
}
