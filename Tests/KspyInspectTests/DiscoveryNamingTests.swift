import Foundation
import Glibc
import KspyInspect
import KspyKernel
import Testing
import KspyTestSupport

extension KernelDiscoveryTests {
    /// Where names come from, and what happens without them: unnamed pods, containerd
    /// state found from the shim's working directory, and resolving pod references.
    @Suite struct Naming {
        // MARK: Unnamed

        /// Processes in pod cgroups that no store describes: UIDs and IDs are shown,
        /// names are null (never guessed from other stores' entries), the sandbox is told
        /// only by its processes all being `pause`.
        @Test func podsWithoutMetadataAreUnnamed() throws {
            guard requireRoot() else { return }
            let fixture = try KernelPodFixture()
            defer { fixture.cleanup() }
            guard fixture.supports(.v1Cgroupfs), fixture.supports(.v2Systemd) else {
                print("skipped: needs a v1 memory hierarchy and a cgroup2 mount")
                return
            }
            // Decoys: another pod's bundles and log directory in the stores.
            try MetadataWriter.writeContainerd(PodPlan.random(qos: .burstable), into: fixture.tree)
            try fixture.tree.makeDirectory("/var/log/pods/default_other_\(RandomName.podUID())")

            // Pod A (cgroupfs, BestEffort): pause and app in bare-ID leaves, one process
            // in the pod cgroup itself.
            let uidA = RandomName.podUID()
            let pathA = Placement.v1Cgroupfs.podPath(tag: fixture.tag, uid: uidA, qos: .bestEffort)
            let sandboxA = RandomName.containerID(), appA = RandomName.containerID()
            let pauseA = try fixture.spawn(
                try fixture.pauseBinary(), ["pause", "600"], into: try fixture.makeCgroup(pathA + "/" + sandboxA, .v1Cgroupfs),
                newNamespaces: [.net])
            let sleeperA = try fixture.spawn(
                "/bin/sleep", ["sleep", "600"], into: try fixture.makeCgroup(pathA + "/" + appA, .v1Cgroupfs),
                joining: (pauseA.pidfd, [.net]))
            let podLevelA = try fixture.spawn(
                "/bin/sleep", ["sleep", "601"], into: try Cgroup(path: pathA, hierarchies: fixture.hierarchies(.v1Cgroupfs)))
            // Pod B (systemd, Burstable): one CRI-O scope, no metadata.
            let uidB = RandomName.podUID()
            let pathB = Placement.v2Systemd.podPath(tag: fixture.tag, uid: uidB, qos: .burstable)
            let appB = RandomName.containerID()
            let sleeperB = try fixture.spawn(
                "/bin/sleep", ["sleep", "600"], into: try fixture.makeCgroup(pathB + "/crio-\(appB).scope", .v2Systemd))
            // Pod C (cgroupfs, Guaranteed): named only by kubelet's log directory, so the
            // pod has names but its container does not.
            let uidC = RandomName.podUID()
            let pathC = Placement.v1Cgroupfs.podPath(tag: fixture.tag, uid: uidC, qos: .guaranteed)
            let appC = RandomName.containerID()
            let namespaceC = "itest-\(RandomName.hex(6))", nameC = "logged-\(RandomName.hex(6))"
            try fixture.tree.makeDirectory("/var/log/pods/\(namespaceC)_\(nameC)_\(uidC)/app")
            let sleeperC = try fixture.spawn(
                "/bin/sleep", ["sleep", "600"], into: try fixture.makeCgroup(pathC + "/" + appC, .v1Cgroupfs))
            for (pid, comm) in [
                (pauseA.pid, "pause"), (sleeperA.pid, "sleep"), (podLevelA.pid, "sleep"), (sleeperB.pid, "sleep"),
                (sleeperC.pid, "sleep"),
            ] {
                try fixture.waitForComm(pid, comm)
            }

            let sources = MetadataSources(hostRoot: fixture.tree.root, kspyStateDirectories: [])
            let snapshot = try NodeDiscovery(sources: sources).snapshot()

            let podA = try #require(snapshot.pod(uid: uidA))
            #expect(podA.identity == nil)
            #expect(podA.displayName == "<unnamed>/\(uidA)")
            #expect(podA.qosClass == .bestEffort && podA.driver == .cgroupfs && podA.cgroupVersion == .v1)
            #expect(podA.runtime == .unknown)
            #expect(podA.cgroupPath == pathA)
            #expect(podA.sandbox?.id == sandboxA)
            #expect(podA.sandbox?.name == nil)
            #expect(podA.pausePID == pauseA.pid)
            #expect(podA.containers.map(\.id) == [appA])
            #expect(podA.containers.first?.name == nil)
            #expect(podA.podLevelPIDs == [podLevelA.pid])
            #expect(!podA.isStatic)

            let podB = try #require(snapshot.pod(uid: uidB))
            #expect(podB.identity == nil)
            #expect(podB.runtime == .crio)
            #expect(podB.qosClass == .burstable && podB.driver == .systemd && podB.cgroupVersion == .v2)
            #expect(podB.sandbox == nil && podB.pausePID == nil)
            #expect(podB.containers.map(\.id) == [appB])
            #expect(podB.containers.first?.name == nil)

            let podC = try #require(snapshot.pod(uid: uidC))
            #expect(podC.identity == PodIdentity(namespace: namespaceC, name: nameC, uid: uidC))
            #expect(podC.qosClass == .guaranteed && podC.runtime == .unknown)
            #expect(podC.containers.map(\.id) == [appC])
            #expect(podC.containers.first?.name == nil)
            let infoC = ProcessView(record: try #require(snapshot.process(pid: sleeperC.pid)), in: snapshot)
            try checkProcessJSON(
                infoC, pid: sleeperC.pid,
                expected: ExpectedProcess(
                    role: "container", podUID: uidC, podName: nameC, podNamespace: namespaceC, containerID: appC,
                    containerName: nil, runtime: "unknown", qosClass: "Guaranteed", cgroupPath: pathC + "/" + appC),
                pausePID: nil)
            #expect(infoC.podDisplayName == "\(namespaceC)/\(nameC)")

            let expectations: [(Int32, ExpectedProcess, Int32?)] = [
                (
                    pauseA.pid,
                    ExpectedProcess(
                        role: "pause", podUID: uidA, containerID: sandboxA, runtime: "unknown", qosClass: "BestEffort",
                        cgroupPath: pathA + "/" + sandboxA), pauseA.pid
                ),
                (
                    sleeperA.pid,
                    ExpectedProcess(
                        role: "container", podUID: uidA, containerID: appA, runtime: "unknown", qosClass: "BestEffort",
                        cgroupPath: pathA + "/" + appA), pauseA.pid
                ),
                (
                    podLevelA.pid,
                    ExpectedProcess(
                        role: "container", podUID: uidA, containerID: nil, runtime: "unknown", qosClass: "BestEffort",
                        cgroupPath: pathA), pauseA.pid
                ),
                (
                    sleeperB.pid,
                    ExpectedProcess(
                        role: "container", podUID: uidB, containerID: appB, runtime: "crio", qosClass: "Burstable",
                        cgroupPath: pathB + "/crio-\(appB).scope"), nil
                ),
            ]
            for (pid, expected, pause) in expectations {
                let record = try #require(snapshot.process(pid: pid))
                let placement: Placement = expected.podUID == uidA ? .v1Cgroupfs : .v2Systemd
                #expect(KernelTruth.cgroupPath(pid, placement) == expected.cgroupPath)
                let info = ProcessView(record: record, in: snapshot)
                try checkProcessJSON(info, pid: pid, expected: expected, pausePID: pause)
                #expect(info.podDisplayName == "<unnamed>/\(expected.podUID ?? "")")
            }
            // The app joined the pause's network namespace; the pod-level sleep did not.
            let app = ProcessView(record: try #require(snapshot.process(pid: sleeperA.pid)), in: snapshot)
            #expect(app.namespaces["net"]?.sharedWithPause == true)
            let podLevel = ProcessView(
                record: try #require(snapshot.process(pid: podLevelA.pid)), in: snapshot)
            #expect(podLevel.namespaces["net"]?.sharedWithPause == false)

            // Unnamed pods are still found by UID.
            #expect(try PodReference(uidB).resolve(in: snapshot).uid == uidB)
        }

        // MARK: containerd state from the shim

        /// A containerd pod started the way the shim starts it: the bundles under a state
        /// root no default names, a "shim" (`sh`, outside the pod, working directory the
        /// sandbox bundle) parenting the pause and the app, each of which moves itself into
        /// its container cgroup before exec.
        struct ShimPod {
            var plan: PodPlan
            var sandboxID: String
            var app: (id: String, name: String)
            var podPath: String
            /// The state root as the shim sees it (its working directory's prefix).
            var state: String
            var shim: SpawnedProcess
            var pausePID: Int32
            var appPID: Int32
            /// Sources with containerd's defaults (absent here) and every other store
            /// pointed at an empty directory, so only a located root can name the pod.
            var sources: MetadataSources

            /// With `ownMountNamespace`, the shim runs in its own mount namespace in which
            /// the bundles are bind-mounted at a path that is empty in the test's (as for
            /// containerd running inside a kind node container).
            static func start(fixture: KernelPodFixture, ownMountNamespace: Bool) throws -> ShimPod {
                let plan = PodPlan.random(qos: .burstable, containerNames: ["server"])
                let sandboxID = try #require(plan.sandboxID)
                let app = plan.containers[0]
                // The bundles as real absolute paths (host root "/"), under the scratch tree.
                try MetadataWriter.writeContainerd(plan, into: fixture.tree, state: "/run/elsewhere/containerd")
                var state = fixture.tree.root + "/run/elsewhere/containerd"
                var mounts: [SpawnMount] = []
                if ownMountNamespace {
                    let hidden = fixture.tree.root + "/run/hidden"
                    try fixture.tree.makeDirectory("/run/hidden")
                    mounts = [.bind(fixture.tree.root + "/run/elsewhere", at: hidden)]
                    state = hidden + "/containerd"
                    #expect(!SystemFile.exists(state), "the bundles must not be visible at \(state) here")
                }
                let bundle = state + "/io.containerd.runtime.v2.task/k8s.io/" + sandboxID

                let podPath = Placement.v1Cgroupfs.podPath(tag: fixture.tag, uid: plan.uid, qos: .burstable)
                let sandboxCgroup = try fixture.makeCgroup(podPath + "/" + sandboxID, .v1Cgroupfs)
                let appCgroup = try fixture.makeCgroup(podPath + "/" + app.id, .v1Cgroupfs)
                let memory = try #require(fixture.primaryHierarchy(.v1Cgroupfs))
                let script = """
                    sh -c 'echo $$ > "$1/cgroup.procs" && exec "$2" 600' child "$SANDBOX_CGROUP" "$PAUSE" &
                    sh -c 'echo $$ > "$1/cgroup.procs" && exec /bin/sleep 600' child "$APP_CGROUP" &
                    wait
                    """
                var request = SpawnRequest(
                    mode: .exec(
                        path: "/bin/sh", arguments: ["sh", "-c", script],
                        environment: [
                            "PATH=/usr/bin:/bin", "SANDBOX_CGROUP=" + sandboxCgroup.directory(in: memory),
                            "APP_CGROUP=" + appCgroup.directory(in: memory), "PAUSE=" + (try fixture.pauseBinary()),
                        ]))
                request.workingDirectory = bundle
                if ownMountNamespace {
                    request.newNamespaces = [.mnt]
                    request.mounts = mounts
                }
                let shim = try fixture.spawn(request, into: nil)

                func waitForMember(_ cgroup: Cgroup, comm: String) throws -> Int32 {
                    let deadline = Date().addingTimeInterval(5)
                    while true {
                        if let pid = (try? cgroup.processes(in: memory))?.first {
                            if !fixture.descendants.contains(pid) { fixture.descendants.append(pid) }
                            if KernelTruth.comm(pid) == comm { return pid }
                        }
                        if Date() > deadline { throw FixtureError("no \(comm) appeared in \(cgroup.path)") }
                        usleep(5_000)
                    }
                }
                let pausePID = try waitForMember(sandboxCgroup, comm: "pause")
                let appPID = try waitForMember(appCgroup, comm: "sleep")

                let empty = fixture.tree.root + "/empty"
                let sources = MetadataSources(
                    hostRoot: "/", containersStorageDirectories: [empty], dockerDataRoot: empty,
                    kspyStateDirectories: [], podLogDirectory: empty, staticPodDirectory: empty)
                return ShimPod(
                    plan: plan, sandboxID: sandboxID, app: app, podPath: podPath, state: state, shim: shim,
                    pausePID: pausePID, appPID: appPID, sources: sources)
            }

            /// Checks that `snapshot` names the pod and its processes from the bundles.
            func expectNamed(in snapshot: NodeSnapshot) throws {
                let pod = try #require(snapshot.pod(uid: plan.uid))
                #expect(pod.identity == PodIdentity(namespace: plan.namespace, name: plan.name, uid: plan.uid))
                #expect(pod.runtime == .containerd)
                #expect(pod.sandbox?.id == sandboxID)
                #expect(pod.pausePID == pausePID)
                #expect(pod.containers.map(\.name) == [app.name])
                #expect(pod.container(id: app.id)?.pids == [appPID])
                #expect(pod.cgroupPath == podPath)
                let members: [(pid: Int32, role: String, id: String, name: String?)] = [
                    (pausePID, "pause", sandboxID, nil), (appPID, "container", app.id, app.name),
                ]
                for (pid, role, id, name) in members {
                    let record = try #require(snapshot.process(pid: pid))
                    #expect(record.ppid == shim.pid)
                    let info = ProcessView(record: record, in: snapshot)
                    try checkProcessJSON(
                        info, pid: pid,
                        expected: ExpectedProcess(
                            role: role, podUID: plan.uid, podName: plan.name, podNamespace: plan.namespace,
                            containerID: id, containerName: name, runtime: "containerd", qosClass: "Burstable",
                            cgroupPath: KernelTruth.cgroupPath(pid, .v1Cgroupfs)),
                        pausePID: pausePID)
                }
            }
        }

        /// containerd keeps its state somewhere no default names; the shim (parent of the
        /// pod's processes, outside the pod) runs in the sandbox bundle, so discovery finds
        /// the state root from its working directory and names the pod without overrides.
        @Test func containerdStateRootIsFoundFromTheShim() throws {
            guard requireRoot() else { return }
            let fixture = try KernelPodFixture()
            defer { fixture.cleanup() }
            guard fixture.supports(.v1Cgroupfs) else {
                print("skipped: needs a v1 memory hierarchy")
                return
            }
            let pod = try ShimPod.start(fixture: fixture, ownMountNamespace: false)
            let sources = pod.sources
            #expect(sources.containerdStateDirectories == ["/run/containerd", "/run/k3s/containerd"])
            for root in sources.containerdStateDirectories {
                #expect(!SystemFile.exists(root + "/io.containerd.runtime.v2.task/k8s.io/" + pod.sandboxID))
            }

            // Without locating shims, nothing names the pod.
            let blind = try NodeDiscovery(sources: sources, locatesShims: false).snapshot()
            let unnamed = try #require(blind.pod(uid: pod.plan.uid))
            #expect(unnamed.identity == nil)
            #expect(unnamed.container(id: pod.app.id)?.name == nil)
            #expect(blind.sources.containerdReachableStateDirectories.isEmpty)

            let snapshot = try NodeDiscovery(sources: sources).snapshot()
            let reachable = "/proc/\(pod.shim.pid)/root" + pod.state
            #expect(ContainerdShimLocator.stateDirectories(processes: snapshot.processes) == [reachable])
            #expect(snapshot.sources.containerdReachableStateDirectories == [reachable])
            #expect(snapshot.sources.summary.contains(pod.state))
            #expect(try #require(snapshot.process(pid: pod.shim.pid)).attribution == nil)
            try pod.expectNamed(in: snapshot)
            #expect(try PodReference("\(pod.plan.namespace)/\(pod.plan.name)").resolve(in: snapshot).uid == pod.plan.uid)
        }

        /// The same with containerd in its own mount namespace (kind: containerd runs in
        /// the node container, its `/run/containerd` is not the host's). The shim's
        /// working directory names a path of *its* mount namespace; discovery joins it
        /// under the host root and finds nothing there, so the pod stays unnamed. Reading
        /// through `/proc/<shim>/root` (or `/proc/<shim>/cwd/..`) would find the bundles.
        @Test func containerdStateRootInTheShimsMountNamespace() throws {
            guard requireRoot() else { return }
            let fixture = try KernelPodFixture()
            defer { fixture.cleanup() }
            guard fixture.supports(.v1Cgroupfs) else {
                print("skipped: needs a v1 memory hierarchy")
                return
            }
            let pod = try ShimPod.start(fixture: fixture, ownMountNamespace: true)
            // The kernel facts: the shim's cwd names the hidden path, which only its own
            // root shows.
            let cwd = try ProcessDirectory(pid: pod.shim.pid).readLink("cwd")
            #expect(cwd == pod.state + "/io.containerd.runtime.v2.task/k8s.io/" + pod.sandboxID)
            #expect(!SystemFile.exists(cwd))
            #expect(SystemFile.exists("/proc/\(pod.shim.pid)/root" + cwd + "/config.json"))
            #expect(SystemFile.exists("/proc/\(pod.shim.pid)/cwd/config.json"))

            let snapshot = try NodeDiscovery(sources: pod.sources).snapshot()
            // The root is reached through the shim's own root, whatever its mount namespace.
            #expect(snapshot.sources.containerdReachableStateDirectories == ["/proc/\(pod.shim.pid)/root" + pod.state])
            try pod.expectNamed(in: snapshot)
        }

        // MARK: Pod references

        /// `kspy pod POD`: a full UID, a unique UID prefix, namespace/name, a unique name;
        /// an ambiguous name or prefix lists the candidates; an unknown one names the
        /// sources searched.
        @Test func podReferencesResolveAgainstTheNode() throws {
            guard requireRoot() else { return }
            let fixture = try KernelPodFixture()
            defer { fixture.cleanup() }
            guard fixture.supports(.v2Systemd) else {
                print("skipped: needs a cgroup2 mount")
                return
            }
            // A and B share a name (in different namespaces) and the first UID group;
            // C has a name of its own.
            let sharedPrefix = RandomName.hex(8)
            let suffix = RandomName.hex(6)
            let nsA = "itest-a-\(suffix)", nsB = "itest-b-\(suffix)", shared = "web-\(suffix)", solo = "solo-\(suffix)"
            var uidA = RandomName.podUID(prefix: sharedPrefix), uidB = RandomName.podUID(prefix: sharedPrefix)
            while uidB.prefix(13) == uidA.prefix(13) { uidB = RandomName.podUID(prefix: sharedPrefix) }
            while uidA.prefix(13) == uidB.prefix(13) { uidA = RandomName.podUID(prefix: sharedPrefix) }
            let plans = [
                PodPlan.random(qos: .burstable, containerNames: ["app"], uid: uidA, namespace: nsA, name: shared),
                PodPlan.random(qos: .bestEffort, containerNames: ["app"], uid: uidB, namespace: nsB, name: shared),
                PodPlan.random(qos: .guaranteed, containerNames: ["app"], namespace: nsA, name: solo),
            ]
            let uidC = plans[2].uid
            for plan in plans {
                try MetadataWriter.writeContainerd(plan, into: fixture.tree)
                _ = try RuntimeTrees.start(plan, runtime: .containerd, placement: .v2Systemd, fixture: fixture)
            }
            let sources = MetadataSources(hostRoot: fixture.tree.root, kspyStateDirectories: [])
            let snapshot = try NodeDiscovery(sources: sources).snapshot()
            for plan in plans { #expect(snapshot.pod(uid: plan.uid)?.identity?.name == plan.name) }

            func resolve(_ text: String) -> Result<String, PodLookupError> {
                do { return .success(try PodReference(text).resolve(in: snapshot).uid) } catch { return .failure(error) }
            }
            #expect(resolve(uidA) == .success(uidA))
            #expect(resolve(uidC) == .success(uidC))
            #expect(resolve(String(uidA.prefix(13))) == .success(uidA))
            #expect(resolve(String(uidB.prefix(13))) == .success(uidB))
            #expect(resolve(String(uidC.prefix(12))) == .success(uidC))
            #expect(resolve("\(nsA)/\(shared)") == .success(uidA))
            #expect(resolve("\(nsB)/\(shared)") == .success(uidB))
            #expect(resolve("\(nsA)/\(solo)") == .success(uidC))
            #expect(resolve(solo) == .success(uidC))

            let candidates = ["\(nsA)/\(shared) (uid \(uidA))", "\(nsB)/\(shared) (uid \(uidB))"]
            #expect(resolve(shared) == .failure(.ambiguous(reference: shared, candidates: candidates)))
            #expect(resolve(sharedPrefix) == .failure(.ambiguous(reference: sharedPrefix, candidates: candidates)))
            if case .failure(let error) = resolve(shared) {
                #expect(
                    error.description
                        == "pod \"\(shared)\" is ambiguous: it matches \(candidates.joined(separator: ", "))")
            }

            let summary = snapshot.sources.summary
            #expect(summary.hasPrefix("/proc (cgroup paths); containerd /run/containerd,/run/k3s/containerd"))
            #expect(summary.hasSuffix(" under \(fixture.tree.root)"))
            let unknown = "nope-\(suffix)"
            for text in [unknown, "\(nsB)/\(solo)", "\(nsA)/\(unknown)"] {
                #expect(resolve(text) == .failure(.notFound(reference: text, searched: summary)))
                if case .failure(let error) = resolve(text) {
                    #expect(error.description == "pod \"\(text)\" not found on this node (searched: \(summary))")
                }
            }
        }
    }
}

/// Which pod a reference names from the runtime metadata alone (`kspy exec`'s targeted
/// lookup); whatever the metadata cannot decide is left to a full scan (nil).
@Suite struct PodReferenceMetadataTests {
    @Test func onlyUnambiguousReferencesAreDecided() {
        let web1 = PodIdentity(namespace: "ns1", name: "web", uid: "11111111-2222-3333-4444-555555555555")
        let web2 = PodIdentity(namespace: "ns2", name: "web", uid: "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee")
        let db = PodIdentity(namespace: "ns1", name: "db", uid: "0f0f0f0f-1111-2222-3333-444444444444")
        let metadata = RuntimeMetadataIndex(pods: [web1, web2, db])
        #expect(PodReference("ns1/web").uid(in: metadata) == web1.uid)
        #expect(PodReference("ns2/web").uid(in: metadata) == web2.uid)
        #expect(PodReference("web").uid(in: metadata) == nil)  // two pods
        #expect(PodReference("db").uid(in: metadata) == db.uid)
        #expect(PodReference(db.uid).uid(in: metadata) == db.uid)
        // A full UID no store names (an unnamed pod) is taken as typed; a prefix is not.
        let unnamed = "99999999-8888-7777-6666-555555555555"
        #expect(PodReference(unnamed).uid(in: metadata) == unnamed)
        #expect(PodReference("0f0f0f0f").uid(in: metadata) == nil)
        #expect(PodReference("nosuch").uid(in: metadata) == nil)
        #expect(PodReference("ns3/web").uid(in: metadata) == nil)
        #expect(PodReference("99999999-8888-7777-6666-55555555555g").uid(in: metadata) == nil)
    }

    /// The 8-4-4-4-12 hex form, checked byte by byte: upper case is hex too; a dash out
    /// of place, a missing or extra character, or a non-hex character is not a UID.
    @Test func fullUIDForm() {
        let unnamed = RuntimeMetadataIndex(pods: [])
        let accepted = ["99999999-8888-7777-6666-555555555555", "ABCDEF01-abcd-EF01-2345-6789abcdefAB"]
        let rejected = [
            "", "99999999-8888-7777-6666-55555555555", "99999999-8888-7777-6666-5555555555555",
            "9999999-98888-7777-6666-555555555555", "99999999-8888-7777-6666_555555555555",
            "99999999-8888-7777-6666-5555555555-5", "99999999-8888-7777-6666-55555555555é",
            "9999999９-8888-7777-6666-555555555555",
        ]
        for text in accepted { #expect(PodReference(text).uid(in: unnamed) == text) }
        for text in rejected { #expect(PodReference(text).uid(in: unnamed) == nil, "\(text)") }
    }
}
