/// One record of `/dev/kmsg` (kernel Documentation/ABI/testing/dev-kmsg, runtimes.md
/// §6.3): `<prio>,<seq>,<usec>,<flags>[,more…];<text>` followed by optional
/// continuation lines that start with a space (`KEY=value` dictionary, ignored here).
/// Non-printable bytes and `\` in the text arrive escaped as `\xNN`; `text` is unescaped.
public struct KmsgRecord: Hashable, Sendable {
    /// Syslog facility × 8 + level.
    public var priority: Int
    /// The record's sequence number (gaps: records overwritten before they were read).
    public var sequence: UInt64
    /// The timestamp: microseconds of the kernel's printk clock (local_clock), which
    /// runs close to CLOCK_MONOTONIC but may be offset from it.
    public var monotonicMicros: UInt64
    /// The flags field (`-`, or `c` for a continuation fragment on old kernels).
    public var flags: String
    /// The message, unescaped, without the trailing newline.
    public var text: String

    /// The syslog level (0 emerg … 7 debug).
    public var level: Int { priority & 7 }

    /// Creates a record from its fields.
    public init(priority: Int, sequence: UInt64, monotonicMicros: UInt64, flags: String, text: String) {
        self.priority = priority
        self.sequence = sequence
        self.monotonicMicros = monotonicMicros
        self.flags = flags
        self.text = text
    }

    /// Parses one record as returned by one read(2) of `/dev/kmsg`; nil when the header
    /// is malformed.
    public static func parse(_ bytes: some Collection<UInt8>) -> KmsgRecord? {
        let bytes = Array(bytes)
        guard let semicolon = bytes.firstIndex(of: UInt8(ascii: ";")) else { return nil }
        let header = bytes[..<semicolon].split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false)
        guard header.count >= 4,
            let priority = Int(String(decoding: header[0], as: UTF8.self)),
            let sequence = UInt64(String(decoding: header[1], as: UTF8.self)),
            let micros = UInt64(String(decoding: header[2], as: UTF8.self))
        else { return nil }
        let flags = String(decoding: header[3], as: UTF8.self)
        let body = bytes[(semicolon + 1)...]
        let firstLine = body.prefix(while: { $0 != UInt8(ascii: "\n") })
        return KmsgRecord(
            priority: priority, sequence: sequence, monotonicMicros: micros, flags: flags,
            text: unescape(firstLine))
    }

    /// Parses record text (`String` form, e.g. a line of `cat /dev/kmsg`).
    public static func parse(_ line: String) -> KmsgRecord? { parse(Array(line.utf8)) }

    /// Turns the kernel's `\xNN` escapes back into bytes.
    static func unescape(_ bytes: some Collection<UInt8>) -> String {
        let input = Array(bytes)
        var output: [UInt8] = []
        output.reserveCapacity(input.count)
        var index = 0
        while index < input.count {
            if input[index] == UInt8(ascii: "\\"), index + 3 < input.count, input[index + 1] == UInt8(ascii: "x"),
                let value = UInt8(String(decoding: input[(index + 2)...(index + 3)], as: UTF8.self), radix: 16)
            {
                output.append(value)
                index += 4
            } else {
                output.append(input[index])
                index += 1
            }
        }
        return String(decoding: output, as: UTF8.self)
    }
}

/// The kernel's OOM report lines (mm/oom_kill.c, runtimes.md §6.3) and their assembly
/// into `OOMKillEvent`s. Pure: it looks only at record text.
///
/// One kill writes (among the header, memory and task dumps)
/// * `oom-kill:constraint=%s,nodemask=%*pbl[,cpuset=%s,mems_allowed=%*pbl]`
///   `(,oom_memcg=<path>|,global_oom)[,task_memcg=<path>],task=%s,pid=%d,uid=%d` — part of
///   the rate-limited dump (10 per 5 s), so it can be missing in bursts;
/// * `<reason>: Killed process %d (%s) total-vm:%lukB, anon-rss:%lukB, file-rss:%lukB,`
///   ` shmem-rss:%lukB, UID:%u pgtables:%lukB oom_score_adj:%hd` with reason
///   `Memory cgroup out of memory` or `Out of memory` — always written;
/// * with `memory.oom.group`, `Tasks in <path> are going to be killed due to
///   memory.oom.group set` before the group's `Killed process` lines.
public enum KernelOOMReport {
    /// The `oom-kill:` summary line.
    public struct Summary: Hashable, Sendable {
        /// `CONSTRAINT_NONE`, `CONSTRAINT_CPUSET`, `CONSTRAINT_MEMORY_POLICY`, `CONSTRAINT_MEMCG`.
        public var constraint: String
        /// The nodemask list (`(null)`, `0-1`).
        public var nodemask: String?
        /// The cpuset of the allocating task (absent without CONFIG_CPUSETS).
        public var cpuset: String?
        /// Its mems_allowed list (`0`, `0,2-3`).
        public var memsAllowed: String?
        /// The memory cgroup that hit its limit (memcg OOM).
        public var oomMemcg: String?
        /// True for a system-wide OOM (`global_oom`).
        public var isGlobal: Bool
        /// The victim's memory cgroup (full path in the init cgroup namespace).
        public var taskMemcg: String?
        /// The victim's command name.
        public var comm: String
        /// The victim's PID.
        public var pid: Int32
        /// The victim's UID.
        public var uid: UInt32?
    }

    /// The `Killed process` line.
    public struct KilledProcess: Hashable, Sendable {
        /// `Memory cgroup out of memory`, `Out of memory`, … (the text before `: Killed`).
        public var reason: String
        /// The victim's PID.
        public var pid: Int32
        /// The victim's command name.
        public var comm: String
        /// Memory figures in kB.
        public var totalVmKB: UInt64?
        public var anonRssKB: UInt64?
        public var fileRssKB: UInt64?
        public var shmemRssKB: UInt64?
        public var pgtablesKB: UInt64?
        /// The victim's UID.
        public var uid: UInt32?
        /// The victim's oom_score_adj.
        public var oomScoreAdj: Int?
    }

    /// Parses an `oom-kill:` summary line; nil for any other text.
    public static func parseSummary(_ text: String) -> Summary? {
        guard let start = text.firstRange(of: "oom-kill:constraint=") else { return nil }
        let line = Substring(text[start.upperBound...])
        // pid and uid are numbers: take them from the end, so a comm with commas parses.
        var head = line
        var uid: UInt32? = nil
        if let marker = head.lastRange(of: ",uid="), let value = UInt32(head[marker.upperBound...]) {
            uid = value
            head = head[..<marker.lowerBound]
        }
        guard let pidMarker = head.lastRange(of: ",pid="), let pid = Int32(head[pidMarker.upperBound...]) else {
            return nil
        }
        head = head[..<pidMarker.lowerBound]
        // The rest in the kernel's order; each key is searched after the previous one.
        let keys = [",nodemask=", ",cpuset=", ",mems_allowed=", ",oom_memcg=", ",global_oom", ",task_memcg=", ",task="]
        var found: [(key: String, range: Range<Substring.Index>)] = []
        var cursor = head.startIndex
        for key in keys {
            if let range = head[cursor...].firstRange(of: key) {
                found.append((key, range))
                cursor = range.upperBound
            }
        }
        guard let taskIndex = found.firstIndex(where: { $0.key == ",task=" }) else { return nil }
        func value(_ key: String) -> String? {
            guard let index = found.firstIndex(where: { $0.key == key }) else { return nil }
            let end = index + 1 < found.count ? found[index + 1].range.lowerBound : head.endIndex
            return String(head[found[index].range.upperBound..<end])
        }
        let constraintEnd = found.first?.range.lowerBound ?? head.endIndex
        return Summary(
            constraint: String(head[..<constraintEnd]), nodemask: value(",nodemask="), cpuset: value(",cpuset="),
            memsAllowed: value(",mems_allowed="), oomMemcg: value(",oom_memcg="),
            isGlobal: found.contains { $0.key == ",global_oom" }, taskMemcg: value(",task_memcg="),
            comm: String(head[found[taskIndex].range.upperBound...]), pid: pid, uid: uid)
    }

    /// Parses a `… Killed process <pid> (<comm>) total-vm:…` line; nil for any other text.
    public static func parseKilledProcess(_ text: String) -> KilledProcess? {
        guard let marker = text.firstRange(of: ": Killed process ") else { return nil }
        let reason = String(text[..<marker.lowerBound])
        let rest = text[marker.upperBound...]
        let digits = rest.prefix(while: { $0.isASCII && $0.isNumber })
        guard let pid = Int32(digits), rest[digits.endIndex...].hasPrefix(" (") else { return nil }
        let commStart = rest.index(digits.endIndex, offsetBy: 2)
        // The comm may hold spaces and parentheses: it ends at the last ") total-vm:".
        let tail = rest[commStart...]
        let commEnd: Substring.Index
        let figures: Substring
        if let close = tail.lastRange(of: ") total-vm:") {
            commEnd = close.lowerBound
            figures = tail[tail.index(after: close.lowerBound)...]
        } else if let close = tail.lastIndex(of: ")") {
            commEnd = close
            figures = tail[tail.index(after: close)...]
        } else {
            return nil
        }
        var killed = KilledProcess(reason: reason, pid: pid, comm: String(tail[..<commEnd]))
        for token in figures.split(whereSeparator: { $0 == " " || $0 == "," }) {
            guard let colon = token.firstIndex(of: ":") else { continue }
            let key = token[..<colon]
            var number = token[token.index(after: colon)...]
            if number.hasSuffix("kB") { number = number.dropLast(2) }
            switch key {
            case "total-vm": killed.totalVmKB = UInt64(number)
            case "anon-rss": killed.anonRssKB = UInt64(number)
            case "file-rss": killed.fileRssKB = UInt64(number)
            case "shmem-rss": killed.shmemRssKB = UInt64(number)
            case "pgtables": killed.pgtablesKB = UInt64(number)
            case "UID": killed.uid = UInt32(number)
            case "oom_score_adj": killed.oomScoreAdj = Int(number)
            default: break
            }
        }
        return killed
    }

    /// The cgroup path of a `Tasks in <path> are going to be killed due to
    /// memory.oom.group set` line; nil for any other text.
    public static func parseGroupKill(_ text: String) -> String? {
        let suffix = " are going to be killed due to memory.oom.group set"
        guard let start = text.firstRange(of: "Tasks in "), let end = text.firstRange(of: suffix),
            start.upperBound <= end.lowerBound
        else { return nil }
        return String(text[start.upperBound..<end.lowerBound])
    }

    /// Combines the lines of each kill into one event: a `Killed process` line is
    /// joined with the `oom-kill:` summary of the same PID seen before it (cgroup path
    /// = `task_memcg`); without one (rate-limited dump, or a group kill) the event still
    /// comes out, its path taken from a `memory.oom.group` line just before, else nil.
    public struct Assembler: Sendable {
        private var summaries: [(summary: Summary, micros: UInt64)] = []
        private var group: (path: String, micros: UInt64)? = nil
        /// The `source` of the events.
        public let source: String
        /// How many unmatched summaries are remembered.
        public let pendingLimit: Int
        /// How long a group-kill line names the following victims, in µs.
        public let groupWindowMicros: UInt64

        /// An assembler producing events with `source`.
        public init(source: String = "kmsg", pendingLimit: Int = 64, groupWindowMicros: UInt64 = 2_000_000) {
            self.source = source
            self.pendingLimit = pendingLimit
            self.groupWindowMicros = groupWindowMicros
        }

        /// Feeds one record; returns the event a `Killed process` line completes. The
        /// event time is `EventTime.wallNanoseconds(fromMonotonic:)` of the record's
        /// timestamp plus `clockOffsetNanoseconds` (CLOCK_MONOTONIC − printk clock, when
        /// the caller has measured it).
        public mutating func consume(_ record: KmsgRecord, clockOffsetNanoseconds: Int64 = 0) -> OOMKillEvent? {
            let text = record.text
            if text.contains("oom-kill:constraint=") {
                if let summary = KernelOOMReport.parseSummary(text) {
                    summaries.removeAll { $0.summary.pid == summary.pid }
                    summaries.append((summary, record.monotonicMicros))
                    if summaries.count > pendingLimit { summaries.removeFirst(summaries.count - pendingLimit) }
                }
                return nil
            }
            if let path = KernelOOMReport.parseGroupKill(text) {
                group = (path, record.monotonicMicros)
                return nil
            }
            guard text.contains("Killed process"), let killed = KernelOOMReport.parseKilledProcess(text) else {
                return nil
            }
            let monotonic = Int64(clamping: record.monotonicMicros) &* 1000 &+ clockOffsetNanoseconds
            var event = OOMKillEvent(
                timeNanoseconds: EventTime.wallNanoseconds(fromMonotonic: monotonic), source: source)
            event.pid = killed.pid
            event.comm = killed.comm
            event.totalVmKB = killed.totalVmKB
            event.anonRssKB = killed.anonRssKB
            event.fileRssKB = killed.fileRssKB
            event.shmemRssKB = killed.shmemRssKB
            event.pgtablesKB = killed.pgtablesKB
            event.uid = killed.uid
            event.oomScoreAdj = killed.oomScoreAdj
            if let index = summaries.lastIndex(where: { $0.summary.pid == killed.pid }) {
                let summary = summaries.remove(at: index).summary
                event.cgroupPath = summary.taskMemcg
                if event.uid == nil { event.uid = summary.uid }
            } else if let group, record.monotonicMicros >= group.micros,
                record.monotonicMicros - group.micros <= groupWindowMicros
            {
                event.cgroupPath = group.path
            }
            return event
        }
    }
}

extension Substring {
    /// The range of the last occurrence of `needle`.
    fileprivate func lastRange(of needle: String) -> Range<Index>? {
        ranges(of: needle).last
    }
}
