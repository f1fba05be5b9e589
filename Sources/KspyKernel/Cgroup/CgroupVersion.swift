/// The interface version of a cgroup hierarchy (cgroups(7), "CGROUPS VERSION 1 AND
/// VERSION 2"): v1 is the `cgroup` filesystem, one hierarchy per mounted set of
/// controllers; v2 is the `cgroup2` filesystem, a single unified hierarchy.
public enum CgroupVersion: String, Hashable, Codable, Sendable {
    /// cgroup v1 (`cgroup` filesystem type).
    case v1
    /// cgroup v2 (`cgroup2` filesystem type).
    case v2
}
