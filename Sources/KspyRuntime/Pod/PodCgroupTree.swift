import KspyKernel

/// The cgroups of one test pod across every mounted hierarchy: kubelet's levels
/// (root, QoS, pod), the sandbox's and each container's. Limits go where kubelet and
/// runc put them: the pod level gets ResourceConfigForPod, each container its own.
struct PodCgroupTree {
    /// The kubelet-shaped paths.
    let paths: PodCgroupPaths
    /// The hierarchies the cgroups are made in (every v1 hierarchy and the v2 mount).
    let hierarchies: [CgroupHierarchy]
    /// The sandbox (pause) cgroup path.
    let sandboxPath: String

    /// The tree of the pod `state` describes, on the hierarchies mounted now.
    init(state: PodState) throws {
        guard let qos = QoSClass(rawValue: state.qosClass) else {
            throw RuntimeError.corruptState(path: state.stateDirectory, reason: "unknown QoS class \(state.qosClass)")
        }
        paths = PodCgroupPaths(
            rootComponents: state.cgroupRoot.split(separator: "/").map(String.init), qos: qos, uid: state.uid,
            driver: state.cgroupDriver)
        hierarchies = try CgroupSystem.current().hierarchies
        sandboxPath = state.pauseCgroupPath
    }

    /// The pod cgroup.
    var pod: Cgroup { get throws { try Cgroup(path: paths.pod, hierarchies: hierarchies) } }

    /// The sandbox (pause) cgroup.
    var sandbox: Cgroup { get throws { try Cgroup(path: sandboxPath, hierarchies: hierarchies) } }

    /// The cgroup at `path` (a container's).
    func container(path: String) throws -> Cgroup { try Cgroup(path: path, hierarchies: hierarchies) }

    /// Creates the QoS levels (BestEffort's with cpu.shares 2, as kubelet's QoS
    /// manager) and the pod cgroup with the pod-level values of `manifest`.
    func createPod(manifest: PodManifest) throws {
        for path in paths.ancestors {
            let level = try Cgroup(path: path, hierarchies: hierarchies)
            try level.create()
            if path.hasSuffix("besteffort") || path.hasSuffix("besteffort.slice") {
                try level.apply(CgroupLimits(cpuShares: 2))
            }
        }
        let pod = try self.pod
        try pod.create()
        try pod.apply(CgroupResourceValues.forPod(manifest).limits)
    }

    /// Kills whatever still runs in the pod's cgroups, removes them, then the QoS and
    /// root levels that are left empty (shared with other pods otherwise).
    func removePod() throws {
        let pod = try self.pod
        try pod.killAll()
        try pod.remove(recursive: true)
        for path in paths.ancestors.reversed() {
            // EBUSY while another pod still uses the level: it stays.
            try? Cgroup(path: path, hierarchies: hierarchies).remove(busyRetrySeconds: 0)
        }
    }
}
