/// The fields kspy uses from `/proc/<pid>/status` (proc(5), "/proc/pid/status"):
/// identity, credentials, capabilities, seccomp and namespace PIDs. Every line is
/// also kept raw in `fields`.
public struct ProcessStatus: Hashable, Sendable {
    /// The four IDs of a `Uid:` or `Gid:` line (credentials(7)).
    public struct IDs: Hashable, Sendable {
        /// Real ID.
        public var real: UInt32
        /// Effective ID (used for most permission checks).
        public var effective: UInt32
        /// Saved set-ID.
        public var saved: UInt32
        /// Filesystem ID (used for file access checks).
        public var filesystem: UInt32

        /// Creates the set from its four values.
        public init(real: UInt32, effective: UInt32, saved: UInt32, filesystem: UInt32) {
            self.real = real
            self.effective = effective
            self.saved = saved
            self.filesystem = filesystem
        }
    }

    /// `Name`: command name, with the kernel's escapes (`\n`, `\\`, …) undone.
    public var name: String?
    /// `State` letter.
    public var state: Character?
    /// `Tgid`: thread group ID (the PID of the process).
    public var tgid: Int32?
    /// `Pid`: thread ID.
    public var pid: Int32?
    /// `PPid`: parent PID.
    public var ppid: Int32?
    /// `TracerPid`: PID of a ptrace tracer, 0 if none.
    public var tracerPid: Int32?
    /// `Uid`: real, effective, saved, filesystem UIDs.
    public var uid: IDs?
    /// `Gid`: real, effective, saved, filesystem GIDs.
    public var gid: IDs?
    /// `Groups`: supplementary groups.
    public var groups: [UInt32]
    /// `NStgid`: the thread group ID in each PID namespace, outermost first.
    public var nsTgid: [Int32]
    /// `NSpid`: the PID in each PID namespace the process is in, outermost (the
    /// reader's) first, the process's own namespace last.
    public var nsPid: [Int32]
    /// `Threads`: number of threads.
    public var threads: Int?
    /// `CapInh` (capabilities(7)).
    public var capInheritable: UInt64?
    /// `CapPrm`: permitted set.
    public var capPermitted: UInt64?
    /// `CapEff`: effective set.
    public var capEffective: UInt64?
    /// `CapBnd`: bounding set.
    public var capBounding: UInt64?
    /// `CapAmb`: ambient set.
    public var capAmbient: UInt64?
    /// `NoNewPrivs` (prctl(2) PR_SET_NO_NEW_PRIVS).
    public var noNewPrivs: Bool?
    /// `Seccomp`: 0 disabled, 1 strict, 2 filter (seccomp(2)).
    public var seccompMode: Int?
    /// `Seccomp_filters`: number of filters attached.
    public var seccompFilters: Int?
    /// Every `Key:\tvalue` line as written (value without the leading whitespace).
    public var fields: [String: String]

    /// Creates an empty status (all optional fields nil).
    public init(fields: [String: String] = [:]) {
        self.fields = fields
        self.groups = []
        self.nsTgid = []
        self.nsPid = []
    }

    /// Parses the text of `/proc/<pid>/status`; unknown or malformed lines only end up
    /// in `fields`.
    public static func parse(_ text: String) -> ProcessStatus {
        var fields: [String: String] = [:]
        for line in text.split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let value = line[line.index(after: colon)...].drop(while: { $0 == " " || $0 == "\t" })
            fields[String(line[..<colon])] = String(value)
        }
        var status = ProcessStatus(fields: fields)
        func numbers<T: FixedWidthInteger>(_ key: String, as type: T.Type) -> [T] {
            guard let value = fields[key] else { return [] }
            return value.split(whereSeparator: { $0 == " " || $0 == "\t" }).compactMap { T($0) }
        }
        func ids(_ key: String) -> IDs? {
            let values = numbers(key, as: UInt32.self)
            guard values.count == 4 else { return nil }
            return IDs(real: values[0], effective: values[1], saved: values[2], filesystem: values[3])
        }
        func hex(_ key: String) -> UInt64? { fields[key].flatMap { UInt64(ProcText.trim($0), radix: 16) } }
        func int<T: FixedWidthInteger>(_ key: String, as type: T.Type) -> T? {
            fields[key].flatMap { T(ProcText.trim($0)) }
        }
        status.name = fields["Name"].map(unescapeName)
        status.state = fields["State"]?.first
        status.tgid = int("Tgid", as: Int32.self)
        status.pid = int("Pid", as: Int32.self)
        status.ppid = int("PPid", as: Int32.self)
        status.tracerPid = int("TracerPid", as: Int32.self)
        status.uid = ids("Uid")
        status.gid = ids("Gid")
        status.groups = numbers("Groups", as: UInt32.self)
        status.nsTgid = numbers("NStgid", as: Int32.self)
        status.nsPid = numbers("NSpid", as: Int32.self)
        status.threads = int("Threads", as: Int.self)
        status.capInheritable = hex("CapInh")
        status.capPermitted = hex("CapPrm")
        status.capEffective = hex("CapEff")
        status.capBounding = hex("CapBnd")
        status.capAmbient = hex("CapAmb")
        status.noNewPrivs = int("NoNewPrivs", as: Int.self).map { $0 != 0 }
        status.seccompMode = int("Seccomp", as: Int.self)
        status.seccompFilters = int("Seccomp_filters", as: Int.self)
        return status
    }

    /// Undoes the escapes the kernel applies to `Name:` (fs/proc/array.c
    /// proc_task_name with ESCAPE_SPACE | ESCAPE_SPECIAL): `\n`, `\t`, `\\`, `\"`, ….
    static func unescapeName(_ text: String) -> String {
        guard text.contains("\\") else { return text }
        var result = ""
        var escaping = false
        for character in text {
            if escaping {
                switch character {
                case "n": result.append("\n")
                case "t": result.append("\t")
                case "r": result.append("\r")
                case "f": result.append("\u{0C}")
                case "v": result.append("\u{0B}")
                case "a": result.append("\u{07}")
                case "e": result.append("\u{1B}")
                default: result.append(character)
                }
                escaping = false
            } else if character == "\\" {
                escaping = true
            } else {
                result.append(character)
            }
        }
        if escaping { result.append("\\") }
        return result
    }
}
