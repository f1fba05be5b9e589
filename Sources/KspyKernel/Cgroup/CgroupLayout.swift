/// How a host arranges its cgroup hierarchies, as systemd names the modes
/// (systemd.io "The New Control Group APIs" / cgroups(7)): decided from the mounts
/// visible in mountinfo, never from fixed paths.
public enum CgroupLayout: String, Hashable, Codable, Sendable {
    /// Only cgroup v1 hierarchies (controllers and possibly named hierarchies).
    case v1
    /// Unified: one cgroup2 mount holds the controllers; no v1 hierarchy carries a
    /// controller (a named v1 hierarchy such as `name=systemd` may still exist).
    case v2
    /// v1 controller hierarchies plus a cgroup2 mount (on systemd hosts at
    /// `/sys/fs/cgroup/unified`, usually without controllers).
    case hybrid
    /// No cgroup filesystem is mounted in the reader's mount namespace.
    case none
}
