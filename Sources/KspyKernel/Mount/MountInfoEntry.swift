/// One line of `/proc/<pid>/mountinfo` (proc(5), "/proc/pid/mountinfo"): a mount as
/// the reading process's mount namespace sees it. Text fields are already unescaped
/// (the kernel writes space, tab, newline and backslash as `\040`, `\011`, `\012`,
/// `\134`).
public struct MountInfoEntry: Hashable, Sendable {
    /// (1) Unique ID of the mount (may be reused after umount(2)).
    public var mountID: Int
    /// (2) ID of the parent mount (itself for the root of the namespace's tree).
    public var parentID: Int
    /// (3) Major device number of the filesystem (`st_dev` of files on it).
    public var major: UInt32
    /// (3) Minor device number of the filesystem.
    public var minor: UInt32
    /// (4) The directory of the filesystem that forms the root of this mount (`/` for a
    /// whole filesystem; a subdirectory for bind mounts; for cgroupfs, relative to the
    /// reader's cgroup namespace root, cgroup_namespaces(7)).
    public var root: String
    /// (5) Where it is mounted, relative to the reading process's root directory.
    public var mountPoint: String
    /// (6) Per-mount options (`rw`, `ro`, `nosuid`, `relatime`, …).
    public var mountOptions: [String]
    /// (7) Optional fields such as `shared:12`, `master:3`, `propagate_from:2`,
    /// `unbindable` (mount_namespaces(7)).
    public var optionalFields: [String]
    /// (9) Filesystem type, e.g. `ext4`, `cgroup`, `cgroup2`, `fuse.sshfs`.
    public var fsType: String
    /// (10) Filesystem-specific source, e.g. `/dev/vda`, `overlay`, `cgroup`.
    public var source: String
    /// (11) Per-superblock options (for cgroup v1 these name the controllers).
    public var superOptions: [String]

    /// Creates an entry from its fields.
    public init(
        mountID: Int, parentID: Int, major: UInt32, minor: UInt32, root: String, mountPoint: String,
        mountOptions: [String], optionalFields: [String], fsType: String, source: String,
        superOptions: [String]
    ) {
        self.mountID = mountID
        self.parentID = parentID
        self.major = major
        self.minor = minor
        self.root = root
        self.mountPoint = mountPoint
        self.mountOptions = mountOptions
        self.optionalFields = optionalFields
        self.fsType = fsType
        self.source = source
        self.superOptions = superOptions
    }

    /// True when the mount itself is read-only (`ro` in the per-mount options; a
    /// read-only superblock shows `ro` in the super options as well).
    public var isReadOnly: Bool { mountOptions.contains("ro") }

    /// The propagation state decoded from the optional fields (mount_namespaces(7)).
    public var propagation: MountInfoPropagation { MountInfoPropagation(optionalFields: optionalFields) }

    /// The value of a `key=value` super option (e.g. `"name"` gives `systemd` for a
    /// named cgroup v1 hierarchy), or nil when absent.
    public func superOption(_ key: String) -> String? {
        let prefix = key + "="
        for option in superOptions where option.hasPrefix(prefix) {
            return String(option.dropFirst(prefix.count))
        }
        return nil
    }
}
