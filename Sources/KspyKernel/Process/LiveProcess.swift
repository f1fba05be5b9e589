import Glibc

/// Opening a process that kspy recorded earlier (PID + start time) without being
/// fooled by PID reuse: open a pidfd first, then check that the process behind it
/// has the recorded start time (/proc/<pid>/stat field 22, clock ticks since boot).
/// A pidfd opened before the check keeps referring to that same process afterwards.
public enum LiveProcess {
    /// A pidfd for `pid` when it runs and (if given) started at `startTime`; nil when
    /// it exited or the PID now belongs to another process.
    public static func open(pid: Int32, startTime: UInt64?) -> Pidfd? {
        openWithDirectory(pid: pid, startTime: startTime)?.pidfd
    }

    /// `open(pid:startTime:)`, also returning the process's `/proc/<pid>` directory,
    /// opened after the pidfd and checked with it: both refer to the one process the
    /// start time names, so further reads through the directory (namespaces, cwd)
    /// cannot reach a process that reused the PID.
    public static func openWithDirectory(pid: Int32, startTime: UInt64?, procRoot: String = "/proc")
        -> (pidfd: Pidfd, directory: ProcessDirectory)?
    {
        guard pid > 0, let pidfd = try? Pidfd(pid: pid),
            let directory = try? ProcessDirectory(pid: pid, procRoot: procRoot)
        else { return nil }
        if let startTime {
            guard let actual = try? directory.stat().startTimeTicks, actual == startTime else { return nil }
        }
        guard pidfd.isRunning else { return nil }
        return (pidfd, directory)
    }
}
