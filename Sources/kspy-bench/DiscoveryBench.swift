import ArgumentParser
import Foundation
import Glibc
import KspyKernel

/// Scenario 2: process discovery on a crowded node. Builds a kubelet-shaped cgroupfs
/// tree (`/kspy-bench-<hex>/kubepods/burstable/pod<uid>/<64-hex id>`) holding thousands
/// of idle processes, then times `kspy ps -o json` side by side with `lsns -J` and
/// `ps -e -o pid,cgroup`, interleaved in one run, and measures kspy's peak resident set
/// at a quarter, half and all of the pods to see how it grows with the process count.
struct DiscoveryBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "discovery",
        abstract: "kspy ps -o json vs lsns -J and ps -e -o pid,cgroup on a node with thousands of pod processes.",
        discussion: "Each pod gets a sandbox cgroup holding one `pause` and app container cgroups holding a `sh` that backgrounds `sleep`s and waits for them. Cgroups are created in the v1 memory, cpu and pids hierarchies (the cgroup2 mount on a v2-only host) under a root of their own, and removed at the end.")

    @Option(help: "Pods to create.") var pods = 100
    @Option(help: "App containers per pod (each pod also gets a sandbox cgroup with one pause process).")
    var containersPerPod = 5
    @Option(help: "Processes per app container: one sh and the sleeps it waits for.")
    var processesPerContainer = 10
    @Option(help: "Timed iterations per tool.") var iterations = 10
    @Option(help: "kspy runs per scale point for the peak-memory measurement.") var memoryRuns = 3
    @Option(help: "The kspy executable (default: the kspy next to kspy-bench).") var kspy: String?

    func validate() throws {
        guard pods >= 4 else { throw ValidationError("--pods must be at least 4 (memory is measured at 1/4, 1/2 and all pods)") }
        guard containersPerPod >= 1, processesPerContainer >= 1 else {
            throw ValidationError("--containers-per-pod and --processes-per-container must be at least 1")
        }
        guard iterations >= 1, memoryRuns >= 1 else { throw ValidationError("--iterations and --memory-runs must be at least 1") }
    }

    func run() throws {
        guard geteuid() == 0 else { throw BenchError("run as root: the scenario creates cgroups") }
        let kspyPath = kspy ?? PodLifecycleBench.siblingExecutable("kspy")
        guard access(kspyPath, X_OK) == 0 else { throw BenchError("no kspy executable at \(kspyPath) (use --kspy)") }
        var tools: [String: String] = [:]
        for name in ["lsns", "ps", "sh", "sleep"] {
            guard let path = CommandTimer.which(name) else { throw BenchError("\(name) not found on PATH") }
            tools[name] = path
        }

        let fixture = try DiscoveryFixture(shell: tools["sh"]!, sleep: tools["sleep"]!)
        defer { fixture.teardown() }

        // Build the node in three steps and measure kspy's peak memory after each.
        let scalePoints = [pods / 4, pods / 2, pods]
        var memory: [ScalePoint] = []
        for target in scalePoints {
            let started = CommandTimer.now()
            try fixture.addPods(upTo: target, containersPerPod: containersPerPod, processesPerContainer: processesPerContainer)
            try fixture.waitUntilRunning()
            Self.progress(
                "discovery: \(fixture.pods.count) pods, \(fixture.expectedProcesses) processes running ("
                    + String(format: "%.1f", CommandTimer.now() - started) + " s to start)")
            var peaks: [Double] = []
            var baselines: [Double] = []
            for _ in 0..<memoryRuns {
                baselines.append(Double(try CommandTimer.forkBaselineKiB()))
                let run = try CommandTimer.mustRun([kspyPath, "ps", "-o", "json"], captureOutput: false)
                peaks.append(Double(run.maxResidentKiB))
            }
            memory.append(
                ScalePoint(
                    podProcesses: fixture.expectedProcesses, nodeProcesses: Self.nodeProcessCount(),
                    peakKiB: Stats.median(peaks), baselineKiB: Stats.median(baselines)))
        }

        // Full scale: one untimed round, then the timed ones. Outputs go to a file and
        // are not read, so kspy-bench stays small (every child starts as a copy of it).
        let commands: [(label: String, arguments: [String])] = [
            ("kspy ps -o json", [kspyPath, "ps", "-o", "json"]),
            ("lsns -J", [tools["lsns"]!, "-J"]),
            ("ps -e -o pid,cgroup", [tools["ps"]!, "-e", "-o", "pid,cgroup"]),
        ]
        for command in commands { try CommandTimer.mustRun(command.arguments, captureOutput: false) }
        var baseline = try CommandTimer.forkBaselineKiB()
        var wall: [String: [Double]] = [:]
        var peak: [String: [Double]] = [:]
        for i in 0..<iterations {
            // Rotate the order so no tool always runs first (or right after another).
            for k in commands.indices {
                let command = commands[(i + k) % commands.count]
                let result = try CommandTimer.mustRun(command.arguments, captureOutput: false)
                wall[command.label, default: []].append(result.seconds)
                peak[command.label, default: []].append(Double(result.maxResidentKiB))
            }
        }
        baseline = max(baseline, try CommandTimer.forkBaselineKiB())
        let nodeProcesses = Self.nodeProcessCount()
        Self.progress("discovery: timed \(iterations) rounds")

        // Sanity, after timing: kspy attributes every created process, ps lists them.
        let sanity = try fixture.check(
            kspyJSON: try CommandTimer.mustRun(commands[0].arguments).output,
            psOutput: try CommandTimer.mustRun(commands[2].arguments).output)

        report(
            fixture: fixture, nodeProcesses: nodeProcesses, labels: commands.map(\.label), wall: wall, peak: peak,
            baselineKiB: Double(baseline), memory: memory, sanity: sanity)
    }

    /// kspy's peak resident set at one node size.
    struct ScalePoint {
        let podProcesses: Int
        let nodeProcesses: Int
        let peakKiB: Double
        let baselineKiB: Double
    }

    private func report(
        fixture: DiscoveryFixture, nodeProcesses: Int, labels: [String], wall: [String: [Double]],
        peak: [String: [Double]], baselineKiB: Double, memory: [ScalePoint], sanity: String
    ) {
        let kspyLabel = labels[0]
        let kspyWall = Stats.median(wall[kspyLabel] ?? [])
        print(
            "discovery: \(fixture.pods.count) pods, \(fixture.containerCgroups) container cgroups (\(fixture.pods.count) sandboxes), "
                + "\(fixture.expectedProcesses) pod processes, \(nodeProcesses) processes on the node; \(iterations) iterations, medians")
        print("TOOL                   WALL         PEAK RSS     kspy/TOOL (wall)")
        for label in labels {
            let w = Stats.median(wall[label] ?? [])
            print(
                label.padding(toLength: 23, withPad: " ", startingAt: 0)
                    + Stats.milliseconds(w).padding(toLength: 13, withPad: " ", startingAt: 0)
                    + Self.mebibytes(Stats.median(peak[label] ?? [])).padding(toLength: 13, withPad: " ", startingAt: 0)
                    + String(format: "%.2f", kspyWall / w))
        }
        print("(PEAK RSS: ru_maxrss of the child; any child shows at least \(Self.mebibytes(baselineKiB)), the part of kspy-bench it holds between fork and exec)")

        print("")
        print("kspy ps -o json peak RSS by node size (median of \(memoryRuns) runs):")
        print("POD PROCS   NODE PROCS   PEAK RSS     KiB/1000 NODE PROCS   MARGINAL KiB/PROC   FORK BASELINE")
        var slopes: [Double] = []
        for (index, point) in memory.enumerated() {
            var marginal = "-"
            if index > 0 {
                let previous = memory[index - 1]
                let slope = (point.peakKiB - previous.peakKiB) / Double(point.nodeProcesses - previous.nodeProcesses)
                slopes.append(slope)
                marginal = String(format: "%.2f", slope)
            }
            print(
                String(point.podProcesses).padding(toLength: 12, withPad: " ", startingAt: 0)
                    + String(point.nodeProcesses).padding(toLength: 13, withPad: " ", startingAt: 0)
                    + Self.mebibytes(point.peakKiB).padding(toLength: 13, withPad: " ", startingAt: 0)
                    + String(format: "%.0f", point.peakKiB * 1000 / Double(point.nodeProcesses))
                    .padding(toLength: 22, withPad: " ", startingAt: 0)
                    + marginal.padding(toLength: 20, withPad: " ", startingAt: 0)
                    + Self.mebibytes(point.baselineKiB))
        }
        if let first = memory.first, let last = memory.last, last.nodeProcesses > first.nodeProcesses {
            let slope = (last.peakKiB - first.peakKiB) / Double(last.nodeProcesses - first.nodeProcesses)
            let fixed = last.peakKiB - slope * Double(last.nodeProcesses)
            print(String(format: "fit through the end points: %.0f bytes per process + ", slope * 1024) + Self.mebibytes(fixed) + " fixed")
        }

        print("")
        print("targets:")
        let lsnsRatio = kspyWall / Stats.median(wall[labels[1]] ?? [])
        let psRatio = kspyWall / Stats.median(wall[labels[2]] ?? [])
        Self.verdict(
            "faster than lsns -J", String(format: "kspy/lsns = %.2f", lsnsRatio), met: lsnsRatio < 1.0,
            miss: String(format: "%.0f%% slower than lsns", (lsnsRatio - 1) * 100))
        Self.verdict(
            "within 1.5x of ps", String(format: "kspy/ps = %.2f", psRatio), met: psRatio <= 1.5,
            miss: String(format: "%.2fx of ps, %.0f%% over the 1.5x budget", psRatio, (psRatio / 1.5 - 1) * 100))
        // Linear (not worse): the marginal cost per process from 1/2 to all pods is at most
        // 1.25x that from 1/4 to 1/2, with 0.25 KiB/process slack for page granularity.
        // Meaningless when a peak is at or below the fork baseline (then an upper bound).
        if memory.contains(where: { $0.peakKiB <= $0.baselineKiB }) {
            print("  memory linear in processes   undetermined: a peak is at or below the fork baseline")
        } else if slopes.count == 2 {
            let linear = slopes[1] <= 1.25 * slopes[0] + 0.25
            Self.verdict(
                "memory linear in processes", String(format: "marginal %.2f then %.2f KiB/process", slopes[0], slopes[1]),
                met: linear, miss: "grows faster than linearly")
        }
        print(sanity)
        if fixture.expectedProcesses < 5000 || fixture.containerCgroups < 500 || fixture.pods.count < 100 {
            print("note: below the issue's scale (>= 5,000 processes, >= 500 container cgroups, >= 100 pods)")
        }
    }

    private static func verdict(_ target: String, _ measured: String, met: Bool, miss: String) {
        print(
            "  " + target.padding(toLength: 29, withPad: " ", startingAt: 0)
                + measured.padding(toLength: 40, withPad: " ", startingAt: 0)
                + (met ? "met" : "NOT met (\(miss))"))
    }

    static func mebibytes(_ kib: Double) -> String { String(format: "%.1f MiB", kib / 1024) }

    /// The number of processes in /proc (what a /proc scan visits).
    static func nodeProcessCount() -> Int {
        ((try? SystemFile.listDirectory("/proc")) ?? []).filter { Int32($0) != nil }.count
    }

    static func progress(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}

/// The pods of the discovery scenario: cgroups under `/kspy-bench-<hex>` and the idle
/// processes in them. Processes are only ever killed by PID from these cgroups, and
/// `teardown()` removes everything, also after a failure.
final class DiscoveryFixture {
    struct Pod {
        let uid: String
        let sandboxID: String
        let containerIDs: [String]
    }

    let root: Cgroup
    let hierarchies: [CgroupHierarchy]
    let work: String
    let shell: String
    let sleep: String
    private(set) var pods: [Pod] = []
    /// Processes that should be running: pause processes, shells and sleeps.
    private(set) var expectedProcesses = 0
    private(set) var expectedSleeps = 0
    private(set) var expectedShells = 0
    /// Sandbox and app container leaves.
    private(set) var containerCgroups = 0
    /// Processes spawned directly (pause, sh, or sleep when one process per container).
    private var children: [SpawnedProcess] = []
    private var shellPIDs = Set<Int32>()
    private var tornDown = false

    init(shell: String, sleep: String) throws {
        let system = try CgroupSystem.current()
        // Kubelet's tree lives in the v1 controller hierarchies on a v1 or hybrid host
        // (kspy classifies the memory line first), in the cgroup2 mount otherwise.
        if let memory = system.v1Hierarchies.first(where: { $0.has("memory") }) {
            hierarchies = [memory]
                + ["cpu", "pids"].compactMap { controller in system.v1Hierarchies.first { $0.has(controller) } }
                .filter { $0 != memory }
        } else if let unified = system.unified {
            hierarchies = [unified]
        } else {
            throw BenchError("no cgroup hierarchy with the memory controller and no cgroup2 mount")
        }
        root = try Cgroup(path: "/kspy-bench-" + Self.hex(bytes: 4), hierarchies: hierarchies)
        self.shell = shell
        self.sleep = sleep
        // One pidfd per spawned shell or pause is kept open until teardown: lift the
        // soft descriptor limit to the hard one for larger --pods.
        var limit = rlimit()
        if getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < limit.rlim_max {
            limit.rlim_cur = limit.rlim_max
            _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        }
        work = "/tmp/kspy-bench-discovery-\(getpid())"
        do {
            try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
            // The sandbox process: a copy of sleep named pause, so its comm is `pause`.
            try FileManager.default.copyItem(atPath: sleep, toPath: work + "/pause")
            chmod(work + "/pause", 0o755)
            try root.create(controllers: [])
        } catch {
            teardown()
            throw error
        }
    }

    /// Adds pods until there are `count`, each with a sandbox and `containersPerPod` app
    /// containers of `processesPerContainer` processes.
    func addPods(upTo count: Int, containersPerPod: Int, processesPerContainer: Int) throws {
        let environment = ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"]
        // The shell backgrounds the sleeps and waits for them: it reaps them when they are
        // killed, so no process is ever orphaned to PID 1.
        let script = #"i=0; while [ "$i" -lt "$1" ]; do "$2" 100000 & i=$((i+1)); done; wait"#
        while pods.count < count {
            let uid = UUID().uuidString.lowercased()
            let podCgroup = try root.child("kubepods").child("burstable").child("pod" + uid)
            let sandboxID = Self.hex(bytes: 32)
            _ = try spawn(
                SpawnRequest(mode: .exec(path: work + "/pause", arguments: ["pause", "100000"], environment: environment)),
                into: podCgroup.child(sandboxID))
            expectedProcesses += 1
            containerCgroups += 1
            var containerIDs: [String] = []
            for _ in 0..<containersPerPod {
                let id = Self.hex(bytes: 32)
                if processesPerContainer == 1 {
                    _ = try spawn(
                        SpawnRequest(mode: .exec(path: sleep, arguments: ["sleep", "100000"], environment: environment)),
                        into: podCgroup.child(id))
                    expectedSleeps += 1
                } else {
                    // Children inherit the cgroup the shell was placed in before it ran.
                    let shellPID = try spawn(
                        SpawnRequest(
                            mode: .exec(
                                path: shell,
                                arguments: [shell, "-c", script, "sh", String(processesPerContainer - 1), sleep],
                                environment: environment)),
                        into: podCgroup.child(id))
                    shellPIDs.insert(shellPID)
                    expectedShells += 1
                    expectedSleeps += processesPerContainer - 1
                }
                expectedProcesses += processesPerContainer
                containerCgroups += 1
                containerIDs.append(id)
            }
            pods.append(Pod(uid: uid, sandboxID: sandboxID, containerIDs: containerIDs))
        }
    }

    /// Creates `cgroup` and spawns `request` into it (placed before it runs).
    private func spawn(_ request: SpawnRequest, into cgroup: Cgroup) throws -> Int32 {
        try cgroup.create(controllers: [])
        let child = try Spawner.spawn(request) { pid in try cgroup.addProcess(pid: pid) }
        children.append(child)
        return child.pid
    }

    /// Waits until the cgroups hold exactly the expected processes, every shell has
    /// forked all its sleeps and they have all exec'd (`cgroup.procs` and `comm`).
    func waitUntilRunning(timeoutSeconds: Double = 120) throws {
        let deadline = CommandTimer.now() + timeoutSeconds
        var last = ""
        while true {
            let pids = try root.subtreeProcesses()
            var byComm: [String: Int] = [:]
            if pids.count == expectedProcesses {
                for pid in pids {
                    let comm = (try? SystemFile.readTrimmed("/proc/\(pid)/comm")) ?? "?"
                    byComm[comm, default: 0] += 1
                }
                if byComm["pause"] == pods.count && byComm["sleep", default: 0] == expectedSleeps
                    && byComm["sh", default: 0] == expectedShells
                {
                    return
                }
            }
            last = "\(pids.count) of \(expectedProcesses) processes, by comm \(byComm)"
            if CommandTimer.now() > deadline { throw BenchError("processes did not start in time: \(last)") }
            usleep(20_000)
        }
    }

    /// Checks that kspy attributed every created process to its pod (and the pause
    /// processes as pause), and that ps listed them; returns a one-line summary.
    func check(kspyJSON: String, psOutput: String) throws -> String {
        guard let entries = try JSONSerialization.jsonObject(with: Data(kspyJSON.utf8)) as? [[String: Any]] else {
            throw BenchError("kspy ps -o json did not print a JSON array")
        }
        let uids = Set(pods.map(\.uid))
        var attributed = 0
        var pauses = 0
        for entry in entries {
            guard let uid = entry["podUID"] as? String, uids.contains(uid) else { continue }
            attributed += 1
            if entry["role"] as? String == "pause" { pauses += 1 }
        }
        let psListed = psOutput.split(separator: "\n").filter { $0.contains(root.path + "/") }.count
        if attributed < expectedProcesses || pauses != pods.count {
            throw BenchError(
                "kspy attributed \(attributed) of \(expectedProcesses) processes to the bench pods (\(pauses) of \(pods.count) as pause)")
        }
        if psListed < expectedProcesses {
            throw BenchError("ps listed \(psListed) of \(expectedProcesses) bench processes")
        }
        return "sanity: kspy attributed \(attributed) of \(expectedProcesses) created processes to the \(pods.count) pods "
            + "(\(pauses) as pause; \(entries.count) JSON entries in all); ps listed \(psListed) in \(root.path)"
    }

    /// Kills every process in the bench cgroups, reaps them, removes the cgroups
    /// bottom-up and the work directory. Idempotent; reports problems on stderr.
    func teardown() {
        if tornDown { return }
        tornDown = true
        // Only PIDs read from the bench cgroups are signalled, through a pidfd opened
        // first and a re-read of the cgroups (so a recycled PID is never hit). The
        // sleeps below a shell are SIGKILLed and reaped by their shell, which then
        // exits; pause (and lone sleep) children are SIGKILLed. kspy-bench reaps its
        // direct children. Repeated until the cgroups are empty (a shell may still be
        // forking when an error got us here).
        var reaped = Set<Int32>()
        func reapExited() {
            for child in children where !reaped.contains(child.pid) {
                do { if try child.pidfd.reap(block: false) != nil { reaped.insert(child.pid) } } catch {
                    reaped.insert(child.pid)
                }
            }
        }
        let deadline = CommandTimer.now() + 20
        var remaining: [Int32] = []
        while true {
            reapExited()
            remaining = (try? root.subtreeProcesses()) ?? []
            if remaining.isEmpty { break }
            if CommandTimer.now() > deadline { break }
            let handles = remaining.filter { !shellPIDs.contains($0) }.compactMap { try? Pidfd(pid: $0) }
            let inside = Set((try? root.subtreeProcesses()) ?? [])
            for handle in handles where inside.contains(handle.pid) { try? handle.send(signal: SIGKILL) }
            usleep(10_000)
        }
        if !remaining.isEmpty {
            // Last resort, e.g. a shell that never exits: kill everything left.
            DiscoveryBench.progress("kspy-bench: \(remaining.count) processes remain in \(root.path); killing all")
            do { try root.killAll(timeoutSeconds: 5) } catch { DiscoveryBench.progress("kspy-bench: \(error)") }
        }
        for child in children where !reaped.contains(child.pid) {
            if child.pidfd.waitForExit(timeoutMilliseconds: 2000) { _ = try? child.pidfd.reap() } else {
                DiscoveryBench.progress("kspy-bench: child \(child.pid) did not exit")
            }
        }
        children.removeAll()
        do { try root.remove(recursive: true, busyRetrySeconds: 5) } catch {
            DiscoveryBench.progress("kspy-bench: could not remove \(root.path): \(error)")
        }
        try? FileManager.default.removeItem(atPath: work)
    }

    /// `bytes` random bytes as lowercase hex.
    static func hex(bytes: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<bytes).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
    }
}
