import KspyKernel

/// Builds the `kspy pod` view of one discovered pod by reading, per part, the kernel
/// state behind it: cgroupfs for limits and usage, rtnetlink in the pause's network
/// namespace, each container's mountinfo, status, LSM label and oom_score_adj.
/// Parts that cannot be read (process gone meanwhile, no privilege) stay null.
public struct PodViewBuilder: Sendable {
    /// Where procfs is mounted.
    public var procRoot: String

    /// A builder over the procfs at `procRoot`.
    public init(procRoot: String = "/proc") {
        self.procRoot = procRoot
    }

    /// The view of `pod` as `snapshot` found it.
    public func view(of pod: DiscoveredPod, in snapshot: NodeSnapshot) -> PodView {
        let procfs = Procfs(procRoot: procRoot)
        let system = try? CgroupSystem.current(procRoot: procRoot)
        let pausePID = pod.pausePID
        let pauseRecord = pausePID.flatMap { snapshot.process(pid: $0) }
        let parent = pauseRecord.flatMap { snapshot.process(pid: $0.ppid) }
        let pause = PauseView(
            pid: pausePID, containerID: pod.sandbox?.id, parentPID: pauseRecord?.ppid, parentComm: parent?.comm)

        // Namespaces of the pause, and which containers share each.
        var namespaces: [String: PodNamespaceView] = [:]
        if let pauseNamespaces = pauseRecord?.namespaces {
            for (kind, id) in pauseNamespaces {
                let sharing = pod.containers.filter { container in
                    container.initPID.flatMap { snapshot.process(pid: $0) }?.namespaces[kind] == id
                }.map { $0.name ?? $0.id }
                namespaces[kind.rawValue] = PodNamespaceView(inode: id.inode, sharedBy: sharing)
            }
        }

        var network: PodNetworkView?
        var networkProblem: String?
        if let pausePID {
            do {
                let host = PodNetworkReader.hostNamespace(procRoot: procRoot)
                network = try PodNetworkReader(procRoot: procRoot).read(pausePID: pausePID, hostNamespace: host)
            } catch {
                networkProblem = "\(error)"
            }
        } else {
            networkProblem = "no pause process found"
        }

        let hostMounts = (try? procfs.mountInfo(pid: 1)) ?? (try? MountInfo.read(pid: nil, procRoot: procRoot)) ?? []
        let resolver = VolumeMountResolver(hostMounts: hostMounts)
        let containers = pod.containers.map { container in
            containerView(
                container, pod: pod, pauseNamespaces: pauseRecord?.namespaces, snapshot: snapshot, procfs: procfs,
                system: system, resolver: resolver)
        }
        return PodView(
            uid: pod.uid, name: pod.identity?.name, namespace: pod.identity?.namespace,
            qosClass: pod.qosClass.rawValue, runtime: pod.runtime.rawValue, sandboxID: pod.sandbox?.id,
            isStatic: pod.isStatic, pause: pause, namespaces: namespaces,
            cgroup: CgroupView(path: pod.cgroupPath, version: pod.cgroupVersion, driver: pod.driver, system: system),
            network: network, networkProblem: networkProblem, containers: containers)
    }

    private func containerView(
        _ container: DiscoveredContainer, pod: DiscoveredPod, pauseNamespaces: [NamespaceKind: NamespaceID]?,
        snapshot: NodeSnapshot, procfs: Procfs, system: CgroupSystem?, resolver: VolumeMountResolver
    ) -> ContainerView {
        var namespaces: [String: NamespaceMembership] = [:]
        var security: ContainerSecurity?
        var oomScoreAdj: Int?
        var rootfs: ContainerRootfs?
        var mounts: [VolumeMountView] = []
        if let pid = container.initPID {
            for (kind, id) in snapshot.process(pid: pid)?.namespaces ?? [:] {
                namespaces[kind.rawValue] = NamespaceMembership(
                    inode: id.inode, sharedWithPause: pauseNamespaces.map { $0[kind] == id })
            }
            security = ContainerSecurity(pid: pid, procfs: procfs)
            oomScoreAdj = try? procfs.oomScoreAdj(pid: pid)
            if let table = try? procfs.mountInfo(pid: pid) {
                rootfs = table.last { $0.mountPoint == "/" }.map(ContainerRootfs.init(root:))
                mounts = resolver.volumeMounts(of: table, podUID: pod.uid)
            }
        }
        return ContainerView(
            name: container.name, id: container.id, state: container.state, pids: container.pids,
            initPID: container.initPID, cgroupPath: container.cgroupPath, namespaces: namespaces,
            limits: container.cgroupPath.map {
                CgroupView(path: $0, version: pod.cgroupVersion, driver: pod.driver, system: system)
            },
            security: security, oomScoreAdj: oomScoreAdj, rootfs: rootfs, mounts: mounts)
    }
}
