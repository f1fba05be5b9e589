import Foundation
import KspyInspect
import KspyKernel
import Testing

/// The metadata readers against trees built from runtimes.md §3.
struct RuntimeMetadataTests {
    static let uid = "1f2e3d4c-5b6a-4978-8695-a4b3c2d1e0f9"
    static let sandbox = String(repeating: "a1", count: 32)
    static let app = String(repeating: "b2", count: 32)
    static let broken = String(repeating: "c3", count: 32)

    // MARK: containerd

    static func containerdSpec(_ annotations: [(String, String)], cgroupsPath: String? = nil) -> String {
        let body = annotations.map { "\"io.kubernetes.cri.\($0.0)\": \"\($0.1)\"" }.joined(separator: ", ")
        let linux = cgroupsPath.map { ", \"linux\": {\"cgroupsPath\": \"\($0)\", \"namespaces\": []}" } ?? ""
        return "{\"ociVersion\": \"1.1.0\", \"process\": {\"args\": [\"/pause\"]}, \"annotations\": {\(body)}\(linux)}"
    }

    /// containerd's systemd-driver form of the pod's cgroups (runc expands it).
    static let podSlice = "kubepods-burstable-pod\(uid.replacingOccurrences(of: "-", with: "_")).slice"

    func writeContainerd(_ tree: ScratchTree, state: String = "/run/containerd") throws {
        let tasks = state + "/io.containerd.runtime.v2.task/k8s.io/"
        try tree.write(
            tasks + Self.sandbox + "/config.json",
            Self.containerdSpec([
                ("container-type", "sandbox"), ("sandbox-id", Self.sandbox), ("sandbox-name", "web-0"),
                ("sandbox-namespace", "shop"), ("sandbox-uid", Self.uid),
                ("sandbox-log-directory", "/var/log/pods/shop_web-0_\(Self.uid)"),
            ], cgroupsPath: Self.podSlice + ":cri-containerd:" + Self.sandbox))
        try tree.write(
            tasks + Self.app + "/config.json",
            Self.containerdSpec([
                ("container-type", "container"), ("sandbox-id", Self.sandbox), ("sandbox-name", "web-0"),
                ("sandbox-namespace", "shop"), ("sandbox-uid", Self.uid), ("container-name", "nginx"),
                ("image-name", "docker.io/library/nginx:1.27"),
            ], cgroupsPath: Self.podSlice + ":cri-containerd:" + Self.app))
        try tree.write(tasks + Self.broken + "/config.json", "{\"annotations\": {")
        try tree.makeDirectory(tasks + String(repeating: "d4", count: 32))  // no config.json yet
    }

    @Test func containerdBundles() throws {
        let tree = try ScratchTree()
        defer { tree.remove() }
        try writeContainerd(tree, state: "/run/k3s/containerd")
        let found = try ContainerdBundleReader(hostRoot: tree.root).read()
        #expect(found.count == 2)
        let byID = Dictionary(uniqueKeysWithValues: found.map { ($0.containerID, $0) })
        let podCgroup = "/kubepods.slice/kubepods-burstable.slice/" + Self.podSlice
        #expect(
            byID[Self.sandbox]
                == ContainerMetadata(
                    containerID: Self.sandbox, isSandbox: true, sandboxID: Self.sandbox, podName: "web-0",
                    podNamespace: "shop", podUID: Self.uid, containerName: nil, runtime: .containerd,
                    cgroupPath: podCgroup + "/cri-containerd-\(Self.sandbox).scope"))
        #expect(
            byID[Self.app]
                == ContainerMetadata(
                    containerID: Self.app, isSandbox: false, sandboxID: Self.sandbox, podName: "web-0",
                    podNamespace: "shop", podUID: Self.uid, containerName: "nginx", runtime: .containerd,
                    cgroupPath: podCgroup + "/cri-containerd-\(Self.app).scope"))
        // Both name the same pod cgroup, listed once.
        #expect(RuntimeMetadataIndex(containers: found).podCgroupPaths(ofPod: Self.uid) == [podCgroup])
    }

    /// kspy's own test-pod state records each container's cgroup and the pause's.
    @Test func kspyStateRecordsCgroups() throws {
        let tree = try ScratchTree()
        defer { tree.remove() }
        let pod = "/kspy-test/kubepods/besteffort/pod\(Self.uid)"
        try tree.write(
            "/run/kspy/pods/\(Self.uid)/pod.json",
            """
            {"uid": "\(Self.uid)", "name": "web-0", "namespace": "shop", "sandboxID": "\(Self.sandbox)",
             "pauseCgroupPath": "\(pod)/\(Self.sandbox)", "annotations": {},
             "containers": [{"name": "nginx", "id": "\(Self.app)", "cgroupPath": "\(pod)/\(Self.app)"}]}
            """)
        let found = try KspyStateReader(hostRoot: tree.root).read()
        #expect(found.map(\.cgroupPath) == [pod + "/" + Self.sandbox, pod + "/" + Self.app])
        #expect(RuntimeMetadataIndex(containers: found).podCgroupPaths(ofPod: Self.uid) == [pod])
        #expect(RuntimeMetadataIndex(containers: found).podCgroupPaths(ofPod: "other").isEmpty)
    }

    /// `linux.cgroupsPath` in both of its forms (runc's cgroupfs and systemd drivers).
    @Test func ociCgroupsPaths() {
        let cases: [(String, String?)] = [
            ("/kubepods/burstable/pod1/abc", "/kubepods/burstable/pod1/abc"),
            ("kubepods-besteffort-pod1_2.slice:cri-containerd:abc",
             "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod1_2.slice/cri-containerd-abc.scope"),
            ("kubepods-pod9.slice:crio:def", "/kubepods.slice/kubepods-pod9.slice/crio-def.scope"),
            (":docker:abc", "/system.slice/docker-abc.scope"),
            ("-.slice:run:x", "/run-x.scope"),
            ("machine.slice::name", "/machine.slice/name.scope"),
            ("kubepods.slice:p:kubepods-burstable.slice", "/kubepods.slice/kubepods-burstable.slice"),
            ("relative/path", nil), ("/", nil), ("", nil), ("a:b", nil), ("x.slice:p:", nil),
            ("a--b.slice:p:n", nil), ("-a.slice:p:n", nil), ("notaslice:p:n", nil), ("a.slice:p:n/x", nil),
        ]
        for (spec, expected) in cases {
            #expect(OCICgroupsPath.cgroupPath(spec) == expected, "\(spec)")
        }
    }


    @Test func missingStoresAreEmpty() throws {
        let tree = try ScratchTree()
        defer { tree.remove() }
        #expect(try ContainerdBundleReader(hostRoot: tree.root).read().isEmpty)
        #expect(try CRIOConfigReader(hostRoot: tree.root).read().isEmpty)
        #expect(try DockerConfigReader(hostRoot: tree.root).read().isEmpty)
        #expect(try PodLogDirectoryReader(hostRoot: tree.root).read().isEmpty)
        let index = RuntimeMetadataIndex.load(hostRoot: tree.root + "/does-not-exist")
        #expect(index.containers.isEmpty && index.pods.isEmpty && index.problems.isEmpty)
    }

    // MARK: CRI-O

    static func crioSpec(
        type: String, sandboxID: String, labels: String, extra: String = "", cgroupsPath: String? = nil
    ) -> String {
        let linux = cgroupsPath.map { #", "linux": {"cgroupsPath": "\#($0)"}"# } ?? ""
        return """
            {"ociVersion": "1.0.2", "annotations": {
              "io.kubernetes.cri-o.ContainerType": "\(type)",
              "io.kubernetes.cri-o.SandboxID": "\(sandboxID)",
              "io.kubernetes.cri-o.KubeName": "db-1",
              "io.kubernetes.cri-o.Namespace": "data",
              "io.kubernetes.cri-o.Labels": \(labels)\(extra)
            }\(linux)}
            """
    }

    func writeCRIO(_ tree: ScratchTree) throws {
        let run = "/run/containers/storage/overlay-containers/"
        let lib = "/var/lib/containers/storage/overlay-containers/"
        let sandboxLabels =
            #""{\"io.kubernetes.container.name\":\"POD\",\"io.kubernetes.pod.name\":\"db-1\",\"io.kubernetes.pod.namespace\":\"data\",\"io.kubernetes.pod.uid\":\"\#(Self.uid)\"}""#
        let appLabels =
            #""{\"io.kubernetes.container.name\":\"postgres\",\"io.kubernetes.pod.name\":\"db-1\",\"io.kubernetes.pod.namespace\":\"data\",\"io.kubernetes.pod.uid\":\"\#(Self.uid)\"}""#
        try tree.write(
            run + Self.sandbox + "/userdata/config.json",
            Self.crioSpec(type: "sandbox", sandboxID: Self.sandbox, labels: sandboxLabels))
        // The persistent copy only: the /run bundle is gone (e.g. after a reboot).
        try tree.write(
            lib + Self.app + "/userdata/config.json",
            Self.crioSpec(
                type: "container", sandboxID: Self.sandbox, labels: appLabels,
                extra: ",\n  \"io.kubernetes.cri-o.ContainerName\": \"k8s_postgres_db-1_data_\(Self.uid)_0\"",
                cgroupsPath: "/kubepods/besteffort/pod\(Self.uid)/crio-\(Self.app)"))
        // Both copies of the sandbox: merged into one record.
        try tree.write(
            lib + Self.sandbox + "/userdata/config.json",
            Self.crioSpec(type: "sandbox", sandboxID: Self.sandbox, labels: sandboxLabels))
        try tree.write(run + Self.broken + "/userdata/config.json", "not json")
        // A Podman container in the same storage, without CRI-O annotations.
        let podman = String(repeating: "e5", count: 32)
        try tree.write(lib + podman + "/userdata/config.json", "{\"ociVersion\": \"1.0.2\", \"annotations\": {}}")
    }

    @Test func crioSpecs() throws {
        let tree = try ScratchTree()
        defer { tree.remove() }
        try writeCRIO(tree)
        let found = try CRIOConfigReader(hostRoot: tree.root).read()
        #expect(found.count == 3)
        let byID = Dictionary(uniqueKeysWithValues: found.map { ($0.containerID, $0) })
        #expect(
            byID[Self.sandbox]
                == ContainerMetadata(
                    containerID: Self.sandbox, isSandbox: true, sandboxID: Self.sandbox, podName: "db-1",
                    podNamespace: "data", podUID: Self.uid, containerName: nil, runtime: .crio))
        #expect(
            byID[Self.app]
                == ContainerMetadata(
                    containerID: Self.app, isSandbox: false, sandboxID: Self.sandbox, podName: "db-1",
                    podNamespace: "data", podUID: Self.uid, containerName: "postgres", runtime: .crio,
                    cgroupPath: "/kubepods/besteffort/pod\(Self.uid)/crio-\(Self.app)"))
        let podman = String(repeating: "e5", count: 32)
        #expect(byID[podman] == ContainerMetadata(containerID: podman, isSandbox: false, runtime: .podman))
    }

    @Test func crioMalformedLabelsKeepTheRest() throws {
        let tree = try ScratchTree()
        defer { tree.remove() }
        try tree.write(
            "/run/containers/storage/overlay-containers/\(Self.app)/userdata/config.json",
            Self.crioSpec(type: "container", sandboxID: Self.sandbox, labels: "\"{broken\""))
        let found = try CRIOConfigReader(hostRoot: tree.root).read()
        #expect(
            found == [
                ContainerMetadata(
                    containerID: Self.app, isSandbox: false, sandboxID: Self.sandbox, podName: "db-1",
                    podNamespace: "data", podUID: nil, containerName: nil, runtime: .crio)
            ])
    }

    // MARK: Docker

    static func dockerConfig(id: String, labels: [(String, String)]) -> String {
        let body = labels.map { "\"\($0.0)\": \"\($0.1)\"" }.joined(separator: ", ")
        return """
            {"ID": "\(id)", "Name": "/k8s_x", "State": {"Running": true, "Pid": 4242},
             "Config": {"Hostname": "cache-2", "Image": "redis:7", "Labels": {\(body)}}}
            """
    }

    func writeDocker(_ tree: ScratchTree) throws {
        let base = "/var/lib/docker/containers/"
        try tree.write(
            base + Self.sandbox + "/config.v2.json",
            Self.dockerConfig(
                id: Self.sandbox,
                labels: [
                    ("io.kubernetes.docker.type", "podsandbox"), ("io.kubernetes.pod.name", "cache-2"),
                    ("io.kubernetes.pod.namespace", "infra"), ("io.kubernetes.pod.uid", Self.uid),
                    ("io.kubernetes.container.name", "POD"),
                ]))
        try tree.write(
            base + Self.app + "/config.v2.json",
            Self.dockerConfig(
                id: Self.app,
                labels: [
                    ("io.kubernetes.docker.type", "container"), ("io.kubernetes.sandbox.id", Self.sandbox),
                    ("io.kubernetes.pod.name", "cache-2"), ("io.kubernetes.pod.namespace", "infra"),
                    ("io.kubernetes.pod.uid", Self.uid), ("io.kubernetes.container.name", "redis"),
                ]))
        try tree.write(base + Self.broken + "/config.v2.json", "{\"Config\": 17")
    }

    @Test func dockerConfigs() throws {
        let tree = try ScratchTree()
        defer { tree.remove() }
        try writeDocker(tree)
        let found = try DockerConfigReader(hostRoot: tree.root).read()
        #expect(found.count == 2)
        let byID = Dictionary(uniqueKeysWithValues: found.map { ($0.containerID, $0) })
        #expect(
            byID[Self.sandbox]
                == ContainerMetadata(
                    containerID: Self.sandbox, isSandbox: true, sandboxID: Self.sandbox, podName: "cache-2",
                    podNamespace: "infra", podUID: Self.uid, containerName: nil, runtime: .docker))
        #expect(
            byID[Self.app]
                == ContainerMetadata(
                    containerID: Self.app, isSandbox: false, sandboxID: Self.sandbox, podName: "cache-2",
                    podNamespace: "infra", podUID: Self.uid, containerName: "redis", runtime: .docker))
    }

    // MARK: kubelet log directories

    @Test func podLogDirectories() throws {
        let tree = try ScratchTree()
        defer { tree.remove() }
        try tree.write("/var/log/pods/kube-system_coredns-5d78c9869d-abcde_\(Self.uid)/coredns/0.log", "")
        try tree.makeDirectory("/var/log/pods/9a8b7c6d-0000-4000-8000-000000000001")  // old kubelet layout
        try tree.makeDirectory("/var/log/pods/a_b_c_d")
        try tree.makeDirectory("/var/log/pods/_name_uid")
        let pods = try PodLogDirectoryReader(hostRoot: tree.root).read()
        #expect(pods == [PodIdentity(namespace: "kube-system", name: "coredns-5d78c9869d-abcde", uid: Self.uid)])
    }

    // MARK: index

    @Test func indexCombinesStores() throws {
        let tree = try ScratchTree()
        defer { tree.remove() }
        try writeContainerd(tree)
        let otherUID = "22222222-3333-4444-5555-666666666666"
        try tree.makeDirectory("/var/log/pods/default_lonely_\(otherUID)")
        let index = RuntimeMetadataIndex.load(hostRoot: tree.root)
        #expect(index.problems.isEmpty)
        #expect(index.containers.count == 2)
        #expect(index.container(id: Self.app)?.containerName == "nginx")
        #expect(index.container(id: Self.broken) == nil)
        #expect(index.pod(uid: Self.uid) == PodIdentity(namespace: "shop", name: "web-0", uid: Self.uid))
        #expect(index.pod(uid: otherUID) == PodIdentity(namespace: "default", name: "lonely", uid: otherUID))
        #expect(index.containers(inPod: Self.uid).map(\.containerID) == [Self.sandbox, Self.app])
        #expect(index.sandbox(ofPod: Self.uid)?.containerID == Self.sandbox)
        #expect(index.containers(inPod: otherUID).isEmpty)
        #expect(index.sandbox(ofPod: otherUID) == nil)
    }

    @Test func indexMergesDuplicateIDs() {
        let partial = ContainerMetadata(containerID: Self.app, isSandbox: false, podUID: Self.uid, runtime: .unknown)
        let full = ContainerMetadata(
            containerID: Self.app, isSandbox: false, sandboxID: Self.sandbox, podName: "p", podNamespace: "n",
            podUID: Self.uid, containerName: "c", runtime: .crio)
        let index = RuntimeMetadataIndex(containers: [partial, full])
        #expect(index.container(id: Self.app) == full)
        #expect(index.pod(uid: Self.uid) == PodIdentity(namespace: "n", name: "p", uid: Self.uid))
    }

    @Test func unreadableStoreIsAProblemNotAFailure() throws {
        let tree = try ScratchTree()
        defer { tree.remove() }
        try writeDocker(tree)
        // A file where the containerd task directory should be: not a directory → no data.
        try tree.write("/run/containerd/io.containerd.runtime.v2.task/k8s.io", "")
        let index = RuntimeMetadataIndex.load(hostRoot: tree.root)
        #expect(index.problems.isEmpty)
        #expect(index.container(id: Self.app)?.runtime == .docker)
        #expect(index.pod(uid: Self.uid)?.name == "cache-2")
    }
}
