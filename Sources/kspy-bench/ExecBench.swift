import ArgumentParser
import Foundation
import Glibc
import KspyKernel
import KspyRuntime

/// Scenario: entering a container. `kspy exec POD -- true` side by side with
/// `nsenter -t PID -a true` on the same test pod's container, interleaved in one run.
struct ExecBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exec",
        abstract: "kspy exec POD -- true vs nsenter -t PID -a true on one test pod.",
        discussion:
            "Creates one busybox test pod (sleep 3600, lo-only network) with its own state directory and cgroup root, times both commands interleaved (the order alternates), and deletes the pod at the end. kspy exec also resolves the pod (from the runtime metadata and the pod's cgroup), checks the target's start time through a pidfd and puts the command into the container's cgroup; nsenter gets the PID."
    )

    @Option(help: "Timed runs per tool.") var iterations = 30
    @Option(name: .customLong("image-dir"), help: "busybox image directory (built if missing).")
    var imageDirectory = "/var/lib/kspy/images/busybox"
    @Option(help: "The kspy executable (default: the kspy next to kspy-bench).") var kspy: String?

    func validate() throws {
        guard iterations >= 1 else { throw ValidationError("--iterations must be at least 1") }
    }

    func run() throws {
        guard geteuid() == 0 else { throw BenchError("run as root: the scenario creates a test pod") }
        let kspyPath = kspy ?? PodLifecycleBench.siblingExecutable("kspy")
        guard access(kspyPath, X_OK) == 0 else { throw BenchError("no kspy executable at \(kspyPath) (use --kspy)") }
        guard let nsenter = CommandTimer.which("nsenter") else { throw BenchError("nsenter not found (util-linux)") }
        try BusyboxImage(directory: imageDirectory).prepare()

        let work = "/tmp/kspy-bench-exec-\(getpid())"
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        let stateDir = work + "/state"
        let cgroupRootName = "kspy-bench-" + DiscoveryFixture.hex(bytes: 4)
        let cgroupRoot = cgroupRootName + "/kubepods"
        defer {
            if let result = try? CommandTimer.run(
                [kspyPath, "testpod", "delete", "--all", "--state-dir", stateDir, "--cgroup-root", cgroupRoot]),
                result.status != 0
            {
                DiscoveryBench.progress("kspy-bench: testpod delete: \(result.output)")
            }
            // Whatever kspy left of the cgroup root, in every hierarchy.
            if let system = try? CgroupSystem.current(),
                let root = try? Cgroup(path: "/" + cgroupRootName, system: system)
            {
                do { try root.remove(recursive: true, busyRetrySeconds: 5) } catch {
                    DiscoveryBench.progress("kspy-bench: could not remove \(root.path): \(error)")
                }
            }
            try? FileManager.default.removeItem(atPath: work)
        }

        let manifest = work + "/pod.yaml"
        try """
        apiVersion: v1
        kind: Pod
        metadata: {name: bench-exec, namespace: default}
        spec:
          terminationGracePeriodSeconds: 0
          containers:
            - name: main
              image: \(imageDirectory)
              command: ["sleep", "3600"]
        """.write(toFile: manifest, atomically: true, encoding: .utf8)
        try CommandTimer.mustRun(
            [
                kspyPath, "testpod", "apply", "-f", manifest, "--state-dir", stateDir, "--cgroup-root", cgroupRoot,
                "--network", "none",
            ])
        let listed = try CommandTimer.mustRun([kspyPath, "testpod", "list", "-o", "json", "--state-dir", stateDir])
            .output
        // containers[0].pid of the one pod in this state directory
        let pods = (try? JSONSerialization.jsonObject(with: Data(listed.utf8))) as? [[String: Any]] ?? []
        guard let pod = pods.first, let uid = pod["uid"] as? String,
            let container = (pod["containers"] as? [[String: Any]])?.first,
            let pid = (container["pid"] as? NSNumber)?.int32Value
        else {
            throw BenchError("the test pod has no running container: \(listed)")
        }

        let commands: [(label: String, arguments: [String])] = [
            ("kspy exec POD -- true", [kspyPath, "exec", uid, "--kspy-state", stateDir, "--", "true"]),
            ("nsenter -t PID -a true", [nsenter, "-t", String(pid), "-a", "true"]),
        ]
        for command in commands { try CommandTimer.mustRun(command.arguments, captureOutput: false) }  // warm-up
        var wall: [String: [Double]] = [:]
        for i in 0..<iterations {
            for k in commands.indices {
                let command = commands[(i + k) % commands.count]
                let result = try CommandTimer.mustRun(command.arguments, captureOutput: false)
                wall[command.label, default: []].append(result.seconds)
            }
        }

        let kspyMedian = Stats.median(wall[commands[0].label] ?? [])
        let nsenterMedian = Stats.median(wall[commands[1].label] ?? [])
        print(
            "exec: enter a busybox test pod's container (pid \(pid)) and run true; \(iterations) runs each, interleaved, medians; \(DiscoveryBench.nodeProcessCount()) processes on the node"
        )
        print(
            Stats.cell("TOOL", 26) + Stats.cell("MEDIAN", 12) + Stats.cell("MIN", 12) + Stats.cell("MAX", 12)
                + "kspy/TOOL")
        for command in commands {
            let values = wall[command.label] ?? []
            print(
                Stats.cell(command.label, 26) + Stats.cell(Stats.milliseconds(Stats.median(values)), 12)
                    + Stats.cell(Stats.milliseconds(values.min() ?? .nan), 12)
                    + Stats.cell(Stats.milliseconds(values.max() ?? .nan), 12)
                    + String(format: "%.2f", kspyMedian / Stats.median(values)))
        }
        print("")
        print("targets:")
        let ratio = kspyMedian / nsenterMedian
        Stats.verdict(
            "kspy exec within 1.5x of nsenter", String(format: "kspy/nsenter = %.2f", ratio), met: ratio <= 1.5,
            miss: String(format: "%.2fx, %.0f%% over the 1.5x budget", ratio, (ratio / 1.5 - 1) * 100))
    }
}
