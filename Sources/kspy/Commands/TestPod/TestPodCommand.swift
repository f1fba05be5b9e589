import ArgumentParser

/// `kspy testpod`: real Kubernetes-style pods on this machine, no Kubernetes needed.
struct TestPodCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "testpod",
        abstract: "Create, list and delete test pods built from Pod manifests.",
        discussion: """
            A test pod is built the way kubelet and a CRI runtime would build it: a pause \
            process holding the pod's network, IPC and UTS namespaces, containers joining \
            them with their own mount and PID namespaces, a kubelet-style cgroup tree with \
            the manifest's limits, an overlay root from a local image directory, and a \
            supervisor that restarts containers by restartPolicy.
            """,
        subcommands: [TestPodApply.self, TestPodList.self, TestPodDelete.self, TestPodSupervise.self])
}
