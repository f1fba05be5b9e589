/// The container runtime (or engine) that owns a container, as far as kspy can tell it
/// from a cgroup leaf prefix or from the metadata store that knows the container
/// (runtimes.md §2.2 and §3).
public enum ContainerRuntimeKind: String, Hashable, Sendable, CaseIterable {
    /// containerd's CRI plugin: leaf `cri-containerd-<id>.scope`; bundles under
    /// `/run/containerd/io.containerd.runtime.v2.task/k8s.io/` (§2.2, §3.1).
    case containerd
    /// CRI-O: leaf `crio-<id>` or `crio-<id>.scope`; specs under
    /// `…/containers/storage/overlay-containers/` (§2.2, §3.2).
    case crio
    /// Docker through cri-dockerd: leaf `docker-<id>.scope`;
    /// `/var/lib/docker/containers/<id>/config.v2.json` (§2.2, §3.3).
    case docker
    /// Podman: leaf `libpod-<id>.scope` (§2.2, §3.4).
    case podman
    /// kspy's own test pods: systemd leaf `kspy-<id>.scope` (§2.2, "kspy test pods").
    case kspy
    /// Not identifiable from the available facts (e.g. a bare 64-hex cgroupfs leaf,
    /// which containerd, cri-dockerd and kspy all use).
    case unknown
}
