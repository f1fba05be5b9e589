import CKspyShim
import Glibc

/// The caller's mount table read as records with listmount(2) and statmount(2) (Linux
/// 6.8; used from 6.15, which says which fields it knows) instead of formatting and
/// parsing `/proc/self/mountinfo`: the kernel spends about 0.2 ms printing mountinfo for
/// a fresh process on a node with a few dozen mounts, where the records of the few
/// mounts wanted cost a fraction of that.
/// Mounts are picked by their superblock's magic number first (`sb_magic`, statfs(2)),
/// so only those are read in full.
public enum MountListing {
    /// cgroup v1 (`CGROUP_SUPER_MAGIC`).
    public static let cgroupMagic: UInt64 = 0x27e0eb
    /// cgroup v2 (`CGROUP2_SUPER_MAGIC`).
    public static let cgroup2Magic: UInt64 = 0x6367_7270

    /// The mounts whose filesystem has one of `magics` (nil: every mount), as mountinfo would show them
    /// (`MountInfoEntry`, strings already unescaped), in mount ID order. Nil when this
    /// kernel cannot list mounts this way (before 6.8: ENOSYS; a seccomp filter: EPERM;
    /// before 6.15 it does not say which fields it knows) or a mount's record comes back
    /// incomplete: read mountinfo then.
    public static func entries(superMagics magics: [UInt64]?) -> [MountInfoEntry]? {
        guard let ids = mountIDs() else { return nil }
        let raw = UnsafeMutableRawPointer.allocate(byteCount: bufferSize, alignment: 8)
        defer { raw.deallocate() }
        let result = raw.bindMemory(to: kspy_statmount.self, capacity: 1)
        var entries: [MountInfoEntry] = []
        // An empty string leaves its bit out of the result, as an unknown request bit
        // does: only a kernel that reports the bits it knows (6.15) and knows them all
        // is read this way.
        var checked = false
        for id in ids {
            let basic = UInt64(KSPY_STATMOUNT_SB_BASIC) | (checked ? 0 : UInt64(KSPY_STATMOUNT_SUPPORTED_MASK))
            if kspy_statmount(id, basic, result, bufferSize) != 0 {
                if errno == ENOENT { continue }  // unmounted since the listing
                return nil
            }
            if !checked {
                guard result.pointee.mask & UInt64(KSPY_STATMOUNT_SUPPORTED_MASK) != 0,
                    result.pointee.supported_mask & everything == everything
                else { return nil }
                checked = true
            }
            if let magics, !magics.contains(result.pointee.sb_magic) { continue }
            if kspy_statmount(id, everything, result, bufferSize) != 0 {
                if errno == ENOENT { continue }
                return nil
            }
            // Outside the caller's root (a chroot) mountinfo does not list a mount and
            // statmount has no path for it.
            guard let point = string(result, KSPY_STATMOUNT_MNT_POINT, result.pointee.mnt_point), point.hasPrefix("/")
            else { continue }
            guard let entry = entry(result, mountPoint: point) else { return nil }
            entries.append(entry)
        }
        return entries
    }

    /// Everything a mountinfo line shows.
    private static let everything = UInt64(
        KSPY_STATMOUNT_SB_BASIC | KSPY_STATMOUNT_MNT_BASIC | KSPY_STATMOUNT_PROPAGATE_FROM | KSPY_STATMOUNT_MNT_ROOT
            | KSPY_STATMOUNT_MNT_POINT | KSPY_STATMOUNT_FS_TYPE | KSPY_STATMOUNT_MNT_OPTS | KSPY_STATMOUNT_SB_SOURCE)

    /// statmount's result buffer: the fixed record (512 bytes) and its strings.
    private static let bufferSize = 16 * 1024

    /// Every unique mount ID of the caller's mount namespace, ascending.
    private static func mountIDs() -> [UInt64]? {
        var ids: [UInt64] = []
        var chunk = [UInt64](repeating: 0, count: 256)
        while true {
            let count = chunk.withUnsafeMutableBufferPointer { kspy_listmount(ids.last ?? 0, $0.baseAddress, $0.count) }
            if count < 0 { return nil }
            ids.append(contentsOf: chunk[0..<count])
            if count < chunk.count { return ids }
        }
    }

    /// The string field at `offset` of `result` when the kernel filled it (`flag`).
    private static func string(_ result: UnsafePointer<kspy_statmount>, _ flag: UInt32, _ offset: UInt32) -> String? {
        kspy_statmount_string(result, bufferSize, UInt64(flag), offset).map { String(cString: $0) }
    }

    /// The mountinfo line's fields from a full record; nil when a field the kernel
    /// always fills for a mount is missing.
    private static func entry(_ result: UnsafePointer<kspy_statmount>, mountPoint: String) -> MountInfoEntry? {
        let record = result.pointee
        guard let root = string(result, KSPY_STATMOUNT_MNT_ROOT, record.mnt_root),
            let fsType = string(result, KSPY_STATMOUNT_FS_TYPE, record.fs_type)
        else { return nil }
        // show_mountinfo: "ro"/"rw" of the superblock, its sync flags, then the
        // filesystem's own options (statmount gives those without the leading comma).
        var superOptions = [record.sb_flags & superblockReadOnly != 0 ? "ro" : "rw"]
        for (flag, name) in superblockFlagNames where record.sb_flags & flag != 0 { superOptions.append(name) }
        if let options = string(result, KSPY_STATMOUNT_MNT_OPTS, record.mnt_opts), !options.isEmpty {
            superOptions += options.split(separator: ",").map(String.init)
        }
        return MountInfoEntry(
            mountID: Int(record.mnt_id_old), parentID: Int(record.mnt_parent_id_old), major: record.sb_dev_major,
            minor: record.sb_dev_minor, root: root, mountPoint: mountPoint, mountOptions: mountOptions(record.mnt_attr),
            optionalFields: optionalFields(record), fsType: fsType,
            source: string(result, KSPY_STATMOUNT_SB_SOURCE, record.sb_source) ?? "none", superOptions: superOptions)
    }

    private static let superblockReadOnly: UInt32 = 1  // SB_RDONLY
    /// SB_SYNCHRONOUS, SB_DIRSYNC, SB_LAZYTIME as show_sb_opts names them.
    private static let superblockFlagNames: [(UInt32, String)] = [(16, "sync"), (128, "dirsync"), (1 << 25, "lazytime")]

    /// The per-mount options mountinfo prints (show_mnt_opts) from `MOUNT_ATTR_*` bits.
    public static func mountOptions(_ attributes: UInt64) -> [String] {
        var options = [attributes & 0x1 != 0 ? "ro" : "rw"]  // MOUNT_ATTR_RDONLY
        if attributes & 0x2 != 0 { options.append("nosuid") }
        if attributes & 0x4 != 0 { options.append("nodev") }
        if attributes & 0x8 != 0 { options.append("noexec") }
        let atime = attributes & 0x70  // MOUNT_ATTR__ATIME: relatime 0, noatime 0x10, strictatime 0x20
        if atime == 0x10 { options.append("noatime") }
        if attributes & 0x80 != 0 { options.append("nodiratime") }
        if atime == 0 { options.append("relatime") }
        if attributes & 0x20_0000 != 0 { options.append("nosymfollow") }
        if attributes & 0x10_0000 != 0 { options.append("idmapped") }
        return options
    }

    /// The optional fields (`shared:N`, `master:N`, `propagate_from:N`, `unbindable`).
    private static func optionalFields(_ record: kspy_statmount) -> [String] {
        var fields: [String] = []
        if record.mnt_propagation & UInt64(MS_SHARED) != 0 { fields.append("shared:\(record.mnt_peer_group)") }
        if record.mnt_propagation & UInt64(MS_SLAVE) != 0 {
            fields.append("master:\(record.mnt_master)")
            if record.propagate_from != 0, record.propagate_from != record.mnt_master {
                fields.append("propagate_from:\(record.propagate_from)")
            }
        }
        if record.mnt_propagation & UInt64(MS_UNBINDABLE) != 0 { fields.append("unbindable") }
        return fields
    }
}
