import ArgumentParser
import Foundation
import KspyRuntime

/// Options shared by the `kspy testpod` commands.
struct TestPodRuntimeOptions: ParsableArguments {
    @Option(name: .customLong("state-dir"), help: "Directory holding test pod state.")
    var stateDirectory: String = StateDirectory.defaultRoot

    @Option(
        name: .customLong("cgroup-root"),
        help: ArgumentHelp(
            "Root of the kubelet-style cgroup tree for new pods.",
            discussion: "On a node where kubelet runs, use another root than kubepods: kubelet removes pod cgroups under its own root that it does not know."
        ))
    var cgroupRoot: String = "kubepods"

    @Option(name: .customLong("cgroup-driver"), help: "kubelet cgroup driver naming to use: cgroupfs or systemd.")
    var cgroupDriver: CgroupDriver = .cgroupfs

    @Option(name: .customLong("restart-backoff"), help: "First container restart back-off in seconds (doubles, capped at 300).")
    var restartBackoff: Double = 10

    @Option(name: .customLong("network"), help: "Pod network: bridge (a veth into the node bridge, with a pod IP) or none (lo only).")
    var network: NetworkMode = .bridge

    @Option(name: .customLong("bridge"), help: "Name of the node bridge.")
    var bridge: String = "kspy0"

    @Option(name: .customLong("pod-cidr"), help: "Pod CIDR; the bridge holds its first address as the gateway.")
    var podCIDR: String = "10.244.0.0/24"

    /// `--network` values.
    enum NetworkMode: String, ExpressibleByArgument, CaseIterable {
        case bridge, none
    }

    /// The runtime these options describe; its supervisor is this very binary.
    func runtime() -> TestPodRuntime {
        TestPodRuntime(
            options: TestPodOptions(
                stateDirectory: StateDirectory(root: stateDirectory), cgroupRoot: cgroupRoot,
                cgroupDriver: cgroupDriver, restartBackoffSeconds: restartBackoff,
                network: network == .none ? nil : PodNetworkOptions(bridge: bridge, cidr: podCIDR),
                supervisorCommand: [Self.ownExecutable(), "testpod", "supervise"]))
    }

    /// The path of the running kspy binary (/proc/self/exe).
    static func ownExecutable() -> String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }
}

extension CgroupDriver: ExpressibleByArgument {}
