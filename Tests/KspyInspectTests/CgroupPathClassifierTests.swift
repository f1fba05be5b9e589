import KspyInspect
import KspyKernel
import Testing

/// Table-driven checks of `CgroupPathClassifier` against the path shapes of
/// runtimes.md §2 (kubelet pod cgroups, runtime leaves, nesting, cgroup namespaces).
struct CgroupPathClassifierTests {
    static let uid = "1f2e3d4c-5b6a-4978-8695-a4b3c2d1e0f9"
    static let uidEscaped = "1f2e3d4c_5b6a_4978_8695_a4b3c2d1e0f9"
    static let id = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
    static let staticUID = "6d2d0b0f4e0a3d2b9c8a7f6e5d4c3b2a"

    struct Case: CustomTestStringConvertible, Sendable {
        var label: String
        var path: String
        var expected: CgroupAttribution?
        var testDescription: String { label }
    }

    static func attribution(
        _ qos: PodQoSClass, uid: String = uid, id: String? = id, _ runtime: ContainerRuntimeKind,
        _ driver: CgroupPathDriver, pod: String
    ) -> CgroupAttribution {
        CgroupAttribution(
            qosClass: qos, podUID: uid, containerID: id, runtimeHint: runtime, driver: driver, podCgroupPath: pod)
    }

    static let positives: [Case] = {
        let u = uid, e = uidEscaped, i = id
        let burstableSlice = "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod\(e).slice"
        return [
            Case(
                label: "cgroupfs burstable containerd", path: "/kubepods/burstable/pod\(u)/\(i)",
                expected: attribution(.burstable, .unknown, .cgroupfs, pod: "/kubepods/burstable/pod\(u)")),
            Case(
                label: "cgroupfs besteffort", path: "/kubepods/besteffort/pod\(u)/\(i)",
                expected: attribution(.bestEffort, .unknown, .cgroupfs, pod: "/kubepods/besteffort/pod\(u)")),
            Case(
                label: "cgroupfs guaranteed", path: "/kubepods/pod\(u)/\(i)",
                expected: attribution(.guaranteed, .unknown, .cgroupfs, pod: "/kubepods/pod\(u)")),
            Case(
                label: "cgroupfs static pod UID", path: "/kubepods/burstable/pod\(staticUID)/\(i)",
                expected: attribution(
                    .burstable, uid: staticUID, .unknown, .cgroupfs, pod: "/kubepods/burstable/pod\(staticUID)")),
            Case(
                label: "cgroupfs pod cgroup itself", path: "/kubepods/burstable/pod\(u)",
                expected: attribution(.burstable, id: nil, .unknown, .cgroupfs, pod: "/kubepods/burstable/pod\(u)")),
            Case(
                label: "cgroupfs crio leaf", path: "/kubepods/burstable/pod\(u)/crio-\(i)",
                expected: attribution(.burstable, .crio, .cgroupfs, pod: "/kubepods/burstable/pod\(u)")),
            Case(
                label: "systemd burstable containerd", path: burstableSlice + "/cri-containerd-\(i).scope",
                expected: attribution(.burstable, .containerd, .systemd, pod: burstableSlice)),
            Case(
                label: "systemd besteffort crio",
                path: "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod\(e).slice/crio-\(i).scope",
                expected: attribution(
                    .bestEffort, .crio, .systemd,
                    pod: "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod\(e).slice")),
            Case(
                label: "systemd guaranteed", path: "/kubepods.slice/kubepods-pod\(e).slice/cri-containerd-\(i).scope",
                expected: attribution(
                    .guaranteed, .containerd, .systemd, pod: "/kubepods.slice/kubepods-pod\(e).slice")),
            Case(
                label: "systemd pod slice itself", path: burstableSlice,
                expected: attribution(.burstable, id: nil, .unknown, .systemd, pod: burstableSlice)),
            Case(
                label: "systemd docker (cri-dockerd)", path: burstableSlice + "/docker-\(i).scope",
                expected: attribution(.burstable, .docker, .systemd, pod: burstableSlice)),
            Case(
                label: "systemd podman", path: burstableSlice + "/libpod-\(i).scope",
                expected: attribution(.burstable, .podman, .systemd, pod: burstableSlice)),
            Case(
                label: "crun container sub-cgroup", path: burstableSlice + "/crio-\(i).scope/container",
                expected: attribution(.burstable, .crio, .systemd, pod: burstableSlice)),
            Case(
                label: "crun sub-cgroup under libpod", path: burstableSlice + "/libpod-\(i).scope/container",
                expected: attribution(.burstable, .podman, .systemd, pod: burstableSlice)),
            Case(
                label: "kind nested root",
                path: "/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-besteffort.slice/"
                    + "kubelet-kubepods-besteffort-pod\(e).slice/cri-containerd-\(i).scope",
                expected: attribution(
                    .bestEffort, .containerd, .systemd,
                    pod: "/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-besteffort.slice/"
                        + "kubelet-kubepods-besteffort-pod\(e).slice")),
            Case(
                label: "kind seen from the host",
                path: "/system.slice/docker-\(i).scope/kubelet.slice/kubelet-kubepods.slice/"
                    + "kubelet-kubepods-pod\(e).slice/cri-containerd-\(i).scope",
                expected: attribution(
                    .guaranteed, .containerd, .systemd,
                    pod: "/system.slice/docker-\(i).scope/kubelet.slice/kubelet-kubepods.slice/"
                        + "kubelet-kubepods-pod\(e).slice")),
            Case(
                label: "cgroup namespace systemd",
                path: "/../../kubepods-burstable-pod\(e).slice/cri-containerd-\(i).scope",
                expected: attribution(
                    .burstable, .containerd, .systemd, pod: "/../../kubepods-burstable-pod\(e).slice")),
            Case(
                label: "cgroup namespace cgroupfs", path: "/../../kubepods/burstable/pod\(u)/\(i)",
                expected: attribution(.burstable, .unknown, .cgroupfs, pod: "/../../kubepods/burstable/pod\(u)")),
            Case(
                label: "cgroup namespace above the QoS level", path: "/../besteffort/pod\(u)/\(i)",
                expected: attribution(.bestEffort, .unknown, .cgroupfs, pod: "/../besteffort/pod\(u)")),
            Case(
                label: "kspy cgroupfs test root", path: "/kspy-test-ab12/kubepods/burstable/pod\(u)/\(i)",
                expected: attribution(
                    .burstable, .unknown, .cgroupfs, pod: "/kspy-test-ab12/kubepods/burstable/pod\(u)")),
            Case(
                label: "kspy systemd test root",
                path: "/kspy_test_ab12.slice/kspy_test_ab12-kubepods.slice/kspy_test_ab12-kubepods-burstable.slice/"
                    + "kspy_test_ab12-kubepods-burstable-pod\(e).slice/kspy-\(i).scope",
                expected: attribution(
                    .burstable, .kspy, .systemd,
                    pod: "/kspy_test_ab12.slice/kspy_test_ab12-kubepods.slice/kspy_test_ab12-kubepods-burstable.slice/"
                        + "kspy_test_ab12-kubepods-burstable-pod\(e).slice")),
            Case(
                label: "kspy systemd guaranteed", path: "/kubepods.slice/kubepods-pod\(e).slice/kspy-\(i).scope",
                expected: attribution(.guaranteed, .kspy, .systemd, pod: "/kubepods.slice/kubepods-pod\(e).slice")),
            Case(
                label: "unrecognised leaf keeps the pod", path: "/kubepods/burstable/pod\(u)/something",
                expected: attribution(.burstable, id: nil, .unknown, .cgroupfs, pod: "/kubepods/burstable/pod\(u)")),
            Case(
                label: "duplicate slashes and trailing slash", path: "//kubepods//pod\(u)/\(i)/",
                expected: attribution(.guaranteed, .unknown, .cgroupfs, pod: "/kubepods/pod\(u)")),
        ]
    }()

    static let negatives: [Case] = {
        let u = uid, e = uidEscaped, i = id
        let slice = "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod\(e).slice"
        return [
            Case(label: "root", path: "/", expected: nil),
            Case(label: "empty", path: "", expected: nil),
            Case(label: "host service", path: "/system.slice/containerd.service", expected: nil),
            Case(label: "user session", path: "/user.slice/user-1000.slice/session-3.scope", expected: nil),
            Case(label: "standalone docker", path: "/system.slice/docker-\(i).scope", expected: nil),
            Case(label: "standalone docker cgroupfs", path: "/docker/\(i)", expected: nil),
            Case(label: "podman machine.slice", path: "/machine.slice/libpod-\(i).scope", expected: nil),
            Case(label: "kubepods root only", path: "/kubepods.slice", expected: nil),
            Case(label: "QoS level only", path: "/kubepods/burstable", expected: nil),
            Case(label: "crio conmon", path: slice + "/crio-conmon-\(i).scope", expected: nil),
            Case(label: "libpod conmon", path: slice + "/libpod-conmon-\(i).scope", expected: nil),
            Case(label: "mount unit", path: slice + "/run-containerd-\(i)-rootfs.mount", expected: nil),
            Case(label: "kata VMM", path: "/kubepods/burstable/pod\(u)/kata_\(i)", expected: nil),
            Case(label: "pod without kubepods parent", path: "/other/pod\(u)/\(i)", expected: nil),
            Case(label: "unknown QoS level", path: "/kubepods/silver/pod\(u)/\(i)", expected: nil),
            Case(label: "podman look-alike", path: "/kubepods/podman/\(i)", expected: nil),
            Case(label: "systemd look-alike", path: "/machine.slice/machine-pod\(e).slice/\(i)", expected: nil),
            Case(label: "systemd QoS without kubepods", path: "/x.slice/x-burstable-pod\(e).slice", expected: nil),
        ]
    }()

    @Test("pod paths are attributed", arguments: positives)
    func positive(_ item: Case) {
        let result = CgroupPathClassifier.classify(item.path)
        var withoutLeaf = result
        withoutLeaf?.containerLeaf = nil
        #expect(withoutLeaf == item.expected)
        // The container cgroup is the pod cgroup plus the component right below it.
        if let result, let expected = item.expected, expected.containerID != nil {
            let podDepth = expected.podCgroupPath.split(separator: "/").count
            let leaf = item.path.split(separator: "/")[podDepth]
            #expect(result.containerCgroupPath == expected.podCgroupPath + "/" + leaf)
        } else {
            #expect(result?.containerCgroupPath == nil)
        }
    }

    @Test("non-pod paths are not attributed", arguments: negatives)
    func negative(_ item: Case) {
        #expect(CgroupPathClassifier.classify(item.path) == nil)
    }

    @Test func upperCaseOrShortBareLeafIsNotAContainerID() {
        let short = CgroupPathClassifier.classify("/kubepods/pod\(Self.uid)/abc123")
        #expect(short?.containerID == nil)
        #expect(short?.runtimeHint == .unknown)
        let upper = CgroupPathClassifier.classify("/kubepods/pod\(Self.uid)/\(Self.id.uppercased())")
        #expect(upper?.containerID == nil)
    }

    // MARK: - Choosing the line

    @Test func hybridPrefersMemoryLine() {
        let text = """
            12:cpuset:/
            11:cpu:/kubepods/besteffort/pod\(Self.uid)/\(Self.id)
            7:memory:/kubepods/burstable/pod\(Self.uid)/\(Self.id)
            1:name=systemd:/system.slice/containerd.service
            0::/system.slice/containerd.service
            """
        let entries = ProcessCgroupEntry.parse(text)
        #expect(CgroupPathClassifier.preferredOrder(entries).map(\.hierarchyID) == [7, 11, 0, 12, 1])
        #expect(CgroupPathClassifier.entryToClassify(entries)?.hierarchyID == 7)
        #expect(CgroupPathClassifier.classify(entries: entries)?.qosClass == .burstable)
    }

    @Test func cpuLineWhenMemoryIsNotKubelets() {
        let text = """
            9:memory:/
            4:cpu,cpuacct:/kubepods/pod\(Self.uid)/\(Self.id)
            0::/
            """
        let entries = ProcessCgroupEntry.parse(text)
        #expect(CgroupPathClassifier.entryToClassify(entries)?.hierarchyID == 4)
        #expect(CgroupPathClassifier.classify(entries: entries)?.qosClass == .guaranteed)
    }

    @Test func unifiedLineOnV2() {
        let path = "/kubepods.slice/kubepods-pod\(Self.uidEscaped).slice/cri-containerd-\(Self.id).scope"
        let entries = ProcessCgroupEntry.parse("0::\(path)\n")
        #expect(CgroupPathClassifier.entryToClassify(entries)?.path == path)
        #expect(CgroupPathClassifier.classify(entries: entries)?.podUID == Self.uid)
    }

    @Test func fallsBackToAnyLineThatClassifies() {
        let text = """
            5:memory:/
            3:pids:/kubepods/besteffort/pod\(Self.uid)/crio-\(Self.id)
            0::/
            """
        let entries = ProcessCgroupEntry.parse(text)
        #expect(CgroupPathClassifier.entryToClassify(entries)?.hierarchyID == 3)
        #expect(CgroupPathClassifier.classify(entries: entries)?.runtimeHint == .crio)
    }

    @Test func hostProcessHasNoLine() {
        let entries = ProcessCgroupEntry.parse("0::/init.scope\n")
        #expect(CgroupPathClassifier.entryToClassify(entries) == nil)
        #expect(CgroupPathClassifier.classify(entries: entries) == nil)
        #expect(CgroupPathClassifier.classify(entries: []) == nil)
    }
}
