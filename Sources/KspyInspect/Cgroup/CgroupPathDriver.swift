/// Which kubelet cgroup driver named a pod cgroup, told from the path's shape
/// (runtimes.md §2.1): cgroupfs joins name components with `/`, systemd expands them
/// into nested `.slice` units (kubernetes `cgroup_manager_linux.go`, `ToCgroupfs` /
/// `ToSystemd`).
public enum CgroupPathDriver: String, Hashable, Sendable, CaseIterable {
    /// `/kubepods/burstable/pod<uid>`.
    case cgroupfs
    /// `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod<uid_>.slice`.
    case systemd
}
