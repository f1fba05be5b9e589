import ArgumentParser
import Foundation
import KspyKernel
import KspyRuntime

/// Scenario 1: create, start and delete a one-container pod with kspy, side by side
/// with crun and runc running an equivalent OCI bundle (same rootfs directory,
/// namespaces and cgroup limits), interleaved in one run.
struct PodLifecycleBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pod-lifecycle",
        abstract: "kspy testpod apply/delete vs crun and runc create+start/delete.")

    @Option(help: "Iterations per tool.") var iterations = 20
    @Option(name: .customLong("image-dir"), help: "busybox image directory (built if missing).")
    var imageDirectory = "/var/lib/kspy/images/busybox"
    @Flag(help: "Give test pods a network (bridge + veth), when kspy supports it.") var network = false
    @Flag(help: .hidden) var hideCgroup2 = false

    func run() throws {
        try BusyboxImage(directory: imageDirectory).prepare()
        let work = "/tmp/kspy-bench-\(getpid())"
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }
        let kspy = Self.siblingExecutable("kspy")
        let peers = ["crun", "runc"].compactMap { name in CommandTimer.which(name).map { (name, $0) } }
        if peers.isEmpty { throw BenchError("neither crun nor runc is installed (apt-get install crun runc)") }

        let manifest = work + "/pod.yaml"
        try Self.manifest(image: imageDirectory).write(toFile: manifest, atomically: true, encoding: .utf8)
        let bundle = work + "/bundle"
        try FileManager.default.createDirectory(atPath: bundle, withIntermediateDirectories: true)

        // crun (1.8) refuses to run on a hybrid host whose cgroup2 mount has any
        // controller (here hugetlb). Then the whole scenario re-runs in a private mount
        // namespace without that mount, so all three tools see the same v1 hierarchies.
        var notes: [String] = []
        if hideCgroup2 {
            try Self.hideCgroup2()
            notes.append("run in a private mount namespace without /sys/fs/cgroup/unified: crun 1.8 refuses hybrid hosts whose cgroup2 mount has a controller")
        } else if let crun = peers.first(where: { $0.0 == "crun" })?.1 {
            let probeID = "kspy-bench-probe-\(getpid())"
            try Self.ociConfig(image: imageDirectory, cgroupsPath: "/kspy-bench-crun/\(probeID)")
                .write(toFile: bundle + "/config.json", atomically: true, encoding: .utf8)
            let root = work + "/probe-root"
            let probe = try CommandTimer.run([crun, "--root", root, "create", "--bundle", bundle, probeID])
            _ = try? CommandTimer.run([crun, "--root", root, "delete", "--force", probeID])
            if probe.status != 0 && probe.output.contains("hybrid"), let unshare = CommandTimer.which("unshare") {
                var arguments = [unshare, "--mount", "--propagation", "private", Self.siblingExecutable("kspy-bench"),
                                 "pod-lifecycle", "--iterations", String(iterations), "--image-dir", imageDirectory,
                                 "--hide-cgroup2"]
                if network { arguments.append("--network") }
                let inner = try CommandTimer.run(arguments)
                print(inner.output, terminator: "")
                if inner.status != 0 { throw ExitCode(inner.status) }
                return
            }
        }

        var createStart: [String: [Double]] = [:]
        var delete: [String: [Double]] = [:]
        let stateDir = work + "/kspy-state"
        let kspyVariants: [(String, [String])] = [
            ("kspy", ["--network", "none"]),
            ("kspy+net", ["--network", "bridge", "--bridge", "kspybench0", "--pod-cidr", "10.251.0.0/24"]),
        ]
        for i in 0..<iterations {
            // kspy: lo-only pod (like the OCI bundle's empty netns), then with a veth + IP
            for (label, networkOptions) in kspyVariants {
                let apply = try CommandTimer.mustRun(
                    [kspy, "testpod", "apply", "-f", manifest, "--state-dir", stateDir, "--cgroup-root", "kspy-bench"]
                        + networkOptions)
                let remove = try CommandTimer.mustRun([kspy, "testpod", "delete", "bench", "--state-dir", stateDir])
                createStart[label, default: []].append(apply.seconds)
                delete[label, default: []].append(remove.seconds)
            }
            // OCI runtimes on the same rootfs and limits
            for (name, path) in peers {
                let id = "kspy-bench-\(name)-\(getpid())-\(i)"
                try Self.ociConfig(image: imageDirectory, cgroupsPath: "/kspy-bench-\(name)/\(id)")
                    .write(toFile: bundle + "/config.json", atomically: true, encoding: .utf8)
                let base = [path, "--root", work + "/\(name)-root"]
                let create = try CommandTimer.mustRun(base + ["create", "--bundle", bundle, id])
                let start = try CommandTimer.mustRun(base + ["start", id])
                let gone = try CommandTimer.mustRun(base + ["delete", "--force", id])
                createStart[name, default: []].append(create.seconds + start.seconds)
                delete[name, default: []].append(gone.seconds)
            }
        }
        _ = try? CommandTimer.run(
            [kspy, "testpod", "delete", "--all", "--state-dir", stateDir, "--bridge", "kspybench0", "--pod-cidr", "10.251.0.0/24"])
        for (name, _) in peers {
            for dir in ["/sys/fs/cgroup/memory", "/sys/fs/cgroup/cpu"] { rmdir("\(dir)/kspy-bench-\(name)") }
        }
        report(createStart: createStart, delete: delete, tools: kspyVariants.map(\.0) + peers.map(\.0))
        for note in notes { print("note: \(note)") }
    }

    private func report(createStart: [String: [Double]], delete: [String: [Double]], tools: [String]) {
        let kspyCreate = Stats.median(createStart["kspy"] ?? [])
        let kspyDelete = Stats.median(delete["kspy"] ?? [])
        print("pod lifecycle: one container (busybox sleep), \(iterations) iterations, medians")
        print("TOOL      CREATE+START   DELETE      kspy/TOOL (create+start)   kspy/TOOL (delete)")
        for tool in tools {
            let c = Stats.median(createStart[tool] ?? [])
            let d = Stats.median(delete[tool] ?? [])
            let ratioCreate = String(format: "%.2f", kspyCreate / c)
            let ratioDelete = String(format: "%.2f", kspyDelete / d)
            print(
                tool.padding(toLength: 10, withPad: " ", startingAt: 0)
                    + Stats.milliseconds(c).padding(toLength: 15, withPad: " ", startingAt: 0)
                    + Stats.milliseconds(d).padding(toLength: 12, withPad: " ", startingAt: 0)
                    + ratioCreate.padding(toLength: 27, withPad: " ", startingAt: 0) + ratioDelete)
        }
        print("(kspy = lo-only pod like the bundle; kspy+net adds bridge, veth, IP and route. kspy's create+start includes its supervisor and pause process; target: kspy/crun <= 1.0)")
    }

    /// Unmounts the cgroup2 mount of a hybrid host in this process's mount namespace,
    /// which must be a private one, not the launching process's.
    static func hideCgroup2() throws {
        let mine = try NamespaceID.of(pid: getpid(), .mnt)
        let host = try NamespaceID.of(pid: getppid(), .mnt)  // the outer kspy-bench
        guard mine != host else { throw BenchError("--hide-cgroup2 needs a private mount namespace") }
        try Mounts.unmount("/sys/fs/cgroup/unified", detach: true)
    }

    static func siblingExecutable(_ name: String) -> String {
        let own = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: own).deletingLastPathComponent().appendingPathComponent(name).path
    }

    static func manifest(image: String) -> String {
        """
        apiVersion: v1
        kind: Pod
        metadata: {name: bench, namespace: default}
        spec:
          terminationGracePeriodSeconds: 0
          containers:
            - name: main
              image: \(image)
              command: ["sleep", "3600"]
              resources:
                limits: {cpu: 500m, memory: 64Mi}
        """
    }

    /// An OCI runtime spec equivalent to the test pod's container: same rootfs, own
    /// pid/net/ipc/uts/mount namespaces, the same memory limit, CPU quota and shares.
    static func ociConfig(image: String, cgroupsPath: String) -> String {
        """
        {
          "ociVersion": "1.0.2",
          "process": {
            "terminal": false, "user": {"uid": 0, "gid": 0},
            "args": ["sleep", "3600"],
            "env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
            "cwd": "/", "noNewPrivileges": false
          },
          "root": {"path": "\(image)", "readonly": true},
          "hostname": "bench",
          "mounts": [
            {"destination": "/proc", "type": "proc", "source": "proc"},
            {"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
            {"destination": "/dev/pts", "type": "devpts", "source": "devpts", "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"]},
            {"destination": "/dev/shm", "type": "tmpfs", "source": "shm", "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]}
          ],
          "linux": {
            "cgroupsPath": "\(cgroupsPath)",
            "resources": {
              "memory": {"limit": 67108864},
              "cpu": {"shares": 512, "quota": 50000, "period": 100000}
            },
            "namespaces": [{"type": "pid"}, {"type": "network"}, {"type": "ipc"}, {"type": "uts"}, {"type": "mount"}]
          }
        }
        """
    }
}
