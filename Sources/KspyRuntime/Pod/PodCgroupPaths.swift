/// The kubelet-shaped cgroup paths of one pod (relative to the hierarchy roots), for a
/// cgroup root, QoS class and driver (kubernetes pkg/kubelet/cm/pod_container_manager_linux.go):
/// Guaranteed pods sit directly under the root, Burstable and BestEffort under a QoS level.
public struct PodCgroupPaths: Equatable, Sendable {
    /// The driver the paths are named for.
    public let driver: CgroupDriver
    /// Name components of the pod cgroup (`["kubepods", "burstable", "pod<uid>"]`).
    public let podComponents: [String]

    /// Paths for pod `uid` of class `qos` under `rootComponents`.
    public init(rootComponents: [String], qos: QoSClass, uid: String, driver: CgroupDriver) {
        self.driver = driver
        var components = rootComponents
        if let level = qos.cgroupComponent { components.append(level) }
        components.append("pod" + uid)
        podComponents = components
    }

    /// The pod's cgroup: `/kubepods/burstable/pod<uid>` or the systemd slice path.
    public var pod: String { driver.path(of: podComponents) }

    /// The cgroups above the pod that kspy creates on demand, outermost first
    /// (`/kubepods`, `/kubepods/burstable`); shared by all pods, removed when empty.
    public var ancestors: [String] {
        (1..<podComponents.count).map { driver.path(of: Array(podComponents.prefix($0))) }
    }

    /// The cgroup of the container (or sandbox) with `id`.
    public func container(id: String) -> String {
        pod + "/" + driver.containerLeaf(id: id)
    }
}
