/// The fields kspy uses from `/proc/<pid>/stat` (proc(5), "/proc/pid/stat"). The
/// command name (field 2) is written raw in parentheses and may itself contain
/// spaces and `)`, so the fields after it are found from the LAST `)` of the line.
public struct ProcessStat: Hashable, Sendable {
    /// (1) Process ID (in the PID namespace of the procfs mount).
    public var pid: Int32
    /// (2) Command name (`comm`, at most 15 bytes, may contain anything but NUL).
    public var comm: String
    /// (3) State: R, S, D, Z, T, t, X, I, …
    public var state: Character
    /// (4) Parent PID.
    public var ppid: Int32
    /// (5) Process group ID.
    public var pgrp: Int32
    /// (6) Session ID.
    public var session: Int32
    /// (7) Controlling terminal device number (0 for none).
    public var ttyNr: Int32
    /// (14) User-mode CPU time in clock ticks (`sysconf(_SC_CLK_TCK)`).
    public var userTicks: UInt64
    /// (15) Kernel-mode CPU time in clock ticks.
    public var systemTicks: UInt64
    /// (19) Nice value (−20…19).
    public var nice: Int64
    /// (20) Number of threads.
    public var threadCount: Int64
    /// (22) Start time after boot in clock ticks — with the PID, a stable identity of
    /// a process across PID reuse.
    public var startTimeTicks: UInt64
    /// (24) Resident set size in pages, when present.
    public var rssPages: Int64?

    /// Creates a stat value from its fields.
    public init(
        pid: Int32, comm: String, state: Character, ppid: Int32, pgrp: Int32, session: Int32, ttyNr: Int32,
        userTicks: UInt64, systemTicks: UInt64, nice: Int64, threadCount: Int64, startTimeTicks: UInt64,
        rssPages: Int64?
    ) {
        self.pid = pid
        self.comm = comm
        self.state = state
        self.ppid = ppid
        self.pgrp = pgrp
        self.session = session
        self.ttyNr = ttyNr
        self.userTicks = userTicks
        self.systemTicks = systemTicks
        self.nice = nice
        self.threadCount = threadCount
        self.startTimeTicks = startTimeTicks
        self.rssPages = rssPages
    }

    /// Parses the text of `/proc/<pid>/stat`; nil when it is empty (the process just
    /// exited) or does not have the proc(5) shape.
    public static func parse(_ text: String) -> ProcessStat? {
        guard let open = text.firstIndex(of: "("), let close = text.lastIndex(of: ")"), open < close else {
            return nil
        }
        guard let pid = Int32(ProcText.trim(text[..<open])) else { return nil }
        let comm = String(text[text.index(after: open)..<close])
        // rest[0] is field 3 (state); field n is rest[n - 3].
        let rest = text[text.index(after: close)...].split(whereSeparator: { $0 == " " || $0 == "\n" })
        guard rest.count >= 20, rest[0].count == 1, let state = rest[0].first else { return nil }
        guard let ppid = Int32(rest[1]), let pgrp = Int32(rest[2]), let session = Int32(rest[3]),
            let tty = Int32(rest[4]), let utime = UInt64(rest[11]), let stime = UInt64(rest[12]),
            let nice = Int64(rest[16]), let threads = Int64(rest[17]), let start = UInt64(rest[19])
        else { return nil }
        return ProcessStat(
            pid: pid, comm: comm, state: state, ppid: ppid, pgrp: pgrp, session: session, ttyNr: tty,
            userTicks: utime, systemTicks: stime, nice: nice, threadCount: threads, startTimeTicks: start,
            rssPages: rest.count > 21 ? Int64(rest[21]) : nil)
    }
}
