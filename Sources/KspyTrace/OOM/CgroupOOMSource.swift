import Glibc
import KspyKernel
import Synchronization

/// OOM kills from the memory controller's own counters (runtimes.md §6.1, §6.2): every
/// pod and container cgroup of kubelet's trees is watched, and an event with the
/// counter's increase (`kills`) and the cgroup's path — but no PID — is produced when
/// it advances. Needs no BPF and no kernel log.
///
/// * cgroup v1: an eventfd registered through `cgroup.event_control` with
///   `memory.oom_control` (cgroup-v1/memory.rst "OOM Control"). Notifications are per
///   cgroup (the OOMing memcg and its descendants), so each container **and** each pod
///   cgroup is registered. The eventfd fires before the kill — the `oom_kill` counter
///   of `memory.oom_control` is then re-read for `settleSeconds` until it moves — and
///   also when the cgroup is removed (the counter then cannot be read: the watch is
///   dropped). v1 counts a kill only in the victim's own cgroup.
/// * cgroup v2: inotify IN_MODIFY on `memory.events` of container cgroups (hierarchical:
///   kills in a crun `container` sub-cgroup count too) and on `memory.events.local` of
///   pod cgroups (only processes in the pod cgroup itself, so a kill in a container is
///   not reported twice; `memory.events` where `.local` does not exist, kernel < 5.2).
///   The `oom_kill` counter's delta is reported.
///
/// Cgroups that exist when `run` starts are baselined (earlier kills are not reported);
/// cgroups found later are new, so every kill they already counted is reported. The
/// trees are rescanned every `rescanSeconds` (`KubeletCgroupScanner`); vanished cgroups
/// are dropped.
public final class CgroupOOMSource: OOMEventSource {
    /// `cgroup`.
    public let name = "cgroup"
    /// The hierarchies watched (v1 memory, v2 with the memory controller).
    public let hierarchies: [CgroupHierarchy]
    /// Seconds between rescans of the kubelet trees.
    public let rescanSeconds: Double
    /// Seconds between full searches for kubelet trees.
    public let fullSearchSeconds: Double
    /// How long after a v1 notification the counter is re-read.
    public let settleSeconds: Double
    private let watched = Mutex<[String]>([])

    /// A source watching the memory hierarchies of `system`: the v1 hierarchy with
    /// `memory`, and the unified one when its `cgroup.controllers` lists `memory`.
    /// - Throws: `KernelError` EOPNOTSUPP when no hierarchy holds the memory controller.
    public convenience init(system: CgroupSystem, rescanSeconds: Double = 1, fullSearchSeconds: Double = 10)
        throws(KernelError)
    {
        let memory = system.hierarchies.filter { $0.has("memory") }
        try self.init(hierarchies: memory, rescanSeconds: rescanSeconds, fullSearchSeconds: fullSearchSeconds)
    }

    /// A source watching `hierarchies` (each v1 or v2; a v2 one is assumed to offer the
    /// memory controller — tests pass a directory with regular `memory.events` files).
    /// - Throws: `KernelError` EOPNOTSUPP when `hierarchies` is empty, or the errno of
    ///   inotify_init1 / eventfd when they are not available.
    public init(
        hierarchies: [CgroupHierarchy], rescanSeconds: Double = 1, fullSearchSeconds: Double = 10,
        settleSeconds: Double = 2
    ) throws(KernelError) {
        guard !hierarchies.isEmpty else {
            throw KernelError(
                "watch OOM counters:", "no cgroup hierarchy holds the memory controller", errno: EOPNOTSUPP)
        }
        // Fail here, not in run, when the kernel interfaces are missing.
        if hierarchies.contains(where: { $0.version == .v2 }) { _ = try Inotify() }
        if hierarchies.contains(where: { $0.version == .v1 }) { _ = try EventFD() }
        self.hierarchies = hierarchies
        self.rescanSeconds = rescanSeconds
        self.fullSearchSeconds = fullSearchSeconds
        self.settleSeconds = settleSeconds
    }

    /// The cgroup paths (as /proc shows them) watched now — for status output and tests.
    public var watchedPaths: [String] { watched.withLock { $0 } }

    // MARK: - Run

    private final class Watch {
        let hierarchy: Int
        let cgroup: KubeletCgroup
        let counterFile: String
        var count: UInt64
        var eventFD: EventFD?
        var inotifyWatch: Int32?
        var settleUntil: Int64 = 0

        init(hierarchy: Int, cgroup: KubeletCgroup, counterFile: String, count: UInt64) {
            self.hierarchy = hierarchy
            self.cgroup = cgroup
            self.counterFile = counterFile
            self.count = count
        }
    }

    /// Watches until `stop` is raised (poll timeouts of 100 ms), then releases every
    /// eventfd and the inotify instance.
    public func run(into queue: BoundedEventQueue<OOMKillEvent>, stop: StopFlag) {
        let inotify: Inotify? = hierarchies.contains { $0.version == .v2 } ? try? Inotify() : nil
        let scanners = hierarchies.map { KubeletCgroupScanner(hierarchy: $0, fullSearchSeconds: fullSearchSeconds) }
        var watches: [String: Watch] = [:]  // by directory
        var byInotify: [Int32: String] = [:]
        defer {
            for watch in watches.values { watch.eventFD?.close() }
            inotify?.close()
            watched.withLock { $0 = [] }
        }

        func counter(_ file: String, v1: Bool) -> UInt64? {
            guard let text = try? SystemFile.read(file) else { return nil }
            let events = v1 ? MemoryEvents.parse(oomControl: text) : MemoryEvents.parse(events: text)
            return events.oomKillCount ?? 0
        }

        func add(_ cgroup: KubeletCgroup, hierarchy index: Int, baseline: Bool) {
            let v1 = hierarchies[index].version == .v1
            var file = cgroup.directory + "/memory.oom_control"
            if !v1 {
                let local = cgroup.directory + "/memory.events.local"
                file = cgroup.isPod && SystemFile.exists(local) ? local : cgroup.directory + "/memory.events"
            }
            // Register first, then read the counter, so no kill falls between the two.
            var eventFD: EventFD? = nil
            var inotifyWatch: Int32? = nil
            if v1 {
                guard let fd = try? EventFD(), Self.registerOOMNotification(eventFD: fd, directory: cgroup.directory)
                else { return }
                eventFD = fd
            } else {
                guard let inotify, let wd = try? inotify.addWatch(file, mask: UInt32(IN_MODIFY)) else { return }
                inotifyWatch = wd
            }
            guard let count = counter(file, v1: v1) else {
                eventFD?.close()
                if let inotifyWatch { inotify?.removeWatch(inotifyWatch) }
                return
            }
            let watch = Watch(hierarchy: index, cgroup: cgroup, counterFile: file, count: baseline ? count : 0)
            watch.eventFD = eventFD
            watch.inotifyWatch = inotifyWatch
            if let inotifyWatch { byInotify[inotifyWatch] = cgroup.directory }
            watches[cgroup.directory] = watch
            if !baseline { watch.settleUntil = EventTime.monotonicNanoseconds() }  // check once now
        }

        func publish() { watched.withLock { $0 = watches.values.map(\.cgroup.path).sorted() } }

        func remove(_ directory: String) {
            guard let watch = watches.removeValue(forKey: directory) else { return }
            watch.eventFD?.close()
            if let wd = watch.inotifyWatch {
                inotify?.removeWatch(wd)
                byInotify[wd] = nil
            }
            publish()
        }

        /// Re-reads the counter; pushes an event for an increase; drops a vanished cgroup.
        func check(_ watch: Watch) {
            let v1 = hierarchies[watch.hierarchy].version == .v1
            guard let now = counter(watch.counterFile, v1: v1) else {
                remove(watch.cgroup.directory)
                return
            }
            if now > watch.count {
                var event = OOMKillEvent(timeNanoseconds: EventTime.nowNanoseconds(), source: name)
                event.cgroupPath = watch.cgroup.path
                event.kills = Int(clamping: now - watch.count)
                queue.push(event)
            }
            watch.count = now
        }

        func rescan(initial: Bool) {
            var present = Set<String>()
            for (index, scanner) in scanners.enumerated() {
                for cgroup in scanner.scan(includePods: true) {
                    present.insert(cgroup.directory)
                    if watches[cgroup.directory] == nil { add(cgroup, hierarchy: index, baseline: initial) }
                }
            }
            for directory in Array(watches.keys) where !present.contains(directory) { remove(directory) }
            publish()
        }

        rescan(initial: true)
        var nextRescan = EventTime.monotonicNanoseconds() + Int64(rescanSeconds * 1e9)
        while !stop.isStopped {
            // Rebuilt each round: the set changes with rescans and removals.
            var fds: [pollfd] = []
            var owners: [String?] = []
            if let inotify {
                fds.append(pollfd(fd: inotify.fd, events: Int16(POLLIN), revents: 0))
                owners.append(nil)
            }
            for (directory, watch) in watches {
                guard let fd = watch.eventFD?.fd, fd >= 0 else { continue }
                fds.append(pollfd(fd: fd, events: Int16(POLLIN), revents: 0))
                owners.append(directory)
            }
            let ready = fds.withUnsafeMutableBufferPointer { poll($0.baseAddress, nfds_t($0.count), 100) }
            if ready < 0 && errno != EINTR { return }
            let now = EventTime.monotonicNanoseconds()
            let settle = Int64(settleSeconds * 1e9)
            if ready > 0 {
                for (index, entry) in fds.enumerated() where entry.revents != 0 {
                    if let directory = owners[index] {
                        guard let watch = watches[directory] else { continue }
                        _ = watch.eventFD?.read()
                        watch.settleUntil = now + settle
                    } else if let inotify {
                        for event in inotify.readEvents() {
                            guard let directory = byInotify[event.watch], let watch = watches[directory] else {
                                continue
                            }
                            if event.mask & UInt32(IN_IGNORED) != 0 {
                                byInotify[event.watch] = nil
                                watch.inotifyWatch = nil
                                remove(directory)
                            } else {
                                watch.settleUntil = now + settle
                            }
                        }
                    }
                }
            }
            for watch in Array(watches.values) where watch.settleUntil > 0 {
                check(watch)
                if watch.settleUntil <= now { watch.settleUntil = 0 }
            }
            if now >= nextRescan {
                rescan(initial: false)
                nextRescan = now + Int64(rescanSeconds * 1e9)
            }
        }
    }

    /// Registers `eventFD` for OOM notifications of the v1 memory cgroup at
    /// `directory`: writes `"<eventfd> <fd of memory.oom_control>"` to its
    /// `cgroup.event_control`. The oom_control fd is only needed for the write.
    static func registerOOMNotification(eventFD: EventFD, directory: String) -> Bool {
        let control = open(directory + "/memory.oom_control", O_RDONLY | O_CLOEXEC)
        guard control >= 0 else { return false }
        defer { close(control) }
        do {
            try SystemFile.write("\(eventFD.fd) \(control)", to: directory + "/cgroup.event_control")
            return true
        } catch {
            return false
        }
    }
}
