import KspyInspect
import KspyKernel
import Testing

/// Static pods: named from kubelet's manifest directory (`<name>-<node>` in the
/// manifest's namespace) or from a store's `kubernetes.io/config.source` annotation.
struct StaticPodTests {
    static let uid = "0b8a2c3d4e5f60718293a4b5c6d7e8f9"
    static let id = String(repeating: "ab", count: 32)

    @Test func manifestsNameMirrorPodsWithTheNodeName() throws {
        let tree = try ScratchTree()
        defer { tree.remove() }
        try tree.write("/etc/hostname", "Node-A\n")
        try tree.write(
            "/etc/kubernetes/manifests/etcd.yaml",
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: etcd\n  namespace: kube-system\nspec: {}\n")
        try tree.write(
            "/etc/kubernetes/manifests/web.json", #"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"web"}}"#)
        try tree.write("/etc/kubernetes/manifests/broken.yaml", "metadata: [unclosed\n")
        try tree.write("/etc/kubernetes/manifests/notes.txt", "metadata:\n  name: ignored\n")
        let pods = try StaticPodManifestReader(hostRoot: tree.root).read()
        #expect(pods == ["kube-system/etcd-node-a", "default/web-node-a"])
        let named = try StaticPodManifestReader(hostRoot: tree.root, nodeName: "n1").read()
        #expect(named.contains("kube-system/etcd-n1"))
        #expect(try StaticPodManifestReader(hostRoot: tree.root + "/missing").read().isEmpty)
    }

    private func snapshot(metadata: RuntimeMetadataIndex) -> NodeSnapshot {
        let entry = ProcessCgroupEntry(
            hierarchyID: 4, controllers: ["memory"], path: "/kubepods/burstable/pod\(Self.uid)/\(Self.id)")
        let process = ProcessRecord(
            pid: 4242, ppid: 1, comm: "etcd", startTimeTicks: 1, cgroups: [entry], namespaces: [:])
        return NodeSnapshot(processes: [process], metadata: metadata, sources: MetadataSources())
    }

    @Test func aPodNamedByAManifestIsStatic() throws {
        var metadata = RuntimeMetadataIndex(
            containers: [
                ContainerMetadata(
                    containerID: Self.id, isSandbox: false, podName: "etcd-node-a", podNamespace: "kube-system",
                    podUID: Self.uid, containerName: "etcd", runtime: .containerd)
            ])
        #expect(snapshot(metadata: metadata).pod(uid: Self.uid)?.isStatic == false)
        metadata.staticPods = ["kube-system/etcd-node-a"]
        let pod = try #require(snapshot(metadata: metadata).pod(uid: Self.uid))
        #expect(pod.isStatic)
        #expect(pod.configSource == "file")
        #expect(pod.containers.map(\.name) == ["etcd"])
    }

    @Test func theConfigSourceAnnotationWins() throws {
        let metadata = RuntimeMetadataIndex(
            containers: [
                ContainerMetadata(
                    containerID: Self.id, isSandbox: false, podName: "x", podNamespace: "y", podUID: Self.uid,
                    containerName: "c", runtime: .crio, configSource: "api")
            ])
        let pod = try #require(snapshot(metadata: metadata).pod(uid: Self.uid))
        #expect(pod.configSource == "api")
        #expect(!pod.isStatic)
    }
}
