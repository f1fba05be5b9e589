/// Settings of the test-pod runtime that are not in the manifest.
public struct TestPodOptions: Sendable {
    /// Where pod state lives (default `/run/kspy`).
    public var stateDirectory: StateDirectory
    /// Root of the kubelet-style cgroup tree, as `/`-separated components (default
    /// `kubepods`). On a node where kubelet runs, use another root: kubelet removes pod
    /// cgroups under its own root that it does not know.
    public var cgroupRoot: String
    /// kubelet cgroup driver whose naming to use.
    public var cgroupDriver: CgroupDriver
    /// First restart back-off in seconds (kubelet: 10 s, doubling, capped at 300 s).
    public var restartBackoffSeconds: Double
    /// The node network for pods (nil: pods get only `lo`, like `--network none`).
    public var network: PodNetworkOptions?
    /// The command that runs a pod's supervisor: the kspy binary and the hidden
    /// subcommand, to which `--state-dir DIR --uid UID` is appended.
    public var supervisorCommand: [String]

    /// Options with kubelet's defaults.
    public init(
        stateDirectory: StateDirectory = StateDirectory(), cgroupRoot: String = "kubepods",
        cgroupDriver: CgroupDriver = .cgroupfs, restartBackoffSeconds: Double = 10,
        network: PodNetworkOptions? = PodNetworkOptions(), supervisorCommand: [String]
    ) {
        self.network = network
        self.stateDirectory = stateDirectory
        self.cgroupRoot = cgroupRoot
        self.cgroupDriver = cgroupDriver
        self.restartBackoffSeconds = restartBackoffSeconds
        self.supervisorCommand = supervisorCommand
    }

    /// The root as name components (`/a/b/` → `["a", "b"]`).
    public var cgroupRootComponents: [String] {
        cgroupRoot.split(separator: "/").map(String.init)
    }
}
