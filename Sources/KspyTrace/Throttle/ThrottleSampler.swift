import Glibc
import KspyKernel
import Synchronization

/// The sampler behind `kspy trace throttle` (runtimes.md §7): every `intervalSeconds`
/// it reads `cpu.stat` of every container cgroup of kubelet's trees in the hierarchies
/// holding the cpu controller (v1 `cpu`; the unified one when its `cgroup.controllers`
/// lists `cpu`), compares it with the previous sample of the same cgroup and reports a
/// `CPUThrottleEvent` when periods elapsed and Δnr_throttled / Δnr_periods reached
/// `minRatio`. Each event carries the quota and period in force (v1
/// `cpu.cfs_quota_us` / `cpu.cfs_period_us`, −1 = none; v2 `cpu.max`) and, where the
/// cgroup has one in the unified hierarchy, `cpu.pressure` "some avg10". Pod fields are
/// left empty: the stream names events.
///
/// Containers are rediscovered on every pass (`KubeletCgroupScanner`), so new ones are
/// sampled from their second pass on and vanished ones are forgotten.
public final class ThrottleSampler: Sendable {
    /// What one sampling pass cost.
    public struct Pass: Hashable, Sendable {
        /// Container cgroups read.
        public var cgroups: Int
        /// Wall-clock seconds the pass took (discovery and reads).
        public var seconds: Double
        /// Events it produced.
        public var events: Int
    }

    /// What is kept of one container cgroup between passes.
    private struct Tracked {
        /// Its `cpu.stat`, held open (nil when descriptors ran out).
        var file: RereadableFile?
        /// The last sample and when it was taken.
        var stat: CpuStat
        var monotonic: Int64
        /// The pass that last saw it.
        var pass: UInt64
    }

    private struct State {
        var scanners: [KubeletCgroupScanner]
        /// Keyed by the cgroup's directory (unique across hierarchies).
        var tracked: [String: Tracked] = [:]
        var passNumber: UInt64 = 0
        /// False once opening failed for want of descriptors: files are then opened per read.
        var holdFiles = true
        var buffer: [UInt8] = []
        var lastPass: Pass? = nil
    }

    /// The hierarchies sampled.
    public let hierarchies: [CgroupHierarchy]
    /// The unified hierarchy, read for `cpu.pressure`.
    public let unified: CgroupHierarchy?
    /// Seconds between passes of `run`.
    public let intervalSeconds: Double
    /// The throttled share of periods from which an interval is reported.
    public let minRatio: Double
    private let state: Mutex<State>

    /// A sampler over the cpu hierarchies of `system`.
    /// - Throws: `KernelError` EOPNOTSUPP when no hierarchy holds the cpu controller.
    public convenience init(
        system: CgroupSystem, intervalSeconds: Double = 1, minRatio: Double = 0.05, fullSearchSeconds: Double = 10
    ) throws(KernelError) {
        try self.init(
            hierarchies: system.hierarchies.filter { $0.has("cpu") }, unified: system.unified,
            intervalSeconds: intervalSeconds, minRatio: minRatio, fullSearchSeconds: fullSearchSeconds)
    }

    /// A sampler over `hierarchies` (each holding the cpu controller); `unified` is
    /// where `cpu.pressure` is looked up.
    /// - Throws: `KernelError` EOPNOTSUPP when `hierarchies` is empty.
    public init(
        hierarchies: [CgroupHierarchy], unified: CgroupHierarchy?, intervalSeconds: Double = 1,
        minRatio: Double = 0.05, fullSearchSeconds: Double = 10
    ) throws(KernelError) {
        guard !hierarchies.isEmpty else {
            throw KernelError("sample cpu.stat:", "no cgroup hierarchy holds the cpu controller", errno: EOPNOTSUPP)
        }
        self.hierarchies = hierarchies
        self.unified = unified
        self.intervalSeconds = intervalSeconds
        self.minRatio = minRatio
        state = Mutex(
            State(
                scanners: hierarchies.map { KubeletCgroupScanner(hierarchy: $0, fullSearchSeconds: fullSearchSeconds) })
        )
    }

    /// The last pass's cost (nil before the first).
    public var lastPass: Pass? { state.withLock { $0.lastPass } }

    /// One pass: discovers the container cgroups, reads them, and returns the events of
    /// the intervals since the previous pass (none for a cgroup's first sample).
    public func sampleOnce() -> [CPUThrottleEvent] {
        state.withLock { state in
            let started = EventTime.monotonicNanoseconds()
            state.passNumber += 1
            let pass = state.passNumber
            var events: [CPUThrottleEvent] = []
            var count = 0
            for (index, scanner) in state.scanners.enumerated() {
                let hierarchy = hierarchies[index]
                for cgroup in scanner.scan(includePods: false) {
                    // One hash for a cgroup seen before: its slot is updated in place.
                    let slot = state.tracked.index(forKey: cgroup.directory)
                    let tracked = slot.map { state.tracked.values[$0] }
                    guard let read = Self.readStat(of: cgroup, held: tracked?.file, state: &state) else { continue }
                    let now = EventTime.monotonicNanoseconds()
                    let stat = CpuStat.parseCounters(state.buffer[0..<read.count])
                    count += 1
                    let current = Tracked(file: read.file, stat: stat, monotonic: now, pass: pass)
                    if let slot {  // readStat changes values only, so the index stays valid
                        state.tracked.values[slot] = current
                    } else {
                        state.tracked[cgroup.directory] = current
                    }
                    guard let previous = tracked, !read.replaced else { continue }
                    let delta = stat.delta(since: previous.stat)
                    guard let periods = delta.periods, periods > 0, let throttled = delta.throttledPeriods,
                        Double(throttled) / Double(periods) >= minRatio
                    else { continue }
                    let (quota, period) = Self.quota(of: cgroup.directory, version: hierarchy.version)
                    events.append(
                        CPUThrottleEvent(
                            timeNanoseconds: EventTime.nowNanoseconds(), pod: PodAttribution(), cgroupPath: cgroup.path,
                            periods: periods, throttledPeriods: throttled,
                            throttledSeconds: Double(delta.throttledNanoseconds ?? 0) / 1e9, cpuQuotaMicros: quota,
                            cpuPeriodMicros: period, intervalSeconds: Double(now - previous.monotonic) / 1e9,
                            pressureSomeAvg10: pressure(of: cgroup, in: hierarchy)))
                }
            }
            if state.tracked.count > count {  // some vanished: forget them (closing their files)
                state.tracked = state.tracked.filter { $0.value.pass == pass }
            }
            state.lastPass = Pass(
                cgroups: count, seconds: Double(EventTime.monotonicNanoseconds() - started) / 1e9, events: events.count)
            return events
        }
    }

    /// Samples every `intervalSeconds` until `stop` is raised (checked every ≤ 100 ms),
    /// pushing events into `queue`.
    public func run(into queue: BoundedEventQueue<CPUThrottleEvent>, stop: StopFlag) {
        let interval = Int64(max(intervalSeconds, 0.01) * 1e9)
        var next = EventTime.monotonicNanoseconds()
        while !stop.isStopped {
            for event in sampleOnce() { queue.push(event) }
            next += interval
            let now = EventTime.monotonicNanoseconds()
            if next < now { next = now + interval }  // a pass overran: skip, don't bunch up
            while !stop.isStopped {
                let left = next - EventTime.monotonicNanoseconds()
                if left <= 0 { break }
                var request = timespec(tv_sec: 0, tv_nsec: Int(min(left, 100_000_000)))
                nanosleep(&request, nil)
            }
        }
    }

    /// One read of a container's `cpu.stat`: its length in `State.buffer`, the file to
    /// keep holding, and whether the file held before failed (the cgroup was removed,
    /// perhaps recreated under the same path: its earlier sample no longer applies).
    private struct StatRead {
        var count: Int
        var file: RereadableFile?
        var replaced: Bool
    }

    /// Reads the cgroup's `cpu.stat` into `state.buffer`: through `held` (the
    /// descriptor kept since an earlier pass), else opened now and returned for
    /// keeping (read per pass once descriptors ran out). Nil when the cgroup is gone
    /// or unreadable.
    private static func readStat(of cgroup: KubeletCgroup, held: RereadableFile?, state: inout State) -> StatRead? {
        if let held, let count = try? held.read(into: &state.buffer) {
            return StatRead(count: count, file: held, replaced: false)
        }
        let path = cgroup.directory + "/cpu.stat"
        if state.holdFiles {
            do {
                let file = try RereadableFile(path: path)
                let count = try file.read(into: &state.buffer)
                return StatRead(count: count, file: file, replaced: held != nil)
            } catch where error.errno == EMFILE || error.errno == ENFILE {
                // Out of descriptors: stop holding files and read the classic way.
                state.holdFiles = false
                for key in state.tracked.keys { state.tracked[key]?.file = nil }
            } catch {
                return nil
            }
        }
        guard let bytes = try? SystemFile.readBytes(path) else { return nil }
        state.buffer = bytes
        return StatRead(count: bytes.count, file: nil, replaced: held != nil)
    }

    /// The quota and period in force on the cgroup itself (nil quota: none).
    static func quota(of directory: String, version: CgroupVersion) -> (Int64?, Int64?) {
        if version == .v1 {
            let quota = (try? SystemFile.readTrimmed(directory + "/cpu.cfs_quota_us")).flatMap { Int64($0) }
            let period = (try? SystemFile.readTrimmed(directory + "/cpu.cfs_period_us")).flatMap { Int64($0) }
            return (quota.flatMap { $0 < 0 ? nil : $0 }, period)
        }
        guard let text = try? SystemFile.readTrimmed(directory + "/cpu.max") else { return (nil, nil) }
        let parsed = Cgroup.parseCpuMax(text)
        return (parsed.quota, parsed.period)
    }

    /// `cpu.pressure` "some avg10" of the cgroup in the unified hierarchy, when the
    /// same path exists there and the kernel has PSI.
    private func pressure(of cgroup: KubeletCgroup, in hierarchy: CgroupHierarchy) -> Double? {
        let directory: String?
        if hierarchy.version == .v2 {
            directory = cgroup.directory
        } else {
            directory = unified?.directory(forProcessPath: cgroup.path)
        }
        guard let directory, let text = try? SystemFile.read(directory + "/cpu.pressure") else { return nil }
        return PressureStall.parse(text).some?.avg10
    }
}
