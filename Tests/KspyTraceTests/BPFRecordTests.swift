import Foundation
import Glibc
import KspyKernel
import Testing

@testable import KspyTrace
import KspyTestSupport

/// The user-space half of the BPF OOM source without the kernel: parsing the ring
/// buffer record of bpf/oom_victim.bpf.c, resolving a cut-short cgroup path by the
/// cgroup's inode, the embedded object, and libbpf errors.
struct BPFRecordTests {
    /// A record as the BPF program writes it (layout of `struct kspy_oom_event`).
    private func record(
        pid: UInt32, comm: String, cgroupID: UInt64, names leafFirst: [String], flags: UInt32,
        figures: (UInt64, UInt64, UInt64, UInt64, UInt64) = (1000, 200, 30, 4, 56), uid: UInt32 = 1000,
        adj: Int32 = -997, monotonic: UInt64 = 0
    ) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: 96 + 16 * 128)
        func put<T>(_ value: T, at offset: Int) {
            withUnsafeBytes(of: value) { bytes.replaceSubrange(offset..<offset + $0.count, with: $0) }
        }
        func put(_ text: String, at offset: Int) {
            let utf8 = Array(text.utf8)
            bytes.replaceSubrange(offset..<offset + utf8.count, with: utf8)
        }
        put(monotonic, at: 0)
        put(cgroupID, at: 8)
        put(figures.0, at: 16)
        put(figures.1, at: 24)
        put(figures.2, at: 32)
        put(figures.3, at: 40)
        put(figures.4, at: 48)
        put(pid, at: 56)
        put(uid, at: 60)
        put(adj, at: 64)
        put(flags | 3, at: 68)
        put(UInt32(leafFirst.count), at: 72)
        put(comm, at: 80)
        for (index, name) in leafFirst.enumerated() { put(String(name.prefix(127)), at: 96 + index * 128) }
        return bytes
    }

    private func parse(_ bytes: [UInt8]) -> OOMVictimRecord? {
        bytes.withUnsafeBytes { OOMVictimRecord($0) }
    }

    @Test("a record becomes an event with the figures, the path root first and wall time")
    func parsesRecord() throws {
        let now = EventTime.monotonicNanoseconds()
        let bytes = record(
            pid: 4242, comm: "stress-ng-vm", cgroupID: 77, names: ["abc123", "pod1", "burstable", "kubepods"],
            flags: 0, monotonic: UInt64(now))
        let parsed = try #require(parse(bytes))
        let event = parsed.event(hierarchies: (nil, nil))
        #expect(event.pid == 4242)
        #expect(event.comm == "stress-ng-vm")
        #expect(event.cgroupPath == "/kubepods/burstable/pod1/abc123")
        #expect(event.cgroupID == 77)
        #expect(event.totalVmKB == 1000 && event.anonRssKB == 200 && event.fileRssKB == 30)
        #expect(event.shmemRssKB == 4 && event.pgtablesKB == 56)
        #expect(event.uid == 1000 && event.oomScoreAdj == -997)
        #expect(event.source == "bpf")
        #expect(abs(event.timeNanoseconds - EventTime.nowNanoseconds()) < 1_000_000_000)
        // A victim in the root cgroup, and a kernel without figures (flag bit 4).
        let root = try #require(parse(record(pid: 1, comm: "x", cgroupID: 1, names: [], flags: 1 << 4)))
        let rootEvent = root.event(hierarchies: (nil, nil))
        #expect(rootEvent.cgroupPath == "/")
        #expect(rootEvent.totalVmKB == nil && rootEvent.uid == nil && rootEvent.oomScoreAdj == nil)
        // Short records are refused.
        #expect(parse(Array(bytes.prefix(100))) == nil)
    }

    @Test("a path the BPF walk cut short is resolved by the cgroup directory's inode")
    func resolvesCutPathByInode() throws {
        let base = "/tmp/kspy-bpftest-" + BPFTest.randomHex(12)
        let longName = String(repeating: "n", count: 200)
        let leaf = base + "/a/b/" + longName
        try SystemFile.makeDirectories(leaf)
        defer {
            rmdir(leaf)
            rmdir(base + "/a/b")
            rmdir(base + "/a")
            rmdir(base)
        }
        let hierarchy = CgroupHierarchy(version: .v1, mountPoint: base, root: "/", controllers: ["memory"])
        let id = try #require(BPFTest.inode(leaf))
        // The name filled its 128-byte slot (flag bit 3): the inode search finds it.
        let cut = try #require(
            parse(record(pid: 5, comm: "x", cgroupID: id, names: [longName, "b", "a"], flags: 1 << 3)))
        #expect(cut.event(hierarchies: (hierarchy, nil)).cgroupPath == "/a/b/" + longName)
        // Too deep (flag bit 2) and gone: the known part, marked.
        let gone = try #require(parse(record(pid: 5, comm: "x", cgroupID: 1, names: ["y", "x"], flags: 1 << 2)))
        #expect(gone.event(hierarchies: (hierarchy, nil)).cgroupPath == "/.../x/y")
        // Complete paths are taken as they are, without looking at the hierarchy.
        let whole = try #require(parse(record(pid: 5, comm: "x", cgroupID: 1, names: ["q"], flags: 0)))
        #expect(whole.event(hierarchies: (hierarchy, nil)).cgroupPath == "/q")
    }

    @Test("the embedded object is an ELF BPF object with both programs")
    func embeddedObjectOpens() throws {
        let elf = try #require(BPFObjectBase64.decode(EmbeddedBPF.oomVictim))
        #expect(elf.starts(with: [0x7f, 0x45, 0x4c, 0x46]))  // \x7fELF
        #expect(elf[18] == 247 && elf[19] == 0)  // e_machine EM_BPF (little endian)
        let object = try BPFObject(elf: elf, name: "oom_victim")
        defer { object.close() }
        let programs = object.programs.map { "\($0.name) \($0.section)" }
        #expect(programs.sorted() == ["kspy_oom_figs tracepoint/oom/mark_victim", "kspy_oom_task tp_btf/mark_victim"])
        #expect(try object.map(named: "kspy_events").name == "kspy_events")
        #expect(throws: BPFError.self) { try object.program(named: "nope") }
    }

    @Test("libbpf failures carry the errno and libbpf's own messages")
    func libbpfErrorsCarryLog() throws {
        let error = #expect(throws: BPFError.self) {
            _ = try BPFObject(elf: Array("not an ELF object".utf8), name: "garbage")
        }
        let thrown = try #require(error)
        #expect(thrown.errno != 0)
        #expect(thrown.subject == "garbage")
        #expect(!thrown.log.isEmpty, "libbpf printed nothing: \(thrown)")
        #expect(thrown.description.contains("libbpf: "))
    }

    @Test("the loaded drop counter map reads as zero")
    func dropCounterReads() throws {
        guard requireRoot() else { return }
        let elf = try #require(BPFObjectBase64.decode(EmbeddedBPF.oomVictim))
        let object = try BPFObject(elf: elf, name: "oom_victim")
        defer { object.close() }
        try object.setMaxEntries(8192, ofMap: "kspy_events")
        try object.load()
        let dropped = try object.map(named: "kspy_dropped")
        #expect(dropped.fileDescriptor >= 0)
        #expect(try dropped.value(at: 0, as: UInt64.self) == 0)
        #expect(throws: BPFError.self) { try dropped.value(at: 5, as: UInt64.self) }
        let ids = try object.programs.map { try $0.info().id }
        object.close()
        #expect(try BPFSystem.programs().filter { ids.contains($0.id) }.isEmpty)
    }
}
