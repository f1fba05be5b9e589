/// Reads and parses `/proc/<pid>/mountinfo` (proc(5)). Each line is
/// `ID parentID major:minor root mountPoint options [optional fields…] - fstype source superOptions`,
/// with space, tab, newline and backslash in text fields written as octal escapes.
public enum MountInfo {
    /// Parses mountinfo text into entries in file order; malformed lines are skipped
    /// (a scan of another process's mounts must not fail on one odd line).
    public static func parse(_ text: String) -> [MountInfoEntry] {
        var entries: [MountInfoEntry] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            if let entry = parseLine(line) { entries.append(entry) }
        }
        return entries
    }

    /// Parses one mountinfo line, or returns nil when it does not have the proc(5)
    /// shape (too few fields, no `-` separator, non-numeric IDs).
    public static func parseLine<S: StringProtocol>(_ line: S) -> MountInfoEntry? {
        let fields = line.split(separator: " ", omittingEmptySubsequences: true)
        guard fields.count >= 9 else { return nil }
        guard let mountID = Int(fields[0]), let parentID = Int(fields[1]) else { return nil }
        let device = fields[2].split(separator: ":", omittingEmptySubsequences: false)
        guard device.count == 2, let major = UInt32(device[0]), let minor = UInt32(device[1]) else {
            return nil
        }
        guard let separator = fields[6...].firstIndex(of: "-") else { return nil }
        // After the separator: fstype, source, and (always, on current kernels) super options.
        let tailCount = fields.count - separator - 1
        guard tailCount >= 2 else { return nil }
        let superOptions =
            tailCount >= 3 ? splitOptions(fields[separator + 3]) : []
        return MountInfoEntry(
            mountID: mountID,
            parentID: parentID,
            major: major,
            minor: minor,
            root: unescape(fields[3]),
            mountPoint: unescape(fields[4]),
            mountOptions: splitOptions(fields[5]),
            optionalFields: fields[6..<separator].map { unescape($0) },
            fsType: unescape(fields[separator + 1]),
            source: unescape(fields[separator + 2]),
            superOptions: superOptions)
    }

    /// Reads and parses the mount table of process `pid` (nil: the calling process,
    /// via `/proc/self`).
    /// - Throws: `KernelError` from the read (`isGone` when the process exited).
    public static func read(pid: Int32? = nil, procRoot: String = "/proc") throws(KernelError)
        -> [MountInfoEntry]
    {
        let directory = pid.map { String($0) } ?? "self"
        return parse(try SystemFile.read("\(procRoot)/\(directory)/mountinfo"))
    }

    /// Undoes the kernel's octal escapes (`\040` → space, `\011` → tab, `\012` →
    /// newline, `\134` → backslash; any `\ooo`). Bytes that do not form an escape are
    /// kept as they are, so non-ASCII names survive.
    public static func unescape<S: StringProtocol>(_ text: S) -> String {
        guard text.contains("\\") else { return String(text) }
        let bytes = Array(text.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = 0
        while i < bytes.count {
            if bytes[i] == UInt8(ascii: "\\"), let value = octal(bytes, at: i + 1) {
                out.append(value)
                i += 4
            } else {
                out.append(bytes[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The byte of three octal digits at `index`, or nil when they are not there.
    private static func octal(_ bytes: [UInt8], at index: Int) -> UInt8? {
        guard index + 2 < bytes.count else { return nil }
        var value = 0
        for byte in bytes[index...(index + 2)] {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "7") else { return nil }
            value = value * 8 + Int(byte - UInt8(ascii: "0"))
        }
        return value <= 255 ? UInt8(value) : nil
    }

    /// Splits a comma-separated option list and unescapes each option.
    private static func splitOptions<S: StringProtocol>(_ text: S) -> [String] {
        text.split(separator: ",", omittingEmptySubsequences: true).map { unescape($0) }
    }
}
