import Glibc

/// A cgroup opened for a new process to enter before it runs anything
/// (`SpawnRequest.joinCgroup`), in the ways that are cheap for the kernel:
/// - the v2 hierarchy's directory, which `clone3(CLONE_INTO_CGROUP)` starts the child
///   in (where the clone cannot, the child writes `0` to its `cgroup.procs`);
/// - each v1 hierarchy's `tasks` file, which the child writes `0` to. That moves the
///   writing thread, and a freshly cloned child is its process's only thread.
///
/// Writing to a `cgroup.procs` instead (what `Cgroup.addProcess(pid:)` does) takes the
/// kernel's global threadgroup lock for writing, and the first writer after a quiet
/// spell waits for an RCU grace period: 11 ms per write, median, on the test host.
/// Neither a `tasks` write of the writer itself nor CLONE_INTO_CGROUP takes that lock.
public struct CgroupJoin: Sendable {
    /// The cgroup's v2 directory, opened `O_RDONLY|O_DIRECTORY`, or nil.
    public let unifiedDirectory: Int32?
    /// The cgroup's v1 `tasks` files, opened for writing.
    public let taskFiles: [Int32]

    /// Closes every descriptor.
    public func close() {
        if let unifiedDirectory { Glibc.close(unifiedDirectory) }
        for fd in taskFiles { Glibc.close(fd) }
    }

    /// How many hierarchies the process enters.
    public var hierarchyCount: Int { taskFiles.count + (unifiedDirectory == nil ? 0 : 1) }
}

extension Cgroup {
    /// This cgroup opened for a new process to enter in every one of its hierarchies
    /// (close-on-exec; see `CgroupJoin`). With `skippingMissing`, hierarchies where the
    /// cgroup does not exist are left out. The caller closes it.
    /// - Throws: `KernelError` for the first file that cannot be opened (nothing stays open).
    public func openForJoining(skippingMissing: Bool = false) throws(KernelError) -> CgroupJoin {
        var unified: Int32?
        var tasks: [Int32] = []
        for hierarchy in hierarchies {
            let isUnified = hierarchy.version == .v2
            if isUnified && unified != nil { continue }  // the one v2 hierarchy, mounted twice
            let path = isUnified ? directory(in: hierarchy) : directory(in: hierarchy) + "/tasks"
            let fd = isUnified ? open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : open(path, O_WRONLY | O_CLOEXEC)
            if fd < 0 && skippingMissing && errno == ENOENT { continue }
            if fd < 0 {
                let error = KernelError.fromErrno("open", path)
                CgroupJoin(unifiedDirectory: unified, taskFiles: tasks).close()
                throw error
            }
            if isUnified { unified = fd } else { tasks.append(fd) }
        }
        return CgroupJoin(unifiedDirectory: unified, taskFiles: tasks)
    }
}
