import Foundation
import Glibc
import KspyKernel
import Testing

@testable import KspyRuntime
import KspyTestSupport

/// Real test pods on the real kernel: namespaces, cgroups, limits, OOM, volumes,
/// read-only roots, deletion. Each test has its own state directory and cgroup root.
@Suite(.serialized) struct TestPodTests {
    static let twoContainers = """
        apiVersion: v1
        kind: Pod
        metadata: {name: web, namespace: team-a}
        spec:
          hostname: web-host
          terminationGracePeriodSeconds: 1
          containers:
            - name: app
              image: IMAGE
              command: ["sh", "-c", "hostname; exec sleep 3600"]
              resources:
                requests: {cpu: 100m, memory: 32Mi}
                limits: {cpu: 200m}
            - name: side
              image: IMAGE
              command: ["sleep", "3600"]
        """

    private func cgroupLine(pid: Int32, controller: String) throws -> String? {
        let lines = try SystemFile.read("/proc/\(pid)/cgroup").split(separator: "\n")
        for line in lines {
            let parts = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3 else { continue }
            if controller == "" ? parts[0] == "0" : parts[1].split(separator: ",").contains(Substring(controller)) {
                return String(parts[2])
            }
        }
        return nil
    }

    @Test func containersShareNetIpcUtsWithPauseAndOwnMntPid() throws {
        guard requireRoot() else { return }
        let harness = TestPodHarness()
        defer { harness.tearDown() }
        let pod = try harness.apply(Self.twoContainers)
        let pause = try #require(pod.pausePID)
        #expect(try SystemFile.readTrimmed("/proc/\(pause)/comm") == "pause")
        for container in pod.containers {
            let pid = try #require(container.pid)
            for kind in [NamespaceKind.net, .ipc, .uts] {
                #expect(try NamespaceID.of(pid: pid, kind) == NamespaceID.of(pid: pause, kind), "\(container.name) \(kind)")
            }
            for kind in [NamespaceKind.mnt, .pid] {
                #expect(try NamespaceID.of(pid: pid, kind) != NamespaceID.of(pid: pause, kind), "\(container.name) \(kind)")
                #expect(try NamespaceID.of(pid: pid, kind) != NamespaceID.of(pid: getpid(), kind))
            }
        }
        // The pod has its own network namespace, not the host's.
        #expect(try NamespaceID.of(pid: pause, .net) != NamespaceID.of(pid: getpid(), .net))
        // The container sees the hostname the pause set in the pod's UTS namespace.
        let logPath = try #require(pod.containers[0].logPath)
        var log = ""
        for _ in 0..<100 where !log.hasSuffix("\n") {
            log = (try? SystemFile.read(logPath)) ?? ""
            usleep(50_000)
        }
        #expect(log == "web-host\n")
    }

    @Test func shareProcessNamespaceJoinsThePausePIDNamespace() throws {
        guard requireRoot() else { return }
        let harness = TestPodHarness()
        defer { harness.tearDown() }
        let pod = try harness.apply(
            """
            metadata: {name: shared}
            spec:
              shareProcessNamespace: true
              containers:
                - {name: a, image: IMAGE, command: ["sleep", "3600"]}
                - {name: b, image: IMAGE, command: ["sleep", "3600"]}
            """)
        let pause = try #require(pod.pausePID)
        for container in pod.containers {
            let pid = try #require(container.pid)
            #expect(try NamespaceID.of(pid: pid, .pid) == NamespaceID.of(pid: pause, .pid))
            #expect(try NamespaceID.of(pid: pid, .mnt) != NamespaceID.of(pid: pause, .mnt))
        }
        // The pause is PID 1 of the shared namespace.
        let status = try SystemFile.read("/proc/\(pause)/status")
        #expect(status.split(separator: "\n").contains { $0.hasPrefix("NSpid:") && $0.hasSuffix("\t1") })
    }

    /// What a start that crashed halfway leaves: pod.json still in phase `creating`
    /// without PIDs (the supervisor writes it only once the pod runs), processes in the
    /// pod's cgroups, a tmpfs on the host, an address allocated. delete removes it all.
    @Test func deleteCleansAPodWhoseStartCrashedHalfway() throws {
        guard requireRoot() else { return }
        let harness = TestPodHarness()
        defer { harness.tearDown() }
        let creating = try harness.apply(
            """
            metadata: {name: halfway}
            spec:
              volumes: [{name: m, emptyDir: {medium: Memory}}]
              containers:
                - {name: c, image: IMAGE, command: ["sleep", "3600"], volumeMounts: [{name: m, mountPath: /m}]}
            """)
        let directory = harness.runtime.options.stateDirectory
        let supervisor = try #require(creating.supervisorPID)
        kill(supervisor, SIGKILL)
        var crashed = creating
        crashed.phase = .creating
        crashed.supervisorPID = nil
        crashed.pausePID = nil
        crashed.podIP = nil
        crashed.hostVeth = nil
        crashed.hostMounts = []
        for index in crashed.containers.indices { crashed.containers[index].pid = nil }
        try directory.writeState(crashed)
        unlink(directory.supervisorFile(creating.uid))
        #expect(!harness.leftoverMounts().isEmpty)

        try harness.runtime.delete("halfway")
        #expect(harness.leftoverCgroupDirectories() == [])
        #expect(harness.leftoverMounts() == [])
        #expect(directory.podUIDs() == [])
        #expect(try #require(creating.pausePID).isGoneOrZombie)
        #expect(try #require(creating.containers[0].pid).isGoneOrZombie)
        let network = try #require(harness.runtime.options.network)
        #expect(try IPAllocator(stateDirectory: directory, options: network).allocations().isEmpty)
    }

    /// A supervisor that hangs in its start is found through supervisor.pid and stopped.
    @Test func deleteStopsASupervisorThatHangs() throws {
        guard requireRoot() else { return }
        let harness = TestPodHarness()
        defer { harness.tearDown() }
        let pod = try harness.apply("metadata: {name: hang}\nspec:\n  containers: [{name: c, image: IMAGE, command: [sleep, \"3600\"]}]")
        let supervisor = try #require(pod.supervisorPID)
        var stuck = pod
        stuck.supervisorPID = nil
        stuck.supervisorStartTime = nil
        try harness.runtime.options.stateDirectory.writeState(stuck)
        kill(supervisor, SIGSTOP)  // it cannot answer SIGTERM now
        try harness.runtime.delete("hang")
        #expect(supervisor.isGoneOrZombie)
        #expect(harness.leftoverCgroupDirectories() == [])
    }

    @Test(arguments: [CgroupDriver.cgroupfs, .systemd])
    func processCgroupsHaveKubeletPaths(driver: CgroupDriver) throws {
        guard requireRoot() else { return }
        let harness = TestPodHarness(driver: driver)
        defer { harness.tearDown() }
        let pod = try harness.apply(Self.twoContainers)
        let root = harness.cgroupRootName
        let uid = pod.uid
        let podPath: String
        switch driver {
        case .cgroupfs:
            podPath = "/\(root)/kubepods/burstable/pod\(uid)"
        case .systemd:
            let r = root.replacingOccurrences(of: "-", with: "_")
            let u = uid.replacingOccurrences(of: "-", with: "_")
            podPath = "/\(r).slice/\(r)-kubepods.slice/\(r)-kubepods-burstable.slice/\(r)-kubepods-burstable-pod\(u).slice"
        }
        #expect(pod.cgroupParent == podPath)
        let leaf = { (id: String) in driver == .cgroupfs ? id : "kspy-\(id).scope" }
        let pause = try #require(pod.pausePID)
        for controller in ["memory", "cpu", "pids", ""] {
            #expect(try cgroupLine(pid: pause, controller: controller) == "\(podPath)/\(leaf(pod.sandboxID))")
            for container in pod.containers {
                let pid = try #require(container.pid)
                #expect(try cgroupLine(pid: pid, controller: controller) == "\(podPath)/\(leaf(container.id))")
            }
        }
        // The supervisor stays outside the pod's cgroups.
        let supervisor = try #require(pod.supervisorPID)
        #expect(try cgroupLine(pid: supervisor, controller: "memory")?.contains("pod\(uid)") == false)
    }

    private func v1(_ controller: String, _ path: String, _ file: String) throws -> String {
        try SystemFile.readTrimmed("/sys/fs/cgroup/\(controller)\(path)/\(file)")
    }

    @Test func limitFilesHoldKubeletValues() throws {
        guard requireRoot() else { return }
        let harness = TestPodHarness()
        defer { harness.tearDown() }
        let unlimited = "9223372036854771712"

        let guaranteed = try harness.apply(
            """
            metadata: {name: g}
            spec:
              containers:
                - name: c
                  image: IMAGE
                  command: ["sleep", "3600"]
                  resources: {limits: {cpu: 500m, memory: 64Mi}}
            """)
        #expect(guaranteed.qosClass == "Guaranteed")
        #expect(guaranteed.cgroupParent == "/\(harness.cgroupRootName)/kubepods/pod\(guaranteed.uid)")
        let gc = guaranteed.containers[0].cgroupPath
        #expect(try v1("memory", gc, "memory.limit_in_bytes") == "67108864")
        #expect(try v1("cpu", gc, "cpu.cfs_quota_us") == "50000")
        #expect(try v1("cpu", gc, "cpu.cfs_period_us") == "100000")
        #expect(try v1("cpu", gc, "cpu.shares") == "512")
        let gp = guaranteed.cgroupParent
        #expect(try v1("memory", gp, "memory.limit_in_bytes") == "67108864")
        #expect(try v1("cpu", gp, "cpu.cfs_quota_us") == "50000")
        #expect(try v1("cpu", gp, "cpu.shares") == "512")

        let burstable = try harness.apply(Self.twoContainers)
        #expect(burstable.qosClass == "Burstable")
        let app = burstable.containers[0].cgroupPath
        #expect(try v1("cpu", app, "cpu.shares") == "102")
        #expect(try v1("cpu", app, "cpu.cfs_quota_us") == "20000")
        #expect(try v1("memory", app, "memory.limit_in_bytes") == unlimited)
        let side = burstable.containers[1].cgroupPath
        #expect(try v1("cpu", side, "cpu.shares") == "2")
        #expect(try v1("cpu", side, "cpu.cfs_quota_us") == "-1")
        // Pod level: shares from the sum of requests; no quota or memory limit because
        // not every container has one.
        let bp = burstable.cgroupParent
        #expect(try v1("cpu", bp, "cpu.shares") == "102")
        #expect(try v1("cpu", bp, "cpu.cfs_quota_us") == "-1")
        #expect(try v1("memory", bp, "memory.limit_in_bytes") == unlimited)

        let bestEffort = try harness.apply(
            """
            metadata: {name: be}
            spec:
              containers: [{name: c, image: IMAGE, command: ["sleep", "3600"]}]
            """)
        #expect(bestEffort.qosClass == "BestEffort")
        #expect(bestEffort.cgroupParent == "/\(harness.cgroupRootName)/kubepods/besteffort/pod\(bestEffort.uid)")
        #expect(try v1("cpu", bestEffort.cgroupParent, "cpu.shares") == "2")
        #expect(try v1("cpu", bestEffort.containers[0].cgroupPath, "cpu.shares") == "2")
        #expect(try v1("cpu", "/\(harness.cgroupRootName)/kubepods/besteffort", "cpu.shares") == "2")
        // oom_score_adj as kubelet: BestEffort 1000; Guaranteed -997 and pause -998 where
        // kspy may lower it (CAP_SYS_RESOURCE), else the supervisor's own value stays.
        #expect(try SystemFile.readTrimmed("/proc/\(try #require(bestEffort.containers[0].pid))/oom_score_adj") == "1000")
        let canLower = ((try Procfs().status(pid: getpid()).capEffective ?? 0) & (1 << 24)) != 0
        let inherited = try SystemFile.readTrimmed("/proc/\(try #require(guaranteed.supervisorPID))/oom_score_adj")
        #expect(try SystemFile.readTrimmed("/proc/\(try #require(guaranteed.containers[0].pid))/oom_score_adj") == (canLower ? "-997" : inherited))
        #expect(try SystemFile.readTrimmed("/proc/\(try #require(bestEffort.pausePID))/oom_score_adj") == (canLower ? "-998" : inherited))
    }

    @Test func memoryHogIsOOMKilledAndRestartedWhilePauseKeepsTheNetwork() throws {
        guard requireRoot() else { return }
        let harness = TestPodHarness(backoff: 0.2)
        defer { harness.tearDown() }
        let pod = try harness.apply(
            """
            metadata: {name: hog}
            spec:
              restartPolicy: Always
              containers:
                - name: hog
                  image: IMAGE
                  command: ["sh", "-c", "sleep 0.2; dd if=/dev/zero of=/dev/null bs=64M count=1"]
                  resources: {limits: {memory: 32Mi}}
            """)
        let pause = try #require(pod.pausePID)
        let netBefore = try NamespaceID.of(pid: pause, .net)
        let firstID = pod.containers[0].id
        let restarted = harness.waitFor(pod.uid) { state in
            state.containers[0].restartCount >= 1 && state.containers[0].lastTerminationReason == "OOMKilled"
        }
        let state = try #require(restarted, "the container was not recorded OOMKilled and restarted")
        #expect(state.containers[0].lastExitCode == 137)
        #expect(state.containers[0].id != firstID, "a restart is a new container")
        #expect(state.pausePID == pause)
        #expect(try NamespaceID.of(pid: pause, .net) == netBefore)
    }

    @Test func completedAndErrorReasons() throws {
        guard requireRoot() else { return }
        let harness = TestPodHarness()
        defer { harness.tearDown() }
        let pod = try harness.apply(
            """
            metadata: {name: batch}
            spec:
              restartPolicy: Never
              containers:
                - {name: ok, image: IMAGE, command: ["true"]}
                - {name: bad, image: IMAGE, command: ["sh", "-c", "exit 3"]}
            """)
        let done = try #require(harness.waitFor(pod.uid) { $0.phase == .failed || $0.phase == .succeeded })
        #expect(done.containers[0].lastTerminationReason == "Completed")
        #expect(done.containers[0].lastExitCode == 0)
        #expect(done.containers[1].lastTerminationReason == "Error")
        #expect(done.containers[1].lastExitCode == 3)
        #expect(done.containers.allSatisfy { $0.restartCount == 0 })
        #expect(done.phase == .failed)
    }

    @Test func memoryEmptyDirIsATmpfsAndReadOnlyRootRefusesWrites() throws {
        guard requireRoot() else { return }
        let harness = TestPodHarness()
        defer { harness.tearDown() }
        let pod = try harness.apply(
            """
            metadata: {name: volumes}
            spec:
              volumes:
                - {name: cache, emptyDir: {medium: Memory, sizeLimit: 8Mi}}
                - {name: disk, emptyDir: {}}
              containers:
                - name: c
                  image: IMAGE
                  command: ["sh", "-c", "echo hi > /cache/f && touch /probe; echo done; sleep 3600"]
                  securityContext: {readOnlyRootFilesystem: true}
                  volumeMounts:
                    - {name: cache, mountPath: /cache}
                    - {name: disk, mountPath: /data, readOnly: true}
            """)
        let container = pod.containers[0]
        let pid = try #require(container.pid)
        let mounts = try MountInfo.read(pid: pid)
        let cache = try #require(mounts.last { $0.mountPoint == "/cache" })
        #expect(cache.fsType == "tmpfs")
        #expect(cache.superOptions.contains("size=8192k"))
        let root = try #require(mounts.last { $0.mountPoint == "/" })
        #expect(root.fsType == "overlay")
        #expect(root.isReadOnly)
        #expect(try #require(mounts.last { $0.mountPoint == "/data" }).isReadOnly)
        // The container's own write to its root fails with EROFS.
        let logPath = try #require(container.logPath)
        let deadline = Date().addingTimeInterval(10)
        var log = ""
        while Date() < deadline && !log.contains("done") {
            log = (try? SystemFile.read(logPath)) ?? ""
            usleep(50_000)
        }
        #expect(log.contains("Read-only file system"), "log: \(log)")
        // The emptyDir write landed on the host-side tmpfs.
        #expect(try SystemFile.read(harness.runtime.options.stateDirectory.volumeDirectory(pod.uid, "cache") + "/f") == "hi\n")
    }

    @Test func deleteLeavesNothingBehind() throws {
        guard requireRoot() else { return }
        let harness = TestPodHarness()
        defer { harness.tearDown() }
        let pod = try harness.apply(
            """
            metadata: {name: gone}
            spec:
              terminationGracePeriodSeconds: 1
              volumes: [{name: m, emptyDir: {medium: Memory}}]
              containers:
                - name: c
                  image: IMAGE
                  command: ["sleep", "3600"]
                  volumeMounts: [{name: m, mountPath: /m}]
            """)
        let pids = [pod.pausePID, pod.supervisorPID] + pod.containers.map(\.pid)
        #expect(!harness.leftoverMounts().isEmpty)
        #expect(!harness.leftoverCgroupDirectories().isEmpty)
        try harness.runtime.delete("default/gone")
        #expect(harness.leftoverCgroupDirectories() == [])
        #expect(harness.leftoverMounts() == [])
        #expect(!SystemFile.exists(harness.runtime.options.stateDirectory.podDirectory(pod.uid)))
        for pid in pids.compactMap({ $0 }) {
            // Gone, or a zombie of someone else's at most: never still running as ours.
            let stat = try? SystemFile.read("/proc/\(pid)/stat")
            #expect(stat == nil || stat!.contains(") Z"), "PID \(pid) still runs")
        }
        // Idempotent: deleting again is "not found", not a crash.
        #expect(throws: RuntimeError.self) { try harness.runtime.delete("default/gone") }
    }

    @Test func deleteCleansAPodWhoseSupervisorDied() throws {
        guard requireRoot() else { return }
        let harness = TestPodHarness()
        defer { harness.tearDown() }
        let pod = try harness.apply(
            """
            metadata: {name: orphan}
            spec:
              containers: [{name: c, image: IMAGE, command: ["sleep", "3600"]}]
            """)
        let supervisor = try #require(pod.supervisorPID)
        kill(supervisor, SIGKILL)
        usleep(100_000)
        #expect(harness.runtime.list().first?.phase == .failed)
        try harness.runtime.delete("orphan")
        #expect(harness.leftoverCgroupDirectories() == [])
        #expect(try #require(pod.pausePID).isGoneOrZombie)
    }

    @Test(arguments: [
        ("spec:\n  containers: [{name: c, image: IMAGE, command: [sh]}]", "metadata.name: required"),
        (
            "metadata: {name: x}\nspec:\n  containers:\n    - {name: c, image: IMAGE, command: [sh], resources: {limits: {memory: 12XB}}}",
            "spec.containers[0].resources.limits.memory: \"12XB\" is not a valid quantity"
        ),
        ("metadata: {name: x}\nspec:\n  restartPolicy: Sometimes\n  containers: [{name: c, image: IMAGE}]",
         "spec.restartPolicy: \"Sometimes\" is not one of Always, OnFailure, Never"),
        ("metadata: {name: x}\nspec:\n  containers: [{name: c, image: /nonexistent-image, command: [sh]}]",
         "spec.containers[0].image: image directory \"/nonexistent-image\" does not exist"),
        ("metadata: {name: x}\nspec:\n  containers: [{name: c, image: IMAGE}]",
         "spec.containers[0].command: required for kspy test pods (a directory image has no entrypoint)"),
        ("metadata: {name: x}\nspec:\n  containers: [{name: c, image: IMAGE, command: [no-such-binary]}]",
         "container \"c\": exec no-such-binary: executable file not found"),
    ])
    func invalidManifestsFailAndLeaveNothing(manifest: String, message: String) throws {
        guard requireRoot() else { return }
        let harness = TestPodHarness()
        defer { harness.tearDown() }
        do {
            _ = try harness.apply(manifest)
            Issue.record("apply succeeded for an invalid manifest")
        } catch {
            #expect("\(error)" == message)
        }
        #expect(harness.leftoverCgroupDirectories() == [])
        #expect(harness.leftoverMounts() == [])
        #expect(harness.runtime.options.stateDirectory.podUIDs() == [])
    }
}

extension Int32 {
    fileprivate var isGoneOrZombie: Bool {
        guard let stat = try? SystemFile.read("/proc/\(self)/stat") else { return true }
        return stat.contains(") Z")
    }
}
