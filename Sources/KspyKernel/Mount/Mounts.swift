import CKspyShim
import Glibc

/// mount(2) and umount2(2) in kspy's own mount namespace. Mounts inside a container's
/// new mount namespace are made by the C shim between clone and exec (`SpawnMount`);
/// these are for what must be visible on the host, like a pod's tmpfs emptyDir that
/// several containers share (kubelet mounts it on the host the same way).
public enum Mounts {
    /// Mount propagation types (mount_namespaces(7)).
    public enum Propagation: Sendable {
        case `private`, slave, shared
        var flag: UInt {
            switch self {
            case .private: return UInt(MS_PRIVATE)
            case .slave: return UInt(MS_SLAVE)
            case .shared: return UInt(MS_SHARED)
            }
        }
    }

    /// Mounts a tmpfs at `target` with `options` (`size=…`, `mode=…`).
    public static func tmpfs(at target: String, options: String? = nil) throws(KernelError) {
        try mount(source: "tmpfs", target: target, type: "tmpfs", flags: UInt(MS_NOSUID | MS_NODEV), data: options)
    }

    /// Bind-mounts `source` at `target` (recursively), read-only when asked.
    public static func bind(_ source: String, at target: String, readOnly: Bool = false) throws(KernelError) {
        try mount(source: source, target: target, type: nil, flags: UInt(MS_BIND | MS_REC), data: nil)
        if readOnly {
            try mount(source: nil, target: target, type: nil, flags: UInt(MS_BIND | MS_REMOUNT | MS_RDONLY), data: nil)
        }
    }

    /// Mounts an overlay at `target` (overlayfs: lower read-only, upper and work on one fs).
    public static func overlay(lower: [String], upper: String, work: String, at target: String) throws(KernelError) {
        let options = "lowerdir=\(lower.joined(separator: ":")),upperdir=\(upper),workdir=\(work)"
        try mount(source: "overlay", target: target, type: "overlay", flags: 0, data: options)
    }

    /// Mounts procfs at `target` for the caller's PID namespace.
    public static func proc(at target: String) throws(KernelError) {
        try mount(source: "proc", target: target, type: "proc", flags: UInt(MS_NOSUID | MS_NODEV | MS_NOEXEC), data: nil)
    }

    /// Changes the propagation of the mount at `target` (recursively when `recursive`).
    public static func setPropagation(_ propagation: Propagation, of target: String, recursive: Bool = true)
        throws(KernelError)
    {
        let flags = propagation.flag | (recursive ? UInt(MS_REC) : 0)
        try mount(source: nil, target: target, type: nil, flags: flags, data: nil)
    }

    /// Unmounts `target`; `detach` uses MNT_DETACH (lazy). EINVAL (not a mount point)
    /// and ENOENT are not errors: the goal, nothing mounted there, holds.
    public static func unmount(_ target: String, detach: Bool = false) throws(KernelError) {
        if umount2(target, detach ? Int32(MNT_DETACH) : 0) != 0 {
            let e = errno
            if e == EINVAL || e == ENOENT { return }
            throw KernelError("umount", target, errno: e)
        }
    }

    /// pivot_root(2) to `newRoot`, putting the old root at `putOld`.
    public static func pivotRoot(_ newRoot: String, putOld: String) throws(KernelError) {
        if kspy_pivot_root(newRoot, putOld) != 0 { throw KernelError.fromErrno("pivot_root", newRoot) }
    }

    /// The raw mount(2) call.
    public static func mount(source: String?, target: String, type: String?, flags: UInt, data: String?)
        throws(KernelError)
    {
        if Glibc.mount(source, target, type, flags, data) != 0 {
            throw KernelError.fromErrno("mount \(type ?? (flags & UInt(MS_BIND) != 0 ? "bind" : "")) on", target)
        }
    }
}
