import Foundation
import Glibc
import KspyKernel
import Testing
import KspyTestSupport

/// `kspy trace oom` and `kspy trace throttle` end to end against real test pods: the
/// event names the pod and container, with each OOM source; throttling is reported for
/// a busy pod and not for an idle one; a slow reader ends with dropped events; SIGTERM
/// leaves no BPF program behind.
@Suite(.serialized) struct TraceCLITests {
    let tag = String(UInt32.random(in: 0...UInt32.max), radix: 16)
    var stateDir: String { "/tmp/kspy-trace-test-\(tag)" }
    var cgroupRootName: String { "kspy-trace-\(tag)" }
    var testpod: [String] {
        ["--state-dir", stateDir, "--cgroup-root", "\(cgroupRootName)/kubepods", "--network", "none"]
    }
    var discovery: [String] { ["--kspy-state", stateDir] }

    /// A kspy process whose stdout and stderr go to files (or stdout to `stdoutFD`).
    final class Running {
        let process = Process()
        let stdoutPath: String
        let stderrPath: String

        init(_ arguments: [String], tag: String, stdoutFD: Int32? = nil) throws {
            stdoutPath = "/tmp/kspy-trace-out-\(tag)-\(UInt32.random(in: 0...UInt32.max))"
            stderrPath = stdoutPath + ".err"
            _ = FileManager.default.createFile(atPath: stdoutPath, contents: nil)
            _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
            process.executableURL = URL(fileURLWithPath: CLIRunner.binary)
            process.arguments = arguments
            process.standardOutput =
                stdoutFD.map { FileHandle(fileDescriptor: $0, closeOnDealloc: false) }
                ?? FileHandle(forWritingAtPath: stdoutPath)
            process.standardError = FileHandle(forWritingAtPath: stderrPath)
            process.standardInput = FileHandle.nullDevice
            try process.run()
        }

        var stdout: String { (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? "" }
        var stderr: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

        /// Waits until stderr contains `text` (the stream announced itself).
        func waitForStderr(_ text: String, timeout: Double = 15) -> Bool {
            let deadline = Date().addingTimeInterval(timeout)
            while Date() < deadline {
                if stderr.contains(text) { return true }
                if !process.isRunning { return stderr.contains(text) }
                usleep(50_000)
            }
            return false
        }

        /// Waits for exit (SIGKILL after `timeout`) and returns the status.
        func wait(timeout: Double = 60) -> Int32 {
            let deadline = Date().addingTimeInterval(timeout)
            while process.isRunning && Date() < deadline { usleep(50_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
            return process.terminationStatus
        }

        /// The NDJSON lines written.
        var lines: [[String: Any]] {
            stdout.split(separator: "\n").compactMap {
                try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
            }
        }

        deinit {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            try? FileManager.default.removeItem(atPath: stdoutPath)
            try? FileManager.default.removeItem(atPath: stderrPath)
        }
    }

    private func oomManifest(_ name: String) -> String {
        """
        apiVersion: v1
        kind: Pod
        metadata: {name: \(name), namespace: trace}
        spec:
          restartPolicy: Never
          terminationGracePeriodSeconds: 1
          containers:
            - name: eater
              image: \(TestPodCLITests.image)
              command: ["sh", "-c", "sleep 8; x=$(head -c 100000000 /dev/urandom); sleep 100"]
              resources: {limits: {memory: 32Mi}}
        """
    }

    /// The kubelet tree's root exists before a trace starts, as on a node, so the
    /// cgroup source watches it from its first scan.
    private func prepareCgroupRoot() throws {
        try SystemFile.makeDirectories("/sys/fs/cgroup/memory/\(cgroupRootName)/kubepods")
    }

    private func tearDown() {
        _ = try? CLIRunner.run(["testpod", "delete", "--all"] + testpod)
        try? FileManager.default.removeItem(atPath: stateDir)
        if let system = try? CgroupSystem.current() {
            for hierarchy in system.hierarchies {
                rmdir(hierarchy.directory(for: "/\(cgroupRootName)/kubepods"))
                rmdir(hierarchy.directory(for: "/\(cgroupRootName)"))
            }
        }
    }

    private func apply(_ yaml: String) throws -> [String: Any] {
        let applied = try CLIRunner.run(["testpod", "apply", "-f", "-"] + testpod, stdin: yaml)
        try #require(applied.status == 0, "\(applied.stderr)")
        let listed = try CLIRunner.run(["testpod", "list", "-o", "json"] + testpod)
        let pods = try #require(try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]])
        return try #require(pods.last)
    }

    @Test(arguments: ["bpf", "cgroup", "kmsg"]) func oomKillNamesThePod(source: String) throws {
        guard requireRoot() else { return }
        defer { tearDown() }
        try prepareCgroupRoot()
        let name = "hog-\(source)"
        let trace = try Running(
            ["trace", "oom", "--source", source, "-o", "json", "--count", "1", "--timeout", "60s", "--pod", name]
                + discovery, tag: tag)
        try #require(trace.waitForStderr("tracing OOM kills with source \(source)"), "\(trace.stderr)")
        let pod = try apply(oomManifest(name))
        #expect(trace.wait() == 0, "\(trace.stderr)")
        let lines = trace.lines
        try #require(lines.count == 2, "\(trace.stdout)\n\(trace.stderr)")
        let event = lines[0]
        #expect(event["kind"] as? String == "oomKill")
        #expect(event["source"] as? String == source)
        #expect(event["podUID"] as? String == pod["uid"] as? String)
        #expect(event["podName"] as? String == name)
        #expect(event["podNamespace"] as? String == "trace")
        // The pod cgroup has the same 32Mi limit (kubelet's sum of container limits) and
        // also holds the pause, so the kernel may hit the pod's limit first: a cgroup
        // counter then reports the kill on the pod cgroup, with no container.
        let containers = pod["containers"] as? [[String: Any]] ?? []
        if source == "cgroup" && event["containerID"] is NSNull {
            #expect(event["cgroupPath"] as? String == pod["cgroupParent"] as? String)
        } else {
            #expect(event["containerName"] as? String == "eater")
            #expect(event["containerID"] as? String == containers.first?["id"] as? String)
        }
        #expect(event["memoryLimitBytes"] as? Int == 32 * 1024 * 1024)
        #expect((event["time"] as? String)?.hasSuffix("Z") == true)
        if source != "cgroup" {
            #expect(event["comm"] as? String == "sh")
            #expect((event["anonRssKB"] as? Int ?? 0) > 0)
        }
        #expect(lines[1]["kind"] as? String == "summary")
        #expect(lines[1]["events"] as? Int == 1)
        #expect(lines[1]["source"] as? String == source)

        if source == "kmsg" {
            // The same kill, replayed from the kernel log after the fact.
            let replay = try CLIRunner.run(
                ["trace", "oom", "--since", "10m", "-o", "json", "--count", "1", "--timeout", "10s", "--pod", name]
                    + discovery)
            #expect(replay.status == 0, "\(replay.stderr)")
            #expect(replay.stdout.contains("\"podUID\":\"\(pod["uid"] as? String ?? "?")\""))
        }
    }

    private func busyManifest(_ name: String) -> String {
        """
        apiVersion: v1
        kind: Pod
        metadata: {name: \(name), namespace: trace}
        spec:
          terminationGracePeriodSeconds: 1
          containers:
            - name: busy
              image: \(TestPodCLITests.image)
              command: ["sh", "-c", "while :; do :; done"]
              resources: {limits: {cpu: 100m}}
            - name: idle
              image: \(TestPodCLITests.image)
              command: ["sleep", "3600"]
              resources: {limits: {cpu: 100m}}
        """
    }

    @Test func throttlingOfABusyContainer() throws {
        guard requireRoot() else { return }
        defer { tearDown() }
        let pod = try apply(busyManifest("spin"))
        let result = try CLIRunner.run(
            ["trace", "throttle", "-o", "json", "--interval", "500ms", "--timeout", "4s", "--pod", "spin"] + discovery)
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        let events = lines.filter { $0["kind"] as? String == "cpuThrottled" }
        #expect(!events.isEmpty, "\(result.stdout)\(result.stderr)")
        for event in events {
            #expect(event["containerName"] as? String == "busy", "only the busy container is throttled")
            #expect(event["podUID"] as? String == pod["uid"] as? String)
            #expect(event["podName"] as? String == "spin")
            #expect((event["throttledRatio"] as? Double ?? 0) > 0.5)
            #expect(event["cpuQuotaMicros"] as? Int == 10000)
            #expect(event["cpuPeriodMicros"] as? Int == 100000)
            #expect(event["intervalSeconds"] as? Double != nil)
        }
        #expect(lines.last?["kind"] as? String == "summary")
        #expect(lines.last?["events"] as? Int == events.count)
    }

    @Test func slowReaderDropsAndCounts() throws {
        guard requireRoot() else { return }
        defer { tearDown() }
        _ = try apply(busyManifest("slow"))
        // A one-page pipe nobody reads for a while: the writer blocks, the one-event
        // queue fills, later events are dropped and counted.
        var fds: [Int32] = [-1, -1]
        try #require(pipe(&fds) == 0)
        _ = fcntl(fds[1], 1031, 4096)  // F_SETPIPE_SZ (fcntl(2); not exported by Glibc)
        let trace = try Running(
            [
                "trace", "throttle", "-o", "json", "--interval", "50ms", "--min-ratio", "0", "--buffer", "1",
                "--timeout", "4s", "--pod", "slow",
            ] + discovery, tag: tag, stdoutFD: fds[1])
        close(fds[1])
        sleep(3)
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = read(fds[0], &chunk, chunk.count)
            if n <= 0 { break }
            output += chunk[0..<n]
        }
        close(fds[0])
        #expect(trace.wait() == 0, "\(trace.stderr)")
        let lines = String(decoding: output, as: UTF8.self).split(separator: "\n")
        let summary = try #require(
            try JSONSerialization.jsonObject(with: Data((lines.last ?? "").utf8)) as? [String: Any])
        #expect(summary["kind"] as? String == "summary")
        #expect((summary["dropped"] as? Int ?? 0) > 0, "\(summary)")
        #expect(summary["events"] as? Int == lines.count - 1)
        #expect(trace.stderr.contains("dropped"))
    }

    /// The BPF program and link IDs a process holds open, from /proc/<pid>/fdinfo.
    private func bpfObjects(of pid: Int32) -> (programs: Set<UInt32>, links: Set<UInt32>) {
        var programs: Set<UInt32> = [], links: Set<UInt32> = []
        for fd in (try? SystemFile.listDirectory("/proc/\(pid)/fdinfo")) ?? [] {
            guard let text = try? SystemFile.read("/proc/\(pid)/fdinfo/\(fd)") else { continue }
            for line in text.split(separator: "\n") {
                let parts = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                guard parts.count == 2, let id = UInt32(parts[1]) else { continue }
                if parts[0] == "prog_id" { programs.insert(id) }
                if parts[0] == "link_id" { links.insert(id) }
            }
        }
        return (programs, links)
    }

    @Test func sigtermDetachesBPF() throws {
        guard requireRoot() else { return }
        let trace = try Running(["trace", "oom", "--source", "bpf", "-o", "json"], tag: tag)
        try #require(trace.waitForStderr("tracing OOM kills with source bpf"), "\(trace.stderr)")
        let held = bpfObjects(of: trace.process.processIdentifier)
        #expect(held.programs.count >= 2, "kspy holds its programs while tracing")
        let loaded = Set(try BPFSystem.programs().map(\.id))
        #expect(held.programs.isSubset(of: loaded))
        kill(trace.process.processIdentifier, SIGTERM)
        #expect(trace.wait(timeout: 10) == 0, "\(trace.stderr)")
        #expect(trace.lines.last?["kind"] as? String == "summary")
        // Freed programs may linger briefly in the kernel's deferred work.
        var remaining = held.programs
        let deadline = Date().addingTimeInterval(3)
        repeat {
            remaining = held.programs.intersection(Set(try BPFSystem.programs().map(\.id)))
            if remaining.isEmpty { break }
            usleep(100_000)
        } while Date() < deadline
        #expect(remaining.isEmpty, "programs still loaded: \(remaining)")
        let links = Set(try BPFSystem.links().map(\.id))
        #expect(held.links.intersection(links).isEmpty)
    }
}
