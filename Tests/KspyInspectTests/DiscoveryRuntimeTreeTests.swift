import Foundation
import Glibc
import KspyInspect
import KspyKernel
import Testing
import KspyTestSupport

extension KernelDiscoveryTests {
    /// NodeDiscovery against real processes in real cgroups, named by metadata trees
    /// written for each runtime (runtimes.md §2–§3), checked against what the kernel
    /// shows in /proc.
    @Suite struct RuntimeTrees {
        struct Case: Sendable, CustomTestStringConvertible {
            var runtime: RuntimeUnderTest
            var placement: Placement
            var qos: PodQoSClass
            var testDescription: String { "\(runtime.rawValue) \(placement.rawValue) \(qos.rawValue)" }
        }

        /// Every runtime in both placements, with the QoS classes spread over them.
        static let cases: [Case] = [
            Case(runtime: .containerd, placement: .v1Cgroupfs, qos: .burstable),
            Case(runtime: .containerd, placement: .v2Systemd, qos: .guaranteed),
            Case(runtime: .crio, placement: .v1Cgroupfs, qos: .bestEffort),
            Case(runtime: .crio, placement: .v2Systemd, qos: .burstable),
            Case(runtime: .docker, placement: .v1Cgroupfs, qos: .guaranteed),
            Case(runtime: .docker, placement: .v2Systemd, qos: .bestEffort),
            Case(runtime: .podman, placement: .v1Cgroupfs, qos: .burstable),
            Case(runtime: .podman, placement: .v2Systemd, qos: .guaranteed),
        ]

        /// The processes of one pod the test started.
        struct StartedPod {
            var plan: PodPlan
            var podPath: String
            var pause: SpawnedProcess?
            /// The app containers' processes, in `plan.containers` order.
            var apps: [SpawnedProcess]
        }

        /// Builds `plan`'s cgroups for `runtime` in `placement` and starts a `pause`
        /// (when the plan has a sandbox) holding new net/ipc/uts namespaces, and one
        /// `sleep` per container joining the pause's net and ipc namespaces (the first
        /// with its own uts namespace, the others sharing the pause's).
        static func start(
            _ plan: PodPlan, runtime: RuntimeUnderTest, placement: Placement, fixture: KernelPodFixture
        ) throws -> StartedPod {
            let podPath = placement.podPath(tag: fixture.tag, uid: plan.uid, qos: plan.qos)
            var pause: SpawnedProcess? = nil
            if let sandboxID = plan.sandboxID {
                let cgroup = try fixture.makeCgroup(podPath + "/" + runtime.leaf(id: sandboxID, placement: placement), placement)
                pause = try fixture.spawn(
                    try fixture.pauseBinary(), ["pause", "600"], into: cgroup, newNamespaces: [.net, .ipc, .uts])
            }
            var apps: [SpawnedProcess] = []
            for (index, container) in plan.containers.enumerated() {
                let cgroup = try fixture.makeCgroup(
                    podPath + "/" + runtime.leaf(id: container.id, placement: placement), placement)
                let join: (Pidfd, NamespaceKinds)? = pause.map { ($0.pidfd, index == 0 ? [.net, .ipc] : [.net, .ipc, .uts]) }
                apps.append(
                    try fixture.spawn(
                        "/bin/sleep", ["sleep", "600"], into: cgroup,
                        newNamespaces: pause != nil && index == 0 ? [.uts] : [], joining: join))
            }
            if let pause { try fixture.waitForComm(pause.pid, "pause") }
            for app in apps { try fixture.waitForComm(app.pid, "sleep") }
            return StartedPod(plan: plan, podPath: podPath, pause: pause, apps: apps)
        }

        @Test(arguments: cases)
        func podProcessesAreAttributedAsTheKernelShows(_ c: Case) throws {
            guard requireRoot() else { return }
            let fixture = try KernelPodFixture()
            defer { fixture.cleanup() }
            guard fixture.supports(c.placement) else {
                print("skipped: no \(c.placement.rawValue) hierarchy on this host")
                return
            }
            var plan = PodPlan.random(qos: c.qos, withSandbox: c.runtime != .podman)
            plan.isStatic = c.runtime == .crio
            // The store also records a container that has exited (e.g. an init container).
            let exited = (id: RandomName.containerID(), name: "init-setup")
            var recorded = plan
            recorded.containers.append(exited)
            let podPath = c.placement.podPath(tag: fixture.tag, uid: plan.uid, qos: plan.qos)
            try MetadataWriter.write(c.runtime, recorded, into: fixture.tree) { id in
                podPath + "/" + c.runtime.leaf(id: id, placement: c.placement)
            }
            // Another pod's metadata in the same stores must not leak into this one.
            try MetadataWriter.write(c.runtime, PodPlan.random(qos: .burstable), into: fixture.tree)
            let pod = try Self.start(plan, runtime: c.runtime, placement: c.placement, fixture: fixture)
            // CRI-O and Podman run conmon in a `*-conmon-<id>` cgroup next to the
            // containers: not a container, and not attributed to the pod.
            var conmon: SpawnedProcess? = nil
            if c.runtime == .crio || c.runtime == .podman {
                let prefix = c.runtime == .crio ? "crio-conmon-" : "libpod-conmon-"
                let suffix = c.placement == .v2Systemd ? ".scope" : ""
                let cgroup = try fixture.makeCgroup(
                    pod.podPath + "/" + prefix + plan.containers[0].id + suffix, c.placement)
                conmon = try fixture.spawn("/bin/sleep", ["sleep", "602"], into: cgroup)
                try fixture.waitForComm(conmon!.pid, "sleep")
            }

            let sources = MetadataSources(hostRoot: fixture.tree.root, kspyStateDirectories: [])
            let snapshot = try NodeDiscovery(procRoot: "/proc", sources: sources).snapshot()

            // The pod, as the cgroup tree and the metadata describe it.
            let discovered = try #require(snapshot.pod(uid: plan.uid), "pod \(plan.uid) not discovered")
            // The same pod found through its cgroup alone (kspy exec's path), not a scan.
            let targeted = try #require(
                NodeDiscovery(procRoot: "/proc", sources: sources).snapshot(
                    ofPod: plan.uid, metadata: snapshot.metadata, system: try CgroupSystem.current()),
                "pod \(plan.uid) not found through its cgroup")
            #expect(targeted.pod(uid: plan.uid) == discovered)
            #expect(targeted.pods.count == 1)
            // containerd and CRI-O record the cgroups (`linux.cgroupsPath`): the pod is
            // found there even by a locator whose search cannot reach the test's
            // kubelet tree (one level below the mount), and only there.
            let recordedPaths = snapshot.metadata.podCgroupPaths(ofPod: plan.uid)
            let records = c.runtime == .containerd || c.runtime == .crio
            #expect(recordedPaths == (records ? [pod.podPath] : []))
            let system = try CgroupSystem.current()
            let searched = PodProcessLocator(system: system).processes(ofPod: plan.uid).map(\.pid)
            #expect(!searched.isEmpty)
            var shallow = PodProcessLocator(system: system)
            shallow.treeSearchDepth = 1
            let viaRecord = shallow.processes(ofPod: plan.uid, recordedCgroups: recordedPaths).map(\.pid)
            #expect(viaRecord == (records ? searched : []), "\(viaRecord)")
            #expect(shallow.processes(ofPod: plan.uid).isEmpty)
            let named = c.runtime != .podman
            #expect(
                discovered.identity
                    == (named ? PodIdentity(namespace: plan.namespace, name: plan.name, uid: plan.uid) : nil))
            #expect(discovered.displayName == (named ? "\(plan.namespace)/\(plan.name)" : "<unnamed>/\(plan.uid)"))
            #expect(discovered.qosClass == c.qos)
            #expect(discovered.driver == c.placement.driver)
            #expect(discovered.runtime == c.runtime.kind)
            #expect(discovered.cgroupVersion == c.placement.version)
            #expect(discovered.cgroupPath == pod.podPath)
            #expect(discovered.isStatic == plan.isStatic)
            #expect(discovered.configSource == (plan.isStatic ? "file" : nil))
            #expect(discovered.podLevelPIDs.isEmpty)
            #expect(discovered.pausePID == pod.pause?.pid)
            if let sandboxID = plan.sandboxID, let pause = pod.pause {
                let sandbox = try #require(discovered.sandbox)
                #expect(sandbox.id == sandboxID)
                #expect(sandbox.isSandbox)
                #expect(sandbox.name == nil)
                #expect(sandbox.pids == [pause.pid])
                #expect(sandbox.initPID == pause.pid)
                #expect(sandbox.runtime == c.runtime.kind)
                #expect(sandbox.cgroupPath == pod.podPath + "/" + c.runtime.leaf(id: sandboxID, placement: c.placement))
            } else {
                #expect(discovered.sandbox == nil)
            }
            // Running containers plus the exited one the store records for this pod
            // (Podman records carry no pod, so none there).
            #expect(discovered.containers.count == plan.containers.count + (named ? 1 : 0))
            if named {
                let gone = try #require(discovered.container(id: exited.id), "exited container missing")
                #expect(gone.name == exited.name)
                #expect(gone.state == "exited")
                #expect(gone.pids.isEmpty && gone.initPID == nil && gone.cgroupPath == nil)
                #expect(gone.runtime == c.runtime.kind)
            } else {
                #expect(discovered.container(id: exited.id) == nil)
            }
            for (index, container) in plan.containers.enumerated() {
                let found = try #require(discovered.container(id: container.id), "container \(container.name)")
                let pid = pod.apps[index].pid
                #expect(found.name == (named ? container.name : nil))
                #expect(!found.isSandbox)
                #expect(found.runtime == c.runtime.kind)
                #expect(found.pids == [pid])
                #expect(found.initPID == pid)
                #expect(found.state == "running")
                #expect(
                    found.cgroupPath == pod.podPath + "/" + c.runtime.leaf(id: container.id, placement: c.placement))
            }
            if named {
                #expect(discovered.containers.map(\.name) == (plan.containers.map(\.name) + [exited.name]).sorted())
            }
            if let conmon {
                let record = try #require(snapshot.process(pid: conmon.pid))
                #expect(record.attribution == nil)
                #expect(!discovered.podLevelPIDs.contains(conmon.pid))
                #expect(!discovered.allContainers.contains { $0.pids.contains(conmon.pid) })
                let info = ProcessView(record: record, in: snapshot)
                // The kernel shows it in kubelet's tree…
                #expect(
                    KernelTruth.cgroupPath(conmon.pid, c.placement)?.hasPrefix(pod.podPath + "/") == true)
                // …and an unattributed process's `cgroupPath` comes from the hierarchy
                // kubelet uses (v1 memory on a hybrid host, else v2), like attributed ones.
                try checkProcessJSON(
                    info, pid: conmon.pid,
                    expected: ExpectedProcess(role: "host", cgroupPath: KernelTruth.cgroupPath(conmon.pid, .v1Cgroupfs)),
                    pausePID: nil)
            }

            // `kspy pods` row.
            let summary = try jsonObject(PodSummary(discovered, addresses: nil))
            #expect(jsonString(summary["uid"]) == plan.uid)
            #expect(jsonString(summary["runtime"]) == c.runtime.kind.rawValue)
            #expect(jsonString(summary["qosClass"]) == c.qos.rawValue)
            #expect(jsonInteger(summary["containerCount"]) == Int64(plan.containers.count + (named ? 1 : 0)))
            #expect(jsonString(summary["cgroupPath"]) == pod.podPath)
            #expect(jsonBool(summary["isStatic"]) == plan.isStatic)
            if let pause = pod.pause {
                #expect(jsonInteger(summary["pausePID"]) == Int64(pause.pid))
                #expect(jsonString(summary["sandboxID"]) == plan.sandboxID)
            } else {
                #expect(jsonIsNull(summary["pausePID"]) && jsonIsNull(summary["sandboxID"]))
            }

            // Every process, against the kernel's /proc/<pid>/cgroup and ns links.
            var members: [(pid: Int32, id: String, name: String?, role: String)] = []
            if let pause = pod.pause, let sandboxID = plan.sandboxID {
                members.append((pause.pid, sandboxID, nil, "pause"))
            }
            for (index, container) in plan.containers.enumerated() {
                members.append((pod.apps[index].pid, container.id, named ? container.name : nil, "container"))
            }
            for member in members {
                let record = try #require(snapshot.process(pid: member.pid), "PID \(member.pid) not scanned")
                let kernelPath = try #require(KernelTruth.cgroupPath(member.pid, c.placement))
                let leaf = c.runtime.leaf(id: member.id, placement: c.placement)
                #expect(kernelPath == pod.podPath + "/" + leaf, "the kernel shows \(kernelPath)")
                #expect(parentPath(kernelPath) == discovered.cgroupPath)
                #expect(record.comm == KernelTruth.comm(member.pid))
                #expect(record.ppid == getpid())
                #expect(record.cgroupPath == kernelPath)
                #expect(record.classifiedCgroup?.isUnified == (c.placement == .v2Systemd))
                let attribution = try #require(record.attribution)
                #expect(attribution.podUID == plan.uid)
                #expect(attribution.containerID == member.id)
                #expect(attribution.containerLeaf == leaf)
                #expect(attribution.podCgroupPath == pod.podPath)
                #expect(attribution.qosClass == c.qos)
                #expect(attribution.driver == c.placement.driver)
                for (kind, id) in record.namespaces {
                    #expect(id.inode == KernelTruth.namespaceInode(member.pid, kind.rawValue))
                }

                let info = ProcessView(record: record, in: snapshot)
                try checkProcessJSON(
                    info, pid: member.pid,
                    expected: ExpectedProcess(
                        role: member.role, podUID: plan.uid, podName: named ? plan.name : nil,
                        podNamespace: named ? plan.namespace : nil, containerID: member.id,
                        containerName: member.name, runtime: c.runtime.kind.rawValue, qosClass: c.qos.rawValue,
                        cgroupPath: kernelPath),
                    pausePID: pod.pause?.pid)
                #expect(info.podDisplayName == discovered.displayName)
            }

            // Sharing as set up: the apps joined the pause's net and ipc namespaces, the
            // first app has its own uts namespace.
            if let pause = pod.pause {
                let first = try #require(snapshot.process(pid: pod.apps[0].pid))
                let info = ProcessView(record: first, in: snapshot)
                #expect(info.namespaces["net"]?.sharedWithPause == true)
                #expect(info.namespaces["ipc"]?.sharedWithPause == true)
                #expect(info.namespaces["uts"]?.sharedWithPause == false)
                #expect(info.namespaces["mnt"]?.sharedWithPause == true)

                // `kspy ns`: the pause's net namespace is the pod's, the first app's uts
                // namespace is that container's.
                let namespaces = NamespaceInfo.all(in: snapshot)
                let netInode = try #require(KernelTruth.namespaceInode(pause.pid, "net"))
                let net = try #require(namespaces.first { $0.kind == "net" && $0.inode == netInode })
                #expect(net.owner == .pod)
                #expect(net.podUID == plan.uid)
                #expect(net.podName == plan.name && net.podNamespace == plan.namespace)
                #expect(net.processCount == 1 + plan.containers.count)
                // The pause started first, whatever PIDs the apps got (also after wrap-around).
                #expect(net.holderPID == pause.pid)
                #expect(net.containerID == plan.sandboxID)
                #expect(net.containerName == "pause")
                #expect(net.holderComm == "pause")
                let utsInode = try #require(KernelTruth.namespaceInode(pod.apps[0].pid, "uts"))
                let uts = try #require(namespaces.first { $0.kind == "uts" && $0.inode == utsInode })
                #expect(uts.owner == .container)
                #expect(uts.containerID == plan.containers[0].id)
                #expect(uts.containerName == plan.containers[0].name)
                #expect(uts.processCount == 1 && uts.holderPID == pod.apps[0].pid)
            }
        }

        /// crun (CRI-O's default on cgroup v2 with systemd) runs the container's processes
        /// in a `container` sub-cgroup of the scope: still that container's.
        @Test func crunSubCgroupBelongsToItsContainer() throws {
            guard requireRoot() else { return }
            let fixture = try KernelPodFixture()
            defer { fixture.cleanup() }
            guard fixture.supports(.v2Systemd) else {
                print("skipped: needs a cgroup2 mount")
                return
            }
            let plan = PodPlan.random(qos: .burstable, containerNames: ["db"])
            let sandboxID = try #require(plan.sandboxID)
            let app = plan.containers[0]
            try MetadataWriter.writeCRIO(plan, into: fixture.tree)
            let podPath = Placement.v2Systemd.podPath(tag: fixture.tag, uid: plan.uid, qos: .burstable)
            let pause = try fixture.spawn(
                try fixture.pauseBinary(), ["pause", "600"],
                into: try fixture.makeCgroup(podPath + "/crio-\(sandboxID).scope", .v2Systemd), newNamespaces: [.net])
            let scope = podPath + "/crio-\(app.id).scope"
            let process = try fixture.spawn(
                "/bin/sleep", ["sleep", "600"], into: try fixture.makeCgroup(scope + "/container", .v2Systemd),
                joining: (pause.pidfd, [.net]))
            try fixture.waitForComm(pause.pid, "pause")
            try fixture.waitForComm(process.pid, "sleep")

            let sources = MetadataSources(hostRoot: fixture.tree.root, kspyStateDirectories: [])
            let snapshot = try NodeDiscovery(sources: sources).snapshot()
            // kspy exec's lookup through the pod's cgroup reaches into the sub-cgroup too
            // (the scope has a subdirectory; the leaves, none).
            let located = PodProcessLocator(system: try CgroupSystem.current()).processes(ofPod: plan.uid)
            #expect(located.map(\.pid) == [pause.pid, process.pid].sorted())
            let kernelPath = try #require(KernelTruth.cgroupPath(process.pid, .v2Systemd))
            #expect(kernelPath == scope + "/container")
            let record = try #require(snapshot.process(pid: process.pid))
            #expect(record.cgroupPath == kernelPath)
            #expect(record.attribution?.containerID == app.id)
            #expect(record.attribution?.containerLeaf == "crio-\(app.id).scope")
            #expect(record.attribution?.containerCgroupPath == scope)
            let pod = try #require(snapshot.pod(uid: plan.uid))
            #expect(pod.cgroupPath == parentPath(parentPath(kernelPath)))
            #expect(pod.identity?.name == plan.name)
            #expect(pod.podLevelPIDs.isEmpty)
            let container = try #require(pod.container(id: app.id))
            #expect(container.name == app.name)
            #expect(container.cgroupPath == scope)
            #expect(container.pids == [process.pid])
            try checkProcessJSON(
                ProcessView(record: record, in: snapshot), pid: process.pid,
                expected: ExpectedProcess(
                    role: "container", podUID: plan.uid, podName: plan.name, podNamespace: plan.namespace,
                    containerID: app.id, containerName: app.name, runtime: "crio", qosClass: "Burstable",
                    cgroupPath: kernelPath),
                pausePID: pause.pid)
        }

        /// A container process whose command name needs JSON escaping (the kernel takes
        /// comm from the executable's file name, at most 15 bytes): the JSON shows exactly
        /// the kernel's comm, and the CLI's writer agrees with the encoder.
        @Test func oddCommandNamesReachTheJSONIntact() throws {
            guard requireRoot() else { return }
            let fixture = try KernelPodFixture()
            defer { fixture.cleanup() }
            guard fixture.supports(.v1Cgroupfs) else {
                print("skipped: needs a v1 memory hierarchy")
                return
            }
            let name = "q\"b\\\t\u{1}\u{7F}é x"  // 11 bytes: quote, backslash, tab, SOH, DEL, é
            let binary = fixture.tree.root + "/bin/" + name
            try SystemFile.makeDirectories(fixture.tree.root + "/bin")
            try SystemFile.writeAtomically(try SystemFile.readBytes("/bin/sleep"), to: binary, mode: 0o755)
            let plan = PodPlan.random(qos: .burstable, containerNames: ["odd"], withSandbox: false)
            try MetadataWriter.writeContainerd(plan, into: fixture.tree)
            let podPath = Placement.v1Cgroupfs.podPath(tag: fixture.tag, uid: plan.uid, qos: .burstable)
            let process = try fixture.spawn(
                binary, ["odd", "600"], into: try fixture.makeCgroup(podPath + "/" + plan.containers[0].id, .v1Cgroupfs))
            try fixture.waitForComm(process.pid, name)

            let sources = MetadataSources(hostRoot: fixture.tree.root, kspyStateDirectories: [])
            let snapshot = try NodeDiscovery(sources: sources).snapshot()
            let record = try #require(snapshot.process(pid: process.pid))
            #expect(record.comm == name)
            let view = ProcessView(record: record, in: snapshot)
            try checkProcessJSON(
                view, pid: process.pid,
                expected: ExpectedProcess(
                    role: "container", podUID: plan.uid, podName: plan.name, podNamespace: plan.namespace,
                    containerID: plan.containers[0].id, containerName: "odd", runtime: "containerd",
                    qosClass: "Burstable", cgroupPath: podPath + "/" + plan.containers[0].id),
                pausePID: nil)
            let parsed = try JSONSerialization.jsonObject(with: Data(ProcessView.prettyJSON([view]).utf8)) as? [[String: Any]]
            #expect(parsed?.first?["comm"] as? String == name)
        }

        /// Processes outside any pod cgroup are the host's: role host and every pod key
        /// present with null.
        @Test func hostProcessesHaveNullPodFields() throws {
            guard requireRoot() else { return }
            let fixture = try KernelPodFixture()
            defer { fixture.cleanup() }
            let own = KernelTruth.cgroupLines(getpid())
            guard !own.contains(where: { CgroupPathClassifier.classify($0.path) != nil }) else {
                print("skipped: the test itself runs inside a pod cgroup")
                return
            }
            let sleeper = try fixture.spawn("/bin/sleep", ["sleep", "600"], into: nil)
            try fixture.waitForComm(sleeper.pid, "sleep")
            let sources = MetadataSources(hostRoot: fixture.tree.root, kspyStateDirectories: [])
            let snapshot = try NodeDiscovery(sources: sources).snapshot()
            for pid in [getpid(), sleeper.pid] {
                let record = try #require(snapshot.process(pid: pid))
                #expect(record.attribution == nil)
                // The memory line on this hybrid host (then cpu, then v2).
                let memory = own.first { $0.controllers.contains("memory") }?.path
                let v2 = own.first { $0.id == 0 && $0.controllers.isEmpty }?.path
                #expect(record.cgroupPath == memory ?? v2 ?? own.first?.path)
                let info = ProcessView(record: record, in: snapshot)
                #expect(info.role == .host)
                #expect(info.podDisplayName == "-")
                try checkProcessJSON(
                    info, pid: pid, expected: ExpectedProcess(role: "host", cgroupPath: record.cgroupPath),
                    pausePID: nil)
            }
        }
    }
}
