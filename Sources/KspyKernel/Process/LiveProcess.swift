import Glibc

/// Opening a process that kspy recorded earlier (PID + start time) without being
/// fooled by PID reuse: open a pidfd first, then check that the process behind it
/// has the recorded start time (/proc/<pid>/stat field 22, clock ticks since boot).
/// A pidfd opened before the check keeps referring to that same process afterwards.
public enum LiveProcess {
    /// A pidfd for `pid` when it runs and (if given) started at `startTime`; nil when
    /// it exited or the PID now belongs to another process.
    public static func open(pid: Int32, startTime: UInt64?) -> Pidfd? {
        guard pid > 0, let pidfd = try? Pidfd(pid: pid) else { return nil }
        if let startTime {
            guard let actual = try? Procfs().stat(pid: pid).startTimeTicks, actual == startTime else { return nil }
        }
        guard pidfd.isRunning else { return nil }
        return pidfd
    }
}
