import ArgumentParser
import Foundation
import Glibc
import KspyKernel

/// Scenario: OOM event latency. `kspy trace oom --source bpf -o json` and a bpftrace
/// program on the same tracepoint (`oom:mark_victim`) run side by side while
/// kspy-bench causes OOM kills one after another in a memory cgroup of its own. Each
/// tool's line is timestamped (CLOCK_REALTIME) when kspy-bench reads it from the pipe;
/// latency = that arrival − the kernel-side time of the kill: kspy's own `time` field,
/// and bpftrace's `nsecs` (CLOCK_MONOTONIC) converted with REALTIME − MONOTONIC.
struct OOMLatencyBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "oom-latency",
        abstract: "kspy trace oom --source bpf vs bpftrace on oom:mark_victim: kill-to-line latency.",
        discussion:
            "Creates a v1 memory cgroup (memory.max on a v2-only host) under a root of its own with a small limit, then runs a python3 that allocates more than that, once per kill, and waits for both tools to report it before the next. The cgroup is removed at the end."
    )

    @Option(help: "Measured OOM kills.") var kills = 50
    @Option(help: "Unmeasured warm-up kills before them.") var warmup = 1
    @Option(help: "Memory limit of the cgroup, MiB.") var limitMib = 32
    @Option(help: "What the victim allocates, MiB.") var allocateMib = 128
    @Option(help: "Seconds to wait for a kill and both tools' lines.") var perKillTimeout = 10.0
    @Option(help: "The kspy executable (default: the kspy next to kspy-bench).") var kspy: String?

    func validate() throws {
        guard kills >= 2, warmup >= 0 else { throw ValidationError("--kills must be at least 2, --warmup at least 0") }
        guard limitMib >= 16, allocateMib > limitMib else {
            throw ValidationError("--limit-mib must be at least 16 and --allocate-mib above it")
        }
    }

    /// One tool's report of one kill.
    struct Sighting {
        /// The kernel-side time of the kill as the tool gives it, ns since the epoch.
        var kernelNanoseconds: Int64
        /// When kspy-bench read the line, ns since the epoch.
        var arrivalNanoseconds: Int64
        var latencySeconds: Double { Double(arrivalNanoseconds - kernelNanoseconds) / 1e9 }
    }

    func run() throws {
        guard geteuid() == 0 else {
            throw BenchError("run as root: the scenario loads BPF programs and creates cgroups")
        }
        let kspyPath = kspy ?? PodLifecycleBench.siblingExecutable("kspy")
        guard access(kspyPath, X_OK) == 0 else { throw BenchError("no kspy executable at \(kspyPath) (use --kspy)") }
        guard let bpftrace = CommandTimer.which("bpftrace") else {
            throw BenchError("bpftrace not found on PATH (apt-get install bpftrace, or scripts/install-deps.sh)")
        }
        guard let python = CommandTimer.which("python3") else { throw BenchError("python3 not found on PATH") }

        let cgroup = try Self.makeCgroup(limitBytes: Int64(limitMib) << 20)
        var tracers: [TracedChild] = []
        defer {
            for tracer in tracers { tracer.kill() }
            do {
                try cgroup.killAll(timeoutSeconds: 5)
                try cgroup.remove(busyRetrySeconds: 5)
            } catch {
                DiscoveryBench.progress("kspy-bench: could not remove \(cgroup.path): \(error)")
            }
        }

        // Both tracers first; each states when it is attached.
        let kspyTrace = try TracedChild(
            name: "kspy", arguments: [kspyPath, "trace", "oom", "--source", "bpf", "-o", "json"])
        tracers.append(kspyTrace)
        let program = try Self.bpftraceProgram(bpftrace)
        let bpftraceChild = try TracedChild(name: "bpftrace", arguments: [bpftrace, "-B", "none", "-e", program])
        tracers.append(bpftraceChild)

        var kspySeen: [Int32: Sighting] = [:]
        var bpftraceSeen: [Int32: Sighting] = [:]
        var kspySummary: String?
        var kspyReady = false
        var bpftraceReady = false
        var offsets: [Int64] = []

        func kspyLine(_ line: String, _ arrival: Int64) {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                return
            }
            if object["kind"] as? String == "summary" {
                kspySummary = line
                return
            }
            guard let pid = (object["pid"] as? NSNumber)?.int32Value, let time = object["time"] as? String,
                let kernel = BenchClock.parseRFC3339(time)
            else { return }
            kspySeen[pid] = Sighting(kernelNanoseconds: kernel, arrivalNanoseconds: arrival)
        }
        func bpftraceLine(_ line: String, _ arrival: Int64) {
            if line == "ready" {
                bpftraceReady = true
                return
            }
            let fields = line.split(separator: " ")
            guard fields.count == 2, let nsecs = Int64(fields[0]), let pid = Int32(fields[1]) else { return }
            let offset = BenchClock.realtimeMinusMonotonic()
            offsets.append(offset)
            bpftraceSeen[pid] = Sighting(kernelNanoseconds: nsecs + offset, arrivalNanoseconds: arrival)
        }

        /// Reads whatever the tracers wrote until `done()` or the deadline; fails when a
        /// tracer exits early. `extra` is polled too (a victim's pidfd).
        func pump(until deadline: Double, extra: () -> Int32? = { nil }, done: () -> Bool) throws {
            while !done() && CommandTimer.now() < deadline {
                var fds = [
                    kspyTrace.stdout.readFD, kspyTrace.stderr.readFD, bpftraceChild.stdout.readFD,
                    bpftraceChild.stderr.readFD,
                ].map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
                if let fd = extra() { fds.append(pollfd(fd: fd, events: Int16(POLLIN), revents: 0)) }
                let timeout = Int32(max(1, min(100, (deadline - CommandTimer.now()) * 1000)))
                let ready = poll(&fds, nfds_t(fds.count), timeout)
                if ready < 0 && errno != EINTR { throw BenchError("poll: \(String(cString: strerror(errno)))") }
                if ready <= 0 { continue }
                let arrival = BenchClock.realtimeNanoseconds()
                for entry in fds where entry.revents != 0 {
                    switch entry.fd {
                    case kspyTrace.stdout.readFD: for line in kspyTrace.stdout.readLines() { kspyLine(line, arrival) }
                    case kspyTrace.stderr.readFD:
                        for line in kspyTrace.stderr.readLines()
                        where line.contains("tracing OOM kills with source bpf") {
                            kspyReady = true
                        }
                    case bpftraceChild.stdout.readFD:
                        for line in bpftraceChild.stdout.readLines() { bpftraceLine(line, arrival) }
                    case bpftraceChild.stderr.readFD: _ = bpftraceChild.stderr.readLines()
                    default: break
                    }
                }
                for tracer in tracers where tracer.stdout.atEOF || tracer.stderr.atEOF {
                    tracer.reap(timeoutSeconds: 1)
                    throw BenchError(
                        "\(tracer.name) exited early (status \(tracer.exitStatus)): "
                            + (tracer.stderr.transcript + tracer.stdout.transcript).trimmingCharacters(
                                in: .whitespacesAndNewlines))
                }
            }
        }

        try pump(until: CommandTimer.now() + 60) { kspyReady && bpftraceReady }
        guard kspyReady && bpftraceReady else {
            throw BenchError(
                "tracers not ready after 60 s (kspy: \(kspyReady ? "ready" : kspyTrace.stderr.transcript); bpftrace: \(bpftraceReady ? "ready" : bpftraceChild.stderr.transcript))"
            )
        }
        usleep(200_000)  // let both settle into their read loops

        // The kills, one after another.
        var victims: [Int32] = []
        var warmupVictims: [Int32] = []
        let script = "b = bytearray(\(allocateMib) << 20)"
        for index in 0..<(warmup + kills) {
            var request = SpawnRequest(
                mode: .exec(path: python, arguments: [python, "-c", script], environment: ["PATH=/usr/bin:/bin"]))
            request.newSession = false
            let victim = try Spawner.spawn(request) { pid in try cgroup.addProcess(pid: pid) }
            var exited = false
            let pid = victim.pid
            // The victim's pidfd is polled until it exits (then it stays readable).
            try pump(
                until: CommandTimer.now() + perKillTimeout, extra: { exited ? nil : victim.pidfd.fd },
                done: {
                    if !exited && !victim.pidfd.isRunning { exited = true }
                    return exited && kspySeen[pid] != nil && bpftraceSeen[pid] != nil
                })
            if !exited {
                try? victim.pidfd.send(signal: SIGKILL)
                _ = try? victim.pidfd.reap()
                throw BenchError(
                    "victim \(pid) was not killed within \(perKillTimeout) s (is the memory limit in force?)")
            }
            let status = try victim.pidfd.reap()
            if status != .signaled(SIGKILL) {
                throw BenchError(
                    "victim \(pid) ended with \(status?.description ?? "?"), not by the OOM killer's SIGKILL")
            }
            if index < warmup { warmupVictims.append(pid) } else { victims.append(pid) }
        }
        // Late lines of the last kill, if any.
        try pump(until: CommandTimer.now() + 0.5) { false }
        kspyTrace.stop(signal: SIGTERM, onLine: kspyLine)
        bpftraceChild.stop(signal: SIGINT)
        let oomKills =
            (try? SystemFile.read(cgroup.directory(in: cgroup.hierarchies[0]) + "/memory.oom_control"))
            .flatMap { text in text.split(separator: "\n").first { $0.hasPrefix("oom_kill ") } }
            .map { String($0.dropFirst("oom_kill ".count)) } ?? "?"

        report(
            victims: victims, warmupVictims: warmupVictims, kspySeen: kspySeen, bpftraceSeen: bpftraceSeen,
            summary: kspySummary, cgroupKills: oomKills, offsets: offsets)
    }

    private func report(
        victims: [Int32], warmupVictims: [Int32], kspySeen: [Int32: Sighting], bpftraceSeen: [Int32: Sighting],
        summary: String?, cgroupKills: String, offsets: [Int64]
    ) {
        let kspyLatency = victims.compactMap { kspySeen[$0]?.latencySeconds }
        let bpftraceLatency = victims.compactMap { bpftraceSeen[$0]?.latencySeconds }
        func ms(_ seconds: Double) -> String { String(format: "%.3f ms", seconds * 1000) }
        print(
            "oom-latency: \(victims.count) OOM kills (python3 allocating \(allocateMib) MiB in a memory cgroup limited to \(limitMib) MiB), one at a time"
        )
        print(
            "latency = line read by kspy-bench (CLOCK_REALTIME) - kernel time of the kill; p99 interpolated between the two largest of \(victims.count)"
        )
        print(
            Stats.cell("TOOL", 36) + Stats.cell("CAUGHT", 9) + Stats.cell("P50", 12) + Stats.cell("P99", 12)
                + Stats.cell("MAX", 12) + Stats.cell("kspy/TOOL p50", 15) + "kspy/TOOL p99")
        let kspyP50 = Stats.percentile(kspyLatency, 0.5)
        let kspyP99 = Stats.percentile(kspyLatency, 0.99)
        let rows: [(String, [Double])] = [
            ("kspy trace oom --source bpf", kspyLatency), ("bpftrace tracepoint:oom:mark_victim", bpftraceLatency),
        ]
        for (label, values) in rows {
            let p50 = Stats.percentile(values, 0.5)
            let p99 = Stats.percentile(values, 0.99)
            print(
                Stats.cell(label, 36) + Stats.cell("\(values.count)/\(victims.count)", 9) + Stats.cell(ms(p50), 12)
                    + Stats.cell(ms(p99), 12) + Stats.cell(ms(values.max() ?? .nan), 12)
                    + Stats.cell(String(format: "%.2f", kspyP50 / p50), 15) + String(format: "%.2f", kspyP99 / p99))
        }
        // Both tools timestamp the same tracepoint call: their kernel times should agree.
        let skews = victims.compactMap { pid -> Double? in
            guard let a = kspySeen[pid], let b = bpftraceSeen[pid] else { return nil }
            return Double(a.kernelNanoseconds - b.kernelNanoseconds) / 1e3
        }
        if !skews.isEmpty {
            print(
                String(
                    format:
                        "kernel times of the same kill: kspy time - bpftrace nsecs (converted) median %+.1f us, largest |difference| %.1f us",
                    Stats.median(skews), skews.map(abs).max() ?? 0))
        }
        if let first = offsets.first, let last = offsets.last {
            print(String(format: "REALTIME-MONOTONIC offset drift over the run: %.1f us", Double(last - first) / 1e3))
        }
        for pid in warmupVictims {
            let a = kspySeen[pid].map { ms($0.latencySeconds) } ?? "missed"
            let b = bpftraceSeen[pid].map { ms($0.latencySeconds) } ?? "missed"
            print("warm-up kill (not counted): kspy \(a), bpftrace \(b)")
        }
        print("cgroup memory.oom_control oom_kill: \(cgroupKills) (expected \(victims.count + warmupVictims.count))")
        if let summary { print("kspy summary: \(summary)") }
        print("")
        print("targets:")
        Stats.verdict(
            "OOM event latency p99 under 10 ms", "kspy p99 = " + ms(kspyP99), met: kspyP99 < 0.010,
            miss: String(format: "%.1fx the budget", kspyP99 / 0.010))
        Stats.verdict(
            "every kill caught by both",
            "kspy \(kspyLatency.count)/\(victims.count), bpftrace \(bpftraceLatency.count)/\(victims.count)",
            met: kspyLatency.count == victims.count && bpftraceLatency.count == victims.count,
            miss: "kills missed")
    }

    /// The bpftrace program: per mark_victim, `nsecs` (CLOCK_MONOTONIC) and the victim's
    /// PID; "ready" once attached. bpftrace before 0.20 spells the field `args->pid`.
    static func bpftraceProgram(_ bpftrace: String) throws -> String {
        let version = try CommandTimer.run([bpftrace, "--version"]).output
        // "bpftrace v0.17.0"
        let numbers =
            version.split(whereSeparator: { !$0.isNumber && $0 != "." }).first?
            .split(separator: ".").compactMap { Int($0) } ?? []
        let old = numbers.count >= 2 && numbers[0] == 0 && numbers[1] < 20
        let field = old ? "args->pid" : "args.pid"
        return #"BEGIN { printf("ready\n"); } tracepoint:oom:mark_victim { printf("%llu %d\n", nsecs, "#
            + field + "); }"
    }

    /// A memory cgroup `/kspy-bench-oom-<hex>` limited to `limitBytes` (v1 memory
    /// hierarchy, or the unified one on a v2-only host), without swap.
    static func makeCgroup(limitBytes: Int64) throws -> Cgroup {
        let system = try CgroupSystem.current()
        let name = "/kspy-bench-oom-" + DiscoveryFixture.hex(bytes: 4)
        if let memory = system.v1Hierarchies.first(where: { $0.has("memory") }) {
            let cgroup = try Cgroup(path: name, hierarchies: [memory])
            try cgroup.create(controllers: [])
            do {
                let directory = cgroup.directory(in: memory)
                try SystemFile.write(String(limitBytes), to: directory + "/memory.limit_in_bytes")
                if SystemFile.exists(directory + "/memory.memsw.limit_in_bytes") {
                    try SystemFile.write(String(limitBytes), to: directory + "/memory.memsw.limit_in_bytes")
                }
            } catch {
                try? cgroup.remove()
                throw error
            }
            return cgroup
        }
        guard let unified = system.unified, unified.has("memory") else {
            throw BenchError("no cgroup hierarchy with the memory controller")
        }
        let cgroup = try Cgroup(path: name, hierarchies: [unified])
        try cgroup.create(controllers: ["memory"])
        do {
            let directory = cgroup.directory(in: unified)
            try SystemFile.write(String(limitBytes), to: directory + "/memory.max")
            if SystemFile.exists(directory + "/memory.swap.max") {
                try SystemFile.write("0", to: directory + "/memory.swap.max")
            }
        } catch {
            try? cgroup.remove()
            throw error
        }
        return cgroup
    }
}
