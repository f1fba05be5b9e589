import KspyTrace
import Testing

/// `KmsgRecord` and `KernelOOMReport` against lines built from the kernel's format
/// strings (runtimes.md §6.3; mm/oom_kill.c) — the first pair copied from a real kill
/// on this machine's 6.18 kernel.
@Suite struct KmsgReportParserTests {
    /// `oom-kill:` summary line as `dump_oom_summary` + `cpuset_print_current_mems_allowed`
    /// + `mem_cgroup_print_oom_context` print it.
    static func summary(
        constraint: String = "CONSTRAINT_MEMCG", nodemask: String = "(null)", cpuset: String? = "/",
        mems: String = "0", oomMemcg: String?, taskMemcg: String?, comm: String, pid: Int32, uid: UInt32
    ) -> String {
        var text = "oom-kill:constraint=\(constraint),nodemask=\(nodemask)"
        if let cpuset { text += ",cpuset=\(cpuset),mems_allowed=\(mems)" }
        if let oomMemcg { text += ",oom_memcg=\(oomMemcg)" } else { text += ",global_oom" }
        if let taskMemcg { text += ",task_memcg=\(taskMemcg)" }
        return text + ",task=\(comm),pid=\(pid),uid=\(uid)"
    }

    /// `"%s: Killed process %d (%s) total-vm:%lukB, anon-rss:%lukB, file-rss:%lukB,
    /// shmem-rss:%lukB, UID:%u pgtables:%lukB oom_score_adj:%hd"`.
    static func killed(
        reason: String = "Memory cgroup out of memory", pid: Int32, comm: String, totalVm: UInt64 = 144928,
        anon: UInt64 = 32512, file: UInt64 = 2888, shmem: UInt64 = 0, uid: UInt32 = 0, pgtables: UInt64 = 124,
        adj: Int = 0
    ) -> String {
        "\(reason): Killed process \(pid) (\(comm)) total-vm:\(totalVm)kB, anon-rss:\(anon)kB, file-rss:\(file)kB, "
            + "shmem-rss:\(shmem)kB, UID:\(uid) pgtables:\(pgtables)kB oom_score_adj:\(adj)"
    }

    static func record(_ seq: UInt64, _ micros: UInt64, _ text: String, priority: Int = 3) -> KmsgRecord {
        KmsgRecord.parse("\(priority),\(seq),\(micros),-;\(text)\n")!
    }

    @Test func recordHeaderAndContinuationLines() throws {
        let raw =
            "6,499,1143624247,-,caller=T22863;oom-kill:constraint=CONSTRAINT_MEMCG,task=a\\x5cb\\x20c,pid=1,uid=0\n"
            + " SUBSYSTEM=memory\n DEVICE=+memcg:1\n"
        let record = try #require(KmsgRecord.parse(raw))
        #expect(record.priority == 6)
        #expect(record.level == 6)
        #expect(record.sequence == 499)
        #expect(record.monotonicMicros == 1_143_624_247)
        #expect(record.flags == "-")
        #expect(record.text == "oom-kill:constraint=CONSTRAINT_MEMCG,task=a\\b c,pid=1,uid=0")
        #expect(KmsgRecord.parse("garbage without header") == nil)
        #expect(KmsgRecord.parse("x,1,2,-;text") == nil)
    }

    @Test func realMemcgKillFromThisKernel() throws {
        // Recorded from /dev/kmsg on the 6.18 dev kernel (a 32M v1 memcg, python3 allocating 128M).
        let lines = [
            "4,423,1143623852,-;python3 invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0",
            "6,499,1143624247,-;oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0,"
                + "oom_memcg=/kspy-trtest-manual17898,task_memcg=/kspy-trtest-manual17898,task=python3,pid=22863,uid=0",
            "3,500,1143624266,-;Memory cgroup out of memory: Killed process 22863 (python3) total-vm:144928kB, "
                + "anon-rss:32512kB, file-rss:2888kB, shmem-rss:0kB, UID:0 pgtables:124kB oom_score_adj:0",
        ]
        var assembler = KernelOOMReport.Assembler()
        var events: [OOMKillEvent] = []
        for line in lines {
            if let event = assembler.consume(try #require(KmsgRecord.parse(line))) { events.append(event) }
        }
        #expect(events.count == 1)
        let event = try #require(events.first)
        #expect(event.pid == 22863)
        #expect(event.comm == "python3")
        #expect(event.cgroupPath == "/kspy-trtest-manual17898")
        #expect(event.totalVmKB == 144928)
        #expect(event.anonRssKB == 32512)
        #expect(event.fileRssKB == 2888)
        #expect(event.shmemRssKB == 0)
        #expect(event.pgtablesKB == 124)
        #expect(event.uid == 0)
        #expect(event.oomScoreAdj == 0)
        #expect(event.source == "kmsg")
        #expect(event.kills == 1)
        // The time is the record's printk-clock instant turned into wall time.
        let expected = EventTime.wallNanoseconds(fromMonotonic: 1_143_624_266_000)
        #expect(abs(event.timeNanoseconds - expected) < 50_000_000)
    }

    @Test func summaryFieldsOfAMemcgOOM() throws {
        let container =
            "/kubepods/burstable/pod0063e233-bf9d-4a70-860b-ed0a71223284/"
            + "78f4a82fc308ef60e7d2ebcd5ecb2ab02739ebd1475e63245fe4a24c1a05ebe1"
        let text = Self.summary(
            constraint: "CONSTRAINT_MEMCG", nodemask: "(null)", cpuset: container, mems: "0,2-3",
            oomMemcg: "/kubepods/burstable/pod0063e233-bf9d-4a70-860b-ed0a71223284", taskMemcg: container,
            comm: "java", pid: 4242, uid: 1000)
        let summary = try #require(KernelOOMReport.parseSummary(text))
        #expect(summary.constraint == "CONSTRAINT_MEMCG")
        #expect(summary.nodemask == "(null)")
        #expect(summary.cpuset == container)
        #expect(summary.memsAllowed == "0,2-3")
        #expect(summary.oomMemcg == "/kubepods/burstable/pod0063e233-bf9d-4a70-860b-ed0a71223284")
        #expect(summary.isGlobal == false)
        #expect(summary.taskMemcg == container)
        #expect(summary.comm == "java")
        #expect(summary.pid == 4242)
        #expect(summary.uid == 1000)
    }

    @Test func globalOOMWithSystemdSlices() throws {
        let path =
            "/kubepods.slice/kubepods-besteffort.slice/"
            + "kubepods-besteffort-pod6b0e7c5a_1f2d_4a3b_9c8d_0e1f2a3b4c5d.slice/"
            + "cri-containerd-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.scope"
        let lines = [
            Self.summary(
                constraint: "CONSTRAINT_NONE", nodemask: "(null)", cpuset: "cri-containerd-0123.scope", mems: "0-1",
                oomMemcg: nil, taskMemcg: path, comm: "stress-ng-vm", pid: 777, uid: 65534),
            Self.killed(
                reason: "Out of memory", pid: 777, comm: "stress-ng-vm", totalVm: 2_097_152, anon: 1_900_000,
                file: 12, shmem: 4, uid: 65534, pgtables: 3900, adj: 1000),
        ]
        let summary = try #require(KernelOOMReport.parseSummary(lines[0]))
        #expect(summary.isGlobal)
        #expect(summary.oomMemcg == nil)
        #expect(summary.constraint == "CONSTRAINT_NONE")
        #expect(summary.memsAllowed == "0-1")
        var assembler = KernelOOMReport.Assembler()
        let none = assembler.consume(Self.record(10, 5_000_000, lines[0], priority: 6))
        #expect(none == nil)
        let assembled = assembler.consume(Self.record(11, 5_000_010, lines[1]))
        let event = try #require(assembled)
        #expect(event.pid == 777)
        #expect(event.comm == "stress-ng-vm")
        #expect(event.cgroupPath == path)
        #expect(event.totalVmKB == 2_097_152)
        #expect(event.anonRssKB == 1_900_000)
        #expect(event.fileRssKB == 12)
        #expect(event.shmemRssKB == 4)
        #expect(event.pgtablesKB == 3900)
        #expect(event.uid == 65534)
        #expect(event.oomScoreAdj == 1000)
    }

    @Test func commWithSpacesParenthesesAndCommas() throws {
        for comm in ["Web Content", "(sd-pam)", "my (odd) app)", "a,pid=1,uid=2", "kworker/u8:2"] {
            let path =
                "/kspy-trtest-ab/kubepods/pod11111111-2222-3333-4444-555555555555/"
                + String(repeating: "ab", count: 32)
            var assembler = KernelOOMReport.Assembler()
            let summaryText = Self.summary(oomMemcg: path, taskMemcg: path, comm: comm, pid: 31337, uid: 7)
            let summary = try #require(KernelOOMReport.parseSummary(summaryText), "\(comm)")
            #expect(summary.comm == comm)
            #expect(summary.pid == 31337)
            #expect(summary.uid == 7)
            #expect(summary.taskMemcg == path)
            _ = assembler.consume(Self.record(1, 100, summaryText, priority: 6))
            let killed = Self.killed(pid: 31337, comm: comm, uid: 7, adj: -997)
            let assembled = assembler.consume(Self.record(2, 101, killed))
            let event = try #require(assembled, "\(comm)")
            #expect(event.comm == comm)
            #expect(event.pid == 31337)
            #expect(event.cgroupPath == path)
            #expect(event.oomScoreAdj == -997)
            #expect(event.anonRssKB == 32512)
        }
    }

    @Test func killedLineWithoutSummaryStillYieldsAnEvent() throws {
        var assembler = KernelOOMReport.Assembler()
        let assembled = assembler.consume(
            Self.record(5, 1000, Self.killed(pid: 99, comm: "sh", anon: 1, file: 2, shmem: 3)))
        let event = try #require(assembled)
        #expect(event.pid == 99)
        #expect(event.comm == "sh")
        #expect(event.cgroupPath == nil)
        #expect(event.anonRssKB == 1)
        // A summary for another PID does not name it.
        _ = assembler.consume(
            Self.record(6, 2000, Self.summary(oomMemcg: "/x", taskMemcg: "/x", comm: "a", pid: 1, uid: 0)))
        let assembledOther = assembler.consume(Self.record(7, 2001, Self.killed(pid: 2, comm: "b")))
        let other = try #require(assembledOther)
        #expect(other.cgroupPath == nil)
        // …but it is kept for its own Killed line, even with unrelated records between.
        _ = assembler.consume(
            Self.record(8, 2002, "oom_reaper: reaped process 2 (b), now anon-rss:0kB, file-rss:0kB, shmem-rss:0kB"))
        let assembledFirst = assembler.consume(Self.record(9, 2003, Self.killed(pid: 1, comm: "a")))
        let first = try #require(assembledFirst)
        #expect(first.cgroupPath == "/x")
    }

    @Test func groupKillNamesEveryVictim() throws {
        let path =
            "/kubepods.slice/kubepods-pod11111111_2222_3333_4444_555555555555.slice/crio-"
            + String(repeating: "cd", count: 32) + ".scope"
        var assembler = KernelOOMReport.Assembler()
        _ = assembler.consume(
            Self.record(
                1, 10, Self.summary(oomMemcg: path, taskMemcg: path, comm: "worker", pid: 10, uid: 0), priority: 6))
        #expect(
            KernelOOMReport.parseGroupKill("Tasks in \(path) are going to be killed due to memory.oom.group set")
                == path)
        _ = assembler.consume(
            Self.record(2, 11, "Tasks in \(path) are going to be killed due to memory.oom.group set", priority: 6))
        var events: [OOMKillEvent] = []
        for (index, pid) in [Int32(10), 11, 12].enumerated() {
            if let event = assembler.consume(
                Self.record(UInt64(3 + index), 12 + UInt64(index), Self.killed(pid: pid, comm: "worker")))
            {
                events.append(event)
            }
        }
        #expect(events.map(\.pid) == [10, 11, 12])
        #expect(events.allSatisfy { $0.cgroupPath == path })
    }

    @Test func olderKillLineWithoutUIDFields() throws {
        // 4.x kernels: no UID / pgtables / oom_score_adj.
        let killed = try #require(
            KernelOOMReport.parseKilledProcess(
                "Memory cgroup out of memory: Killed process 5 (x y) total-vm:10kB, anon-rss:20kB, file-rss:30kB, "
                    + "shmem-rss:40kB"
            ))
        #expect(killed.pid == 5)
        #expect(killed.comm == "x y")
        #expect(killed.reason == "Memory cgroup out of memory")
        #expect(killed.totalVmKB == 10)
        #expect(killed.shmemRssKB == 40)
        #expect(killed.uid == nil)
        #expect(killed.oomScoreAdj == nil)
        #expect(KernelOOMReport.parseKilledProcess("oom_reaper: reaped process 5 (x), now anon-rss:0kB") == nil)
        #expect(KernelOOMReport.parseSummary("python3 invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL)") == nil)
    }
}
