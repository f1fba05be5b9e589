import Foundation
import Glibc
import KspyInspect
import KspyKernel
import Testing

// Support for the discovery tests against the real kernel: cgroup trees under a unique
// `/kspy-itest-<hex>` root in the v1 `memory` (and `cpu`) hierarchies and in the cgroup2
// mount, real processes placed in them, runtime metadata written from the facts of
// runtimes.md §2–§3, and independent reads of what the kernel shows.


/// The kernel-backed discovery tests share the node's process table and cgroup trees
/// (and the churn test loads both cores), so they run one at a time.
@Suite(.serialized) struct KernelDiscoveryTests {}

// MARK: - Random names

enum RandomName {
    /// `count` lowercase hex digits.
    static func hex(_ count: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        let digits = Array("0123456789abcdef")
        return String((0..<count).map { _ in digits[Int(generator.next(upperBound: UInt8(16)))] })
    }

    /// A 64-hex container ID.
    static func containerID() -> String { hex(64) }

    /// A pod UID in API (UUID) form.
    static func podUID(prefix: String? = nil) -> String {
        let first = prefix ?? hex(8)
        return "\(first)-\(hex(4))-4\(hex(3))-8\(hex(3))-\(hex(12))"
    }
}

// MARK: - Placement of pod cgroups

/// Where a pod's cgroups are made: kubelet's cgroupfs tree in the v1 controller
/// hierarchies, or kubelet's systemd slices in the cgroup2 mount.
enum Placement: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case v1Cgroupfs
    case v2Systemd

    var testDescription: String { rawValue }
    var version: CgroupVersion { self == .v1Cgroupfs ? .v1 : .v2 }
    var driver: CgroupPathDriver { self == .v1Cgroupfs ? .cgroupfs : .systemd }

    /// The pod cgroup path (relative to the hierarchy roots) of `uid` below `/<tag>`
    /// (runtimes.md §2.1, §2.3).
    func podPath(tag: String, uid: String, qos: PodQoSClass) -> String {
        switch self {
        case .v1Cgroupfs:
            switch qos {
            case .guaranteed: return "/\(tag)/kubepods/pod\(uid)"
            case .burstable: return "/\(tag)/kubepods/burstable/pod\(uid)"
            case .bestEffort: return "/\(tag)/kubepods/besteffort/pod\(uid)"
            }
        case .v2Systemd:
            let escaped = uid.replacingOccurrences(of: "-", with: "_")
            switch qos {
            case .guaranteed: return "/\(tag)/kubepods.slice/kubepods-pod\(escaped).slice"
            case .burstable:
                return "/\(tag)/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod\(escaped).slice"
            case .bestEffort:
                return "/\(tag)/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod\(escaped).slice"
            }
        }
    }
}

// MARK: - Runtimes and their metadata

/// A runtime whose on-disk layout the tests reproduce.
enum RuntimeUnderTest: String, CaseIterable, Sendable {
    case containerd, crio, docker, podman

    var kind: ContainerRuntimeKind {
        switch self {
        case .containerd: return .containerd
        case .crio: return .crio
        case .docker: return .docker
        case .podman: return .podman
        }
    }

    /// The container cgroup leaf the runtime creates below the pod cgroup (runtimes.md §2.2).
    func leaf(id: String, placement: Placement) -> String {
        switch (self, placement) {
        case (.containerd, .v1Cgroupfs): return id
        case (.containerd, .v2Systemd): return "cri-containerd-\(id).scope"
        case (.crio, .v1Cgroupfs): return "crio-\(id)"
        case (.crio, .v2Systemd): return "crio-\(id).scope"
        case (.docker, .v1Cgroupfs): return id
        case (.docker, .v2Systemd): return "docker-\(id).scope"
        case (.podman, .v1Cgroupfs): return "libpod-\(id)"
        case (.podman, .v2Systemd): return "libpod-\(id).scope"
        }
    }
}

/// One pod as a runtime would record it.
struct PodPlan {
    var uid: String
    var namespace: String
    var name: String
    var qos: PodQoSClass
    /// Nil for pods without a sandbox (the Podman case).
    var sandboxID: String?
    var containers: [(id: String, name: String)]
    /// `kubernetes.io/config.source: file` in the store (CRI-O only carries it here).
    var isStatic: Bool = false

    static func random(
        qos: PodQoSClass, containerNames: [String] = ["app", "sidecar"], withSandbox: Bool = true,
        uid: String = RandomName.podUID(), namespace: String? = nil, name: String? = nil
    ) -> PodPlan {
        PodPlan(
            uid: uid, namespace: namespace ?? "itest-\(RandomName.hex(6))", name: name ?? "web-\(RandomName.hex(6))",
            qos: qos, sandboxID: withSandbox ? RandomName.containerID() : nil,
            containers: containerNames.map { (RandomName.containerID(), $0) })
    }
}

/// Writes runtime metadata into a scratch host tree, from the facts of runtimes.md §3.
enum MetadataWriter {
    static func json(_ object: Any) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
    }

    /// `cgroupPath` gives a container's (or sandbox's) cgroup by ID, for the stores
    /// that record it (the OCI specs' `linux.cgroupsPath` of containerd and CRI-O).
    static func write(
        _ runtime: RuntimeUnderTest, _ plan: PodPlan, into tree: ScratchTree, cgroupPath: ((String) -> String)? = nil
    ) throws {
        switch runtime {
        case .containerd: try writeContainerd(plan, into: tree, cgroupPath: cgroupPath)
        case .crio: try writeCRIO(plan, into: tree, cgroupPath: cgroupPath)
        case .docker: try writeDocker(plan, into: tree)
        case .podman: try writePodman(plan, into: tree)
        }
    }

    /// containerd CRI bundles `<state>/io.containerd.runtime.v2.task/k8s.io/<id>/config.json`.
    static func writeContainerd(
        _ plan: PodPlan, into tree: ScratchTree, state: String = "/run/containerd",
        cgroupPath: ((String) -> String)? = nil
    ) throws {
        let tasks = state + "/io.containerd.runtime.v2.task/k8s.io/"
        let sandboxID = plan.sandboxID ?? ""
        func spec(_ annotations: [String: String]) throws -> String {
            var spec: [String: Any] = ["ociVersion": "1.1.0", "process": ["args": ["/pause"]], "annotations": annotations]
            if let cgroupPath, let id = annotations["io.kubernetes.cri.container-id"] {
                spec["linux"] = ["cgroupsPath": cgroupPath(id)]
            }
            return try json(spec)
        }
        let pod = [
            "io.kubernetes.cri.sandbox-id": sandboxID, "io.kubernetes.cri.sandbox-name": plan.name,
            "io.kubernetes.cri.sandbox-namespace": plan.namespace, "io.kubernetes.cri.sandbox-uid": plan.uid,
        ]
        if let id = plan.sandboxID {
            try tree.write(
                tasks + id + "/config.json",
                try spec(pod.merging(["io.kubernetes.cri.container-type": "sandbox", "io.kubernetes.cri.container-id": id]) { $1 }))
        }
        for container in plan.containers {
            try tree.write(
                tasks + container.id + "/config.json",
                try spec(
                    pod.merging([
                        "io.kubernetes.cri.container-type": "container",
                        "io.kubernetes.cri.container-name": container.name, "io.kubernetes.cri.container-id": container.id,
                    ]) { $1 }))
        }
    }

    /// CRI-O specs `/run/containers/storage/overlay-containers/<id>/userdata/config.json`.
    static func writeCRIO(_ plan: PodPlan, into tree: ScratchTree, cgroupPath: ((String) -> String)? = nil) throws {
        let base = "/run/containers/storage/overlay-containers/"
        let sandboxID = plan.sandboxID ?? ""
        func spec(id: String, type: String, containerName: String) throws -> String {
            var annotations = [
                "io.kubernetes.cri-o.ContainerType": type, "io.kubernetes.cri-o.SandboxID": sandboxID,
                "io.kubernetes.cri-o.KubeName": plan.name, "io.kubernetes.cri-o.Namespace": plan.namespace,
                "io.kubernetes.cri-o.Labels": try json([
                    "io.kubernetes.pod.uid": plan.uid, "io.kubernetes.container.name": containerName,
                    "io.kubernetes.pod.name": plan.name, "io.kubernetes.pod.namespace": plan.namespace,
                ]),
            ]
            if plan.isStatic {
                annotations["io.kubernetes.cri-o.Annotations"] = try json(["kubernetes.io/config.source": "file"])
            }
            var spec: [String: Any] = ["ociVersion": "1.0.2", "annotations": annotations]
            if let cgroupPath { spec["linux"] = ["cgroupsPath": cgroupPath(id)] }
            return try json(spec)
        }
        if let id = plan.sandboxID {
            try tree.write(base + id + "/userdata/config.json", try spec(id: id, type: "sandbox", containerName: "POD"))
        }
        for container in plan.containers {
            try tree.write(
                base + container.id + "/userdata/config.json",
                try spec(id: container.id, type: "container", containerName: container.name))
        }
    }

    /// Docker (cri-dockerd) `/var/lib/docker/containers/<id>/config.v2.json`.
    static func writeDocker(_ plan: PodPlan, into tree: ScratchTree) throws {
        let base = "/var/lib/docker/containers/"
        let sandboxID = plan.sandboxID ?? ""
        func config(id: String, type: String, containerName: String) throws -> String {
            var labels = [
                "io.kubernetes.docker.type": type, "io.kubernetes.pod.name": plan.name,
                "io.kubernetes.pod.namespace": plan.namespace, "io.kubernetes.pod.uid": plan.uid,
                "io.kubernetes.container.name": containerName,
            ]
            if type == "container" { labels["io.kubernetes.sandbox.id"] = sandboxID }
            return try json(["ID": id, "Name": "/k8s_\(containerName)", "Config": ["Labels": labels]])
        }
        if let id = plan.sandboxID {
            try tree.write(base + id + "/config.v2.json", try config(id: id, type: "podsandbox", containerName: "POD"))
        }
        for container in plan.containers {
            try tree.write(
                base + container.id + "/config.v2.json",
                try config(id: container.id, type: "container", containerName: container.name))
        }
    }

    /// Podman: the containers/storage spec without any CRI-O annotation.
    static func writePodman(_ plan: PodPlan, into tree: ScratchTree) throws {
        let base = "/run/containers/storage/overlay-containers/"
        let ids = (plan.sandboxID.map { [$0] } ?? []) + plan.containers.map(\.id)
        for id in ids {
            try tree.write(
                base + id + "/userdata/config.json",
                try json(["ociVersion": "1.0.2", "annotations": ["io.container.manager": "libpod"]]))
        }
    }
}

// MARK: - The fixture: cgroups, processes, cleanup

/// Cgroups under `/kspy-itest-<hex>` and the processes the test starts in them; all
/// removed by `cleanup()` (processes killed by PID through their pidfds and reaped,
/// leaves removed bottom-up), which every test calls from `defer`.
final class KernelPodFixture {
    /// The unique root's name (`kspy-itest-<hex>`).
    let tag = "kspy-itest-" + RandomName.hex(8)
    /// The scratch host root for metadata (and the `pause` binary).
    let tree: ScratchTree
    /// v1 hierarchies used for cgroupfs placements (memory first, then cpu); empty
    /// when the host has no v1 memory hierarchy.
    let v1Hierarchies: [CgroupHierarchy]
    /// The cgroup2 mount, if any.
    let unified: CgroupHierarchy?
    /// Processes this test started directly.
    private(set) var spawned: [SpawnedProcess] = []
    /// Processes started by the test's own processes, to kill before their parents.
    var descendants: [Int32] = []

    init() throws {
        tree = try ScratchTree()
        let system = try CgroupSystem.current()
        let v1 = system.v1Hierarchies
        v1Hierarchies = ["memory", "cpu"].compactMap { controller in v1.first { $0.has(controller) } }
        unified = system.unified
    }

    /// True when the host has the hierarchies `placement` needs.
    func supports(_ placement: Placement) -> Bool {
        switch placement {
        case .v1Cgroupfs: return v1Hierarchies.first?.has("memory") == true
        case .v2Systemd: return unified != nil
        }
    }

    func hierarchies(_ placement: Placement) -> [CgroupHierarchy] {
        switch placement {
        case .v1Cgroupfs: return v1Hierarchies
        case .v2Systemd: return unified.map { [$0] } ?? []
        }
    }

    /// The hierarchy whose `/proc/<pid>/cgroup` line discovery should classify.
    func primaryHierarchy(_ placement: Placement) -> CgroupHierarchy? { hierarchies(placement).first }

    /// Creates the cgroup `path` (which must lie below `/<tag>`) for `placement`.
    func makeCgroup(_ path: String, _ placement: Placement) throws -> Cgroup {
        precondition(path.hasPrefix("/" + tag + "/"), "test cgroups must lie below the unique root")
        let cgroup = try Cgroup(path: path, hierarchies: hierarchies(placement))
        try cgroup.create(controllers: [])
        return cgroup
    }

    /// A copy of /bin/sleep named `pause`, so the process's comm is `pause` as for a
    /// real sandbox.
    func pauseBinary() throws -> String {
        let path = tree.root + "/bin/pause"
        if !SystemFile.exists(path) {
            try SystemFile.makeDirectories(tree.root + "/bin")
            try SystemFile.writeAtomically(try SystemFile.readBytes("/bin/sleep"), to: path, mode: 0o755)
        }
        return path
    }

    /// Starts `arguments` (argv[0] first) from `executable`, placed into `cgroup` before
    /// it runs anything.
    @discardableResult
    func spawn(
        _ executable: String, _ arguments: [String], into cgroup: Cgroup?, newNamespaces: NamespaceKinds = [],
        joining: (Pidfd, NamespaceKinds)? = nil, workingDirectory: String? = nil,
        environment: [String] = ["PATH=/usr/bin:/bin"]
    ) throws -> SpawnedProcess {
        var request = SpawnRequest(mode: .exec(path: executable, arguments: arguments, environment: environment))
        request.newNamespaces = newNamespaces
        if let joining {
            request.joinTarget = joining.0
            request.joinNamespaces = joining.1
        }
        request.workingDirectory = workingDirectory
        return try spawn(request, into: cgroup)
    }

    /// Starts `request`, placed into `cgroup` before it runs anything.
    @discardableResult
    func spawn(_ request: SpawnRequest, into cgroup: Cgroup?) throws -> SpawnedProcess {
        let process = try Spawner.spawn(request) { pid in try cgroup?.addProcess(pid: pid) }
        spawned.append(process)
        return process
    }

    /// Waits until `/proc/<pid>/comm` reads `comm` (the exec has happened).
    func waitForComm(_ pid: Int32, _ comm: String, timeoutSeconds: Double = 5) throws {
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        while KernelTruth.comm(pid) != comm {
            if Date() > deadline {
                throw FixtureError("PID \(pid) did not become \(comm) (comm \(KernelTruth.comm(pid) ?? "gone"))")
            }
            usleep(5_000)
        }
    }

    /// The PIDs currently in any of this test's cgroups (all descendants of the test's
    /// own processes: nothing else is ever placed there).
    func pidsInOwnCgroups() -> [Int32] {
        var pids = Set<Int32>()
        for hierarchy in v1Hierarchies + (unified.map { [$0] } ?? []) {
            let top = hierarchy.directory(for: "/" + tag)
            for directory in [top] + Self.subdirectories(of: top) {
                guard let text = try? SystemFile.read(directory + "/cgroup.procs") else { continue }
                for line in text.split(separator: "\n") { if let pid = Int32(line), pid > 0 { pids.insert(pid) } }
            }
        }
        return pids.sorted()
    }

    private static func subdirectories(of directory: String) -> [String] {
        guard let names = try? SystemFile.listDirectory(directory) else { return [] }
        var result: [String] = []
        for name in names.sorted() {
            let child = directory + "/" + name
            var st = stat()
            guard lstat(child, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR else { continue }
            result.append(child)
            result += subdirectories(of: child)
        }
        return result
    }

    /// Kills this test's processes (by PID, through pidfds), reaps its children, then
    /// removes its cgroups bottom-up and the scratch tree.
    func cleanup() {
        // Children of the test's processes first, so that their parents (e.g. a shim
        // waiting for them) reap them rather than leaving them to PID 1.
        for pid in descendants { Self.kill(pid) }
        let reapDeadline = Date().addingTimeInterval(2)
        while descendants.contains(where: { SystemFile.exists("/proc/\($0)") }), Date() < reapDeadline {
            usleep(10_000)
        }
        for process in spawned.reversed() {
            try? process.pidfd.send(signal: SIGKILL)
            _ = try? process.pidfd.reap()
        }
        // Grandchildren (children of the test's shells) that were reparented.
        let deadline = Date().addingTimeInterval(5)
        while Date() < deadline {
            let left = pidsInOwnCgroups()
            if left.isEmpty { break }
            for pid in left { Self.kill(pid) }
            usleep(10_000)
        }
        let all = v1Hierarchies + (unified.map { [$0] } ?? [])
        if let root = try? Cgroup(path: "/" + tag, hierarchies: all) {
            do { try root.remove(recursive: true, busyRetrySeconds: 3) } catch {
                print("cleanup: could not remove /\(tag): \(error)")
            }
        }
        tree.remove()
    }

    /// SIGKILL through a pidfd (a PID that has gone is ignored).
    static func kill(_ pid: Int32) {
        guard pid > 1, let pidfd = try? Pidfd(pid: pid) else { return }
        try? pidfd.send(signal: SIGKILL)
    }
}

struct FixtureError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

// MARK: - What the kernel shows, read independently of kspy

enum KernelTruth {
    /// `/proc/<pid>/comm` without the newline, nil when the process is gone.
    static func comm(_ pid: Int32) -> String? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8) else { return nil }
        return text.trimmingCharacters(in: .newlines)
    }

    /// The lines of `/proc/<pid>/cgroup` as (hierarchy ID, controllers, path).
    static func cgroupLines(_ pid: Int32) -> [(id: Int, controllers: [String], path: String)] {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/cgroup", encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            let parts = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3, let id = Int(parts[0]) else { return nil }
            return (id, parts[1].split(separator: ",").map(String.init), String(parts[2]))
        }
    }

    /// The path the kernel shows for `pid` in the hierarchy of `placement`: the v1
    /// `memory` line, or the `0::` line.
    static func cgroupPath(_ pid: Int32, _ placement: Placement) -> String? {
        let lines = cgroupLines(pid)
        switch placement {
        case .v1Cgroupfs: return lines.first { $0.controllers.contains("memory") }?.path
        case .v2Systemd: return lines.first { $0.id == 0 && $0.controllers.isEmpty }?.path
        }
    }

    /// The inode of `/proc/<pid>/ns/<kind>` (what `lsns` and `readlink` show).
    static func namespaceInode(_ pid: Int32, _ kind: String) -> UInt64? {
        var st = stat()
        guard stat("/proc/\(pid)/ns/\(kind)", &st) == 0 else { return nil }
        return UInt64(st.st_ino)
    }

    /// The namespace kinds `/proc/<pid>/ns` has (without the `*_for_children` links).
    static func namespaceKinds(_ pid: Int32) -> Set<String> {
        let names = (try? SystemFile.listDirectory("/proc/\(pid)/ns")) ?? []
        return Set(names.filter { !$0.hasSuffix("_for_children") })
    }

    /// The children of `pid` (`/proc/<pid>/task/<pid>/children`).
    static func children(_ pid: Int32) -> [Int32] {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/task/\(pid)/children", encoding: .utf8) else {
            return []
        }
        return text.split(separator: " ").compactMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }

    /// `/proc/sys/kernel/pid_max`.
    static func pidMax() -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/sys/kernel/pid_max", encoding: .utf8) else { return nil }
        return Int(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// The PID namespace's last allocated PID (a counter of process starts).
    static func lastPID() -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/sys/kernel/ns_last_pid", encoding: .utf8) else {
            return nil
        }
        return Int(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }
}

// MARK: - JSON

/// `value` encoded by JSONEncoder and read back as an untyped JSON object.
func jsonObject(_ value: some Encodable) throws -> [String: Any] {
    let data = try JSONEncoder().encode(value)
    return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
}

func jsonIsNull(_ value: Any?) -> Bool { value is NSNull }

func jsonString(_ value: Any?) -> String? { value as? String }

func jsonInteger(_ value: Any?) -> Int64? {
    if let number = value as? NSNumber { return number.int64Value }
    if let int = value as? Int { return Int64(int) }
    return nil
}

func jsonUnsigned(_ value: Any?) -> UInt64? {
    if let number = value as? NSNumber { return number.uint64Value }
    if let int = value as? Int, int >= 0 { return UInt64(int) }
    return nil
}

func jsonBool(_ value: Any?) -> Bool? {
    if let bool = value as? Bool { return bool }
    if let number = value as? NSNumber { return number.boolValue }
    return nil
}

/// The keys `kspy pid` documents for a process (the contract).
let processInfoContractKeys: Set<String> = [
    "pid", "ppid", "comm", "role", "podUID", "podName", "podNamespace", "containerID", "containerName", "runtime",
    "qosClass", "cgroupPath", "namespaces",
]

/// What a process's `kspy pid` answer must say.
struct ExpectedProcess {
    var role: String
    var podUID: String?
    var podName: String?
    var podNamespace: String?
    var containerID: String?
    var containerName: String?
    var runtime: String?
    var qosClass: String?
    var cgroupPath: String?
}

/// The JSON `kspy ps -o json` / `kspy pid` write for `views` by hand must be exactly
/// what Foundation's encoder writes.
func encoderJSON(_ views: [ProcessView]) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    return String(decoding: try encoder.encode(views), as: UTF8.self)
}

/// Checks the `ProcessView` JSON of `pid` (encoder and the CLI's hand-written
/// writer) against `expected` and against the kernel (comm, namespace inodes, sharing
/// with `pausePID`'s namespaces).
func checkProcessJSON(
    _ info: ProcessView, pid: Int32, expected: ExpectedProcess, pausePID: Int32?,
    sourceLocation: SourceLocation = #_sourceLocation
) throws {
    #expect(ProcessView.prettyJSON([info]) == (try encoderJSON([info])), sourceLocation: sourceLocation)
    let object = try jsonObject(info)
    let missing = processInfoContractKeys.subtracting(object.keys)
    #expect(missing.isEmpty, "ProcessView JSON lacks keys \(missing.sorted())", sourceLocation: sourceLocation)
    #expect(jsonInteger(object["pid"]) == Int64(pid), sourceLocation: sourceLocation)
    #expect(jsonString(object["comm"]) == KernelTruth.comm(pid), sourceLocation: sourceLocation)
    #expect(jsonString(object["role"]) == expected.role, "role of \(pid)", sourceLocation: sourceLocation)
    func check(_ key: String, _ value: String?) {
        if let value {
            #expect(jsonString(object[key]) == value, "\(key) of \(pid)", sourceLocation: sourceLocation)
        } else {
            #expect(
                jsonIsNull(object[key]), "\(key) of \(pid) should be null, is \(String(describing: object[key]))",
                sourceLocation: sourceLocation)
        }
    }
    check("podUID", expected.podUID)
    check("podName", expected.podName)
    check("podNamespace", expected.podNamespace)
    check("containerID", expected.containerID)
    check("containerName", expected.containerName)
    check("runtime", expected.runtime)
    check("qosClass", expected.qosClass)
    if let path = expected.cgroupPath { check("cgroupPath", path) }

    let namespaces = try #require(object["namespaces"] as? [String: Any], sourceLocation: sourceLocation)
    #expect(Set(namespaces.keys) == KernelTruth.namespaceKinds(pid), sourceLocation: sourceLocation)
    for (kind, entry) in namespaces {
        let membership = try #require(entry as? [String: Any], sourceLocation: sourceLocation)
        #expect(
            Set(membership.keys) == ["inode", "sharedWithPause"], "namespaces.\(kind) keys",
            sourceLocation: sourceLocation)
        let inode = KernelTruth.namespaceInode(pid, kind)
        #expect(jsonUnsigned(membership["inode"]) == inode, "\(kind) inode of \(pid)", sourceLocation: sourceLocation)
        if let pausePID {
            let shared = inode != nil && inode == KernelTruth.namespaceInode(pausePID, kind)
            #expect(
                jsonBool(membership["sharedWithPause"]) == shared, "\(kind) sharedWithPause of \(pid)",
                sourceLocation: sourceLocation)
        } else {
            #expect(
                jsonIsNull(membership["sharedWithPause"]), "\(kind) sharedWithPause of \(pid) should be null",
                sourceLocation: sourceLocation)
        }
    }
}

/// The path without its last component (`/a/b/c` → `/a/b`).
func parentPath(_ path: String) -> String {
    guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return "/" }
    return String(path[..<slash])
}
