import CLibbpf
import Glibc
import KspyKernel
import Synchronization

/// OOM kills from the kernel's `oom:mark_victim` tracepoint through BPF — the
/// preferred source of `kspy trace oom`: it names the victim's memory cgroup while
/// the cgroup still exists, and carries the kernel's own figures (total_vm,
/// anon/file/shmem RSS, page tables, oom_score_adj, uid).
///
/// The program is `bpf/oom_victim.bpf.c`, compiled at build time and embedded
/// (`EmbeddedBPF.oomVictim`, from the EmbedBPF build-tool plugin). Two BPF programs
/// attach to the tracepoint: `kspy_oom_task` (tp_btf: the victim's task_struct → pid,
/// comm, memory cgroup id and path) and `kspy_oom_figs` (the classic tracepoint
/// record → figures); the BPF side joins the halves by PID and sends one record per
/// victim through the ring buffer `kspy_events`. Records the ring buffer had no room
/// for are counted in the array map `kspy_dropped` and reported through
/// `BoundedEventQueue.recordDropped`. The comments of the .bpf.c file explain why.
///
/// Needs a kernel with BTF (/sys/kernel/btf/vmlinux), the 6.8+ `mark_victim`
/// prototype `(struct task_struct *, uid_t)` (or its backport), tracefs, and root
/// (CAP_BPF + CAP_PERFMON); the initializer throws otherwise, which is what makes
/// `kspy trace oom` fall back to the cgroup or kmsg source.
///
/// `cgroupPath` is the memory cgroup's path from its hierarchy's root — on a hybrid or
/// v1 host in the v1 memory hierarchy, on a v2 host in the unified one — as
/// `/proc/<pid>/cgroup` shows it from the initial cgroup namespace.
public final class BPFOOMSource: OOMEventSource {
    /// `bpf`.
    public let name = "bpf"
    /// Ids of the loaded programs (BPF_OBJ_GET_INFO_BY_FD), to tell them from others.
    public let programIDs: [UInt32]
    /// Ids of the BPF links that attach them (a tracepoint attached through a plain
    /// perf event on old kernels has none).
    public let linkIDs: [UInt32]
    /// The ring buffer's size in bytes.
    public let ringBufferBytes: Int

    /// Program names: all start with this prefix (the kernel keeps 15 characters).
    public static let programNamePrefix = "kspy_oom_"
    /// The tp_btf program (victim's task: pid, comm, memory cgroup).
    static let taskProgram = "kspy_oom_task"
    /// The classic tracepoint program (the record's figures).
    static let figuresProgram = "kspy_oom_figs"

    private struct Resources: ~Copyable {
        var object: BPFObject?
        var links: [BPFLink] = []
        var ring: BPFRingBuffer?
        var dropped: BPFMap?
        var running = false
        var closeRequested = false
    }

    private let resources: Mutex<Resources>
    /// Where the ring-buffer callback puts events; set while `run` runs.
    private let sink: RecordSink

    /// Loads `bpf/oom_victim.bpf.c` and attaches its programs; from here on kills are
    /// recorded into the ring buffer (of `ringBufferBytes`, rounded up to a
    /// power-of-two number of pages), and `run` delivers them.
    /// - Throws: `BPFError`: ENOENT without kernel BTF or the tracepoint, EPERM without
    ///   privilege, EINVAL/EACCES when the verifier rejects a program (the error's log
    ///   has libbpf's and the verifier's messages).
    public convenience init(ringBufferBytes: Int = 256 * 1024) throws(BPFError) {
        try self.init(ringBufferBytes: ringBufferBytes, figuresFirst: false)
    }

    /// `figuresFirst` attaches the classic tracepoint program before the tp_btf one, so
    /// that it runs first at each kill (tests use it to check the join in both orders).
    init(ringBufferBytes: Int, figuresFirst: Bool) throws(BPFError) {
        guard access("/sys/kernel/btf/vmlinux", R_OK) == 0 else {
            throw BPFError(
                "load BPF object", "oom_victim (the kernel exposes no BTF at /sys/kernel/btf/vmlinux)", errno: ENOENT)
        }
        guard let elf = BPFObjectBase64.decode(EmbeddedBPF.oomVictim) else {
            throw BPFError("decode embedded BPF object", "oom_victim", errno: EINVAL)
        }
        let page = max(4096, sysconf(Int32(_SC_PAGESIZE)))
        var size = page
        while size < ringBufferBytes && size < 1 << 30 { size <<= 1 }
        self.ringBufferBytes = size

        let object = try BPFObject(elf: elf, name: "oom_victim")
        var links: [BPFLink] = []
        let sink = RecordSink(hierarchies: BPFOOMSource.cgroupHierarchies())
        do {
            try object.setMaxEntries(UInt32(size), ofMap: "kspy_events")
            try object.load()
            let order =
                figuresFirst ? [Self.figuresProgram, Self.taskProgram] : [Self.taskProgram, Self.figuresProgram]
            for program in order {
                links.append(try object.program(named: program).attach())
            }
            let ring = try BPFRingBuffer(map: try object.map(named: "kspy_events")) { record in
                sink.deliver(record)
            }
            programIDs = object.programs.compactMap { try? $0.info().id }
            linkIDs = links.compactMap { $0.id }
            resources = Mutex(
                Resources(object: object, links: links, ring: ring, dropped: try object.map(named: "kspy_dropped")))
        } catch {
            for link in links { link.destroy() }
            object.close()
            throw error
        }
        self.sink = sink
    }

    deinit {
        // `run` holds a reference while it runs, so nothing is running here.
        resources.withLock { Self.release(&$0) }
    }

    /// Delivers events until `stop` is raised (polling with 100 ms timeouts), adding
    /// ring-buffer losses to `queue.recordDropped`. Before returning it detaches the
    /// programs, drains what the buffer still holds, and unloads everything; a
    /// second `run`, or one after `close()`, returns at once.
    public func run(into queue: BoundedEventQueue<OOMKillEvent>, stop: StopFlag) {
        let session = resources.withLock { state -> (BPFRingBuffer, BPFMap?)? in
            guard !state.running, !state.closeRequested, let ring = state.ring else { return nil }
            state.running = true
            return (ring, state.dropped)
        }
        guard let (ring, droppedMap) = session else { return }
        sink.start(queue)
        var reported: UInt64 = 0
        func reportDrops() {
            guard let total = try? droppedMap?.value(at: 0, as: UInt64.self), total > reported else { return }
            queue.recordDropped(Int(clamping: total - reported))
            reported = total
        }
        while !stop.isStopped && !resources.withLock({ $0.closeRequested }) {
            do {
                try ring.poll(timeoutMilliseconds: 100)
            } catch {
                let message = "kspy: trace oom: the BPF source stopped: \(error)\n"
                _ = message.withCString { write(STDERR_FILENO, $0, strlen($0)) }
                break
            }
            reportDrops()
        }
        // Detach first so nothing new arrives, then take what the buffer still holds.
        resources.withLock { state in
            for link in state.links { link.destroy() }
            state.links = []
        }
        _ = try? ring.consume()
        reportDrops()
        sink.finish()
        resources.withLock { state in
            Self.release(&state)
            state.running = false
        }
    }

    /// Detaches and unloads everything (idempotent). While `run` runs it only asks
    /// `run` to stop; `run` releases everything within one poll interval.
    public func close() {
        resources.withLock { state in
            state.closeRequested = true
            if !state.running { Self.release(&state) }
        }
    }

    /// True while the programs are attached (until `run` returns or `close()`).
    public var isAttached: Bool { resources.withLock { !$0.links.isEmpty } }

    /// Links first (a link keeps its program loaded), then the ring buffer, then the
    /// object (programs and maps).
    private static func release(_ state: inout Resources) {
        for link in state.links { link.destroy() }
        state.links = []
        state.ring?.close()
        state.ring = nil
        state.dropped = nil
        state.object?.close()
        state.object = nil
    }

    /// The memory hierarchy (v1 `memory` or the unified one holding it) and the
    /// unified hierarchy, for resolving a cgroup id when the BPF path was cut short.
    private static func cgroupHierarchies() -> (memory: CgroupHierarchy?, unified: CgroupHierarchy?) {
        guard let system = try? CgroupSystem.current() else { return (nil, nil) }
        return (system.hierarchy(for: "memory") ?? system.unified, system.unified)
    }
}

/// Decodes ring-buffer records into events and pushes them into the queue of the
/// running `run`. Used only on the polling thread (ring-buffer callbacks run inside
/// `ring_buffer__poll`), but `start`/`finish` are locked for clarity.
private final class RecordSink: Sendable {
    let memoryHierarchy: CgroupHierarchy?
    let unifiedHierarchy: CgroupHierarchy?
    private let queue = Mutex<BoundedEventQueue<OOMKillEvent>?>(nil)

    init(hierarchies: (memory: CgroupHierarchy?, unified: CgroupHierarchy?)) {
        memoryHierarchy = hierarchies.memory
        unifiedHierarchy = hierarchies.unified
    }

    func start(_ queue: BoundedEventQueue<OOMKillEvent>) { self.queue.withLock { $0 = queue } }
    func finish() { queue.withLock { $0 = nil } }

    func deliver(_ record: UnsafeRawBufferPointer) {
        guard let target = queue.withLock({ $0 }) else { return }
        guard let event = OOMVictimRecord(record)?.event(hierarchies: (memoryHierarchy, unifiedHierarchy)) else {
            target.recordDropped(1)
            return
        }
        target.push(event)
    }
}

/// One `struct kspy_oom_event` from bpf/oom_victim.bpf.c (offsets fixed there by
/// _Static_assert).
struct OOMVictimRecord {
    static let size = 96 + depthLimit * nameLength
    static let depthLimit = 16
    static let nameLength = 128
    // flags
    static let pathTooDeep: UInt32 = 1 << 2
    static let nameMaybeCut: UInt32 = 1 << 3
    static let noFigures: UInt32 = 1 << 4
    static let defaultHierarchy: UInt32 = 1 << 5

    var monotonicNanoseconds: UInt64
    var cgroupID: UInt64
    var totalVmKB, anonRssKB, fileRssKB, shmemRssKB, pgtablesKB: UInt64
    var pid: UInt32
    var uid: UInt32
    var oomScoreAdj: Int32
    var flags: UInt32
    var comm: String
    /// Path components, root first.
    var components: [String]

    /// Parses a record; nil when it is shorter than the layout.
    init?(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count >= Self.size else { return nil }
        func u64(_ offset: Int) -> UInt64 { bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self) }
        func u32(_ offset: Int) -> UInt32 { bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self) }
        func string(_ offset: Int, _ length: Int) -> String {
            let slice = UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + length])
            return String(decoding: slice.prefix { $0 != 0 }, as: UTF8.self)
        }
        monotonicNanoseconds = u64(0)
        cgroupID = u64(8)
        totalVmKB = u64(16)
        anonRssKB = u64(24)
        fileRssKB = u64(32)
        shmemRssKB = u64(40)
        pgtablesKB = u64(48)
        pid = u32(56)
        uid = u32(60)
        oomScoreAdj = Int32(bitPattern: u32(64))
        flags = u32(68)
        let depth = min(Int(u32(72)), Self.depthLimit)
        comm = string(80, 16)
        components = (0..<depth).reversed().map { string(96 + $0 * Self.nameLength, Self.nameLength) }
    }

    /// The path the components spell, `/` for the root cgroup.
    var path: String { "/" + components.joined(separator: "/") }

    /// The event, with the cgroup path checked against the hierarchy when the BPF walk
    /// may have cut it short (more levels than it walks, or a name filling its slot).
    func event(hierarchies: (memory: CgroupHierarchy?, unified: CgroupHierarchy?)) -> OOMKillEvent {
        var event = OOMKillEvent(
            timeNanoseconds: EventTime.wallNanoseconds(fromMonotonic: Int64(clamping: monotonicNanoseconds)),
            source: "bpf")
        event.pid = Int32(bitPattern: pid)
        event.comm = comm
        event.cgroupID = cgroupID
        event.cgroupPath = path
        if flags & (Self.pathTooDeep | Self.nameMaybeCut) != 0 {
            let hierarchy = flags & Self.defaultHierarchy != 0 ? hierarchies.unified : hierarchies.memory
            if let hierarchy, let resolved = Self.resolve(cgroupID, path: path, in: hierarchy) {
                event.cgroupPath = resolved
            } else if flags & Self.pathTooDeep != 0 {
                event.cgroupPath = "/..." + path  // the top levels are unknown
            }
        }
        if flags & Self.noFigures == 0 {
            event.totalVmKB = totalVmKB
            event.anonRssKB = anonRssKB
            event.fileRssKB = fileRssKB
            event.shmemRssKB = shmemRssKB
            event.pgtablesKB = pgtablesKB
            event.oomScoreAdj = Int(oomScoreAdj)
            event.uid = uid
        }
        return event
    }

    /// The path of the cgroup whose directory has inode `id` (a kernfs node id is the
    /// inode number of its directory): `path` when that directory is it, else a
    /// bounded breadth-first search of the hierarchy. Nil when the cgroup is gone.
    static func resolve(_ id: UInt64, path: String, in hierarchy: CgroupHierarchy) -> String? {
        func inode(_ directory: String) -> UInt64? {
            var info = stat()
            guard stat(directory, &info) == 0, info.st_mode & S_IFMT == S_IFDIR else { return nil }
            return UInt64(info.st_ino)
        }
        if !path.hasPrefix("/...") && inode(hierarchy.directory(for: path)) == id { return path }
        var pending = [""]  // paths relative to the mount point
        var visited = 0
        while !pending.isEmpty && visited < 100_000 {
            let relative = pending.removeFirst()
            let directory = hierarchy.directory(for: "/" + relative)
            visited += 1
            if inode(directory) == id {
                let root = hierarchy.root == "/" ? "" : hierarchy.root
                return root + "/" + relative
            }
            guard let stream = opendir(directory) else { continue }
            defer { closedir(stream) }
            while let entry = readdir(stream) {
                guard entry.pointee.d_type == UInt8(DT_DIR) else { continue }
                let name = withUnsafeBytes(of: entry.pointee.d_name) {
                    String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
                }
                if name == "." || name == ".." { continue }
                pending.append(relative.isEmpty ? name : relative + "/" + name)
            }
        }
        return nil
    }
}

/// RFC 4648 base64 (the embedded BPF object), without Foundation.
enum BPFObjectBase64 {
    static func decode(_ text: String) -> [UInt8]? {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (index, character) in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8.enumerated() {
            table[Int(character)] = UInt8(index)
        }
        var output: [UInt8] = []
        output.reserveCapacity(text.utf8.count / 4 * 3)
        var accumulator: UInt32 = 0
        var bits = 0
        for character in text.utf8 {
            if character == UInt8(ascii: "=") { break }
            let value = table[Int(character)]
            if value == 0xFF { return nil }
            accumulator = (accumulator << 6) | UInt32(value)
            bits += 6
            if bits >= 8 {
                bits -= 8
                output.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
            }
        }
        return output
    }
}
