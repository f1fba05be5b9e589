import Foundation
import Glibc
import KspyInspect
import KspyKernel
import Testing
import KspyTestSupport

extension KernelDiscoveryTests {
    /// Discovery while the pod's containers start and reap processes continuously:
    /// processes exit in the middle of every scan, PIDs are reused, and each scan must
    /// still attribute every process to the container whose cgroup it is in.
    @Suite struct Churn {
        /// A fast loop: hundreds of process starts per second, each living a moment.
        static let fastLoop = "trap 'exit 0' TERM; while :; do /bin/true; done"

        /// A slower loop whose children live `seconds`, long enough for a scan to read
        /// them between listing /proc and reaching their PID.
        static func slowLoop(seconds: Double) -> String {
            "trap 'exit 0' TERM; while :; do /bin/sleep \(String(format: "%.2f", seconds)); done"
        }

        @Test(arguments: Placement.allCases)
        func attributionHoldsWhileContainersForkContinuously(_ placement: Placement) throws {
            guard requireRoot() else { return }
            let fixture = try KernelPodFixture()
            defer { fixture.cleanup() }
            guard fixture.supports(placement) else {
                print("skipped: no \(placement.rawValue) hierarchy on this host")
                return
            }
            let plan = PodPlan.random(qos: .burstable, containerNames: ["loop-a", "loop-b"])
            let sandboxID = try #require(plan.sandboxID)
            try MetadataWriter.writeContainerd(plan, into: fixture.tree)
            let podPath = placement.podPath(tag: fixture.tag, uid: plan.uid, qos: plan.qos)
            func leaf(_ id: String) -> String { RuntimeUnderTest.containerd.leaf(id: id, placement: placement) }

            let pause = try fixture.spawn(
                try fixture.pauseBinary(), ["pause", "600"],
                into: try fixture.makeCgroup(podPath + "/" + leaf(sandboxID), placement), newNamespaces: [.net, .ipc])
            try fixture.waitForComm(pause.pid, "pause")
            let discovery = NodeDiscovery(
                sources: MetadataSources(hostRoot: fixture.tree.root, kspyStateDirectories: []))
            // One quiet scan sets how long the slow loops' children live: several scans'
            // worth, however many processes this node runs.
            let quietStart = Date()
            _ = try discovery.snapshot()
            let childLifetime = min(60, max(0.5, 10 * Date().timeIntervalSince(quietStart)))

            // Each container runs a fast and a slow loop.
            var shells: [(process: SpawnedProcess, containerID: String)] = []
            for container in plan.containers {
                let cgroup = try fixture.makeCgroup(podPath + "/" + leaf(container.id), placement)
                for script in [Self.fastLoop, Self.slowLoop(seconds: childLifetime)] {
                    let shell = try fixture.spawn(
                        "/bin/sh", ["sh", "-c", script], into: cgroup, joining: (pause.pidfd, [.net, .ipc]))
                    shells.append((shell, container.id))
                }
            }

            // The container of each process the test started; their children inherit it.
            var containerOf: [Int32: String] = [pause.pid: sandboxID]
            var nameOf: [String: String] = [:]
            for shell in shells { containerOf[shell.process.pid] = shell.containerID }
            for container in plan.containers { nameOf[container.id] = container.name }

            let firstPID = KernelTruth.lastPID()
            let started = Date()
            var scans = 0
            var caughtChildren = Set<Int32>()
            var attributedRecords = 0
            // At least 30 scans and 2 s of them, at most about 5 s (a node running
            // thousands of processes scans slowly), and never fewer than 2 scans.
            func elapsed() -> Double { Date().timeIntervalSince(started) }
            while scans < 2 || ((scans < 30 || elapsed() < 2) && elapsed() < 5) {
                let snapshot = try discovery.snapshot()
                scans += 1
                let pod = try #require(snapshot.pod(uid: plan.uid), "scan \(scans) lost the pod")
                #expect(pod.identity == PodIdentity(namespace: plan.namespace, name: plan.name, uid: plan.uid))
                #expect(pod.sandbox?.id == sandboxID)
                #expect(pod.pausePID == pause.pid)
                #expect(pod.containers.map(\.name) == ["loop-a", "loop-b"])
                #expect(pod.podLevelPIDs.isEmpty)
                for shell in shells {
                    let container = pod.container(id: shell.containerID)
                    #expect(container?.pids.contains(shell.process.pid) == true)
                    let own = Set(shells.filter { $0.containerID == shell.containerID }.map(\.process.pid))
                    #expect(container?.initPID.map(own.contains) == true)
                }

                for record in snapshot.processes where record.attribution?.podUID == plan.uid {
                    attributedRecords += 1
                    let attribution = try #require(record.attribution)
                    // Started by the test, or a child of one of its shells (the kernel's
                    // parent link, independent of cgroups).
                    let expected = containerOf[record.pid] ?? containerOf[record.ppid]
                    guard let expected else {
                        Issue.record(
                            "PID \(record.pid) (\(record.comm), parent \(record.ppid)) is attributed to the pod but was not started in it"
                        )
                        continue
                    }
                    if containerOf[record.pid] == nil { caughtChildren.insert(record.pid) }
                    #expect(attribution.containerID == expected, "PID \(record.pid) (\(record.comm))")
                    // Its own recorded cgroup line is that container's cgroup.
                    let line = record.cgroups.first {
                        placement == .v1Cgroupfs ? $0.controllers.contains("memory") : $0.isUnified
                    }
                    #expect(line?.path == podPath + "/" + leaf(expected), "PID \(record.pid) recorded \(record.cgroups)")
                    #expect(record.classifiedCgroup == line)
                    #expect(pod.container(id: expected)?.pids.contains(record.pid) == true)

                    let info = ProcessView(record: record, in: snapshot)
                    #expect(info.podUID == plan.uid)
                    #expect(info.containerID == expected)
                    #expect(info.containerName == nameOf[expected])
                    #expect(info.role == (expected == sandboxID ? .pause : .container))
                    #expect(info.runtime == "containerd")
                }
                // `kspy ps -o json` of the pod's processes, as the CLI writes it.
                let views = snapshot.processes.filter { $0.attribution?.podUID == plan.uid }.map {
                    ProcessView(record: $0, in: snapshot)
                }
                #expect(ProcessView.prettyJSON(views) == (try encoderJSON(views)))
                // And the other way round: every PID a container lists is one of its own.
                for container in pod.allContainers {
                    for pid in container.pids {
                        let record = try #require(snapshot.process(pid: pid))
                        #expect(
                            containerOf[pid] == container.id || containerOf[record.ppid] == container.id,
                            "container \(container.id.prefix(12)) lists PID \(pid) (\(record.comm), parent \(record.ppid))")
                    }
                }
            }
            let duration = elapsed()
            #expect(scans >= 30 || duration >= 5, "only \(scans) scans in \(duration) s")
            var starts: Int? = nil
            if let first = firstPID, let last = KernelTruth.lastPID(), let max = KernelTruth.pidMax() {
                // ns_last_pid wraps at pid_max.
                starts = (last - first + max) % max
                #expect(starts! > 100, "only \(starts!) process starts during \(scans) scans")
            }
            #expect(!caughtChildren.isEmpty, "no scan saw a child of the loops")
            #expect(attributedRecords >= scans * (1 + shells.count))
            print(
                "churn \(placement.rawValue): \(scans) scans in \(String(format: "%.1f", duration)) s, "
                    + "\(starts.map(String.init) ?? "?") process starts, \(caughtChildren.count) children attributed")

            // The loops stop after their current child on SIGTERM (the slow loops' sleeps
            // are ended here) and are reaped in cleanup.
            for shell in shells { try shell.process.pidfd.send(signal: SIGTERM) }
            for shell in shells {
                for child in KernelTruth.children(shell.process.pid) { KernelPodFixture.kill(child) }
            }
            for shell in shells {
                #expect(shell.process.pidfd.waitForExit(timeoutMilliseconds: 5000), "loop \(shell.process.pid) ignored SIGTERM")
            }
        }
    }
}
