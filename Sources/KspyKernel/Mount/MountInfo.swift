/// Reads and parses `/proc/<pid>/mountinfo` (proc(5)). Each line is
/// `ID parentID major:minor root mountPoint options [optional fields…] - fstype source superOptions`,
/// with space, tab, newline and backslash in text fields written as octal escapes.
public enum MountInfo {
    /// Parses mountinfo text into entries in file order; malformed lines are skipped
    /// (a scan of another process's mounts must not fail on one odd line).
    public static func parse(_ text: String) -> [MountInfoEntry] {
        parse(bytes: Array(text.utf8))
    }

    /// Parses mountinfo as read from the file, byte by byte (a node with thousands of
    /// mounts is read on every discovery, so no `Character` work per field). With
    /// `fsTypes`, only mounts of those filesystem types are kept (and only they cost
    /// building an entry).
    public static func parse(bytes: [UInt8], fsTypes: [String]? = nil) -> [MountInfoEntry] {
        let wanted = fsTypes?.map { Array($0.utf8) }
        var entries: [MountInfoEntry] = []
        var lineStart = 0
        while lineStart < bytes.count {
            let lineEnd = bytes[lineStart...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.count
            if let entry = parseLine(bytes: bytes[lineStart..<lineEnd], fsTypes: wanted) { entries.append(entry) }
            lineStart = lineEnd + 1
        }
        return entries
    }

    /// Parses one mountinfo line, or returns nil when it does not have the proc(5)
    /// shape (too few fields, no `-` separator, non-numeric IDs).
    public static func parseLine<S: StringProtocol>(_ line: S) -> MountInfoEntry? {
        let bytes = Array(line.utf8)
        return parseLine(bytes: bytes[...])
    }

    /// `parseLine` over the bytes of one line (no newline); nil also when `fsTypes` is
    /// given and does not hold the line's (escaped) filesystem type.
    static func parseLine(bytes line: ArraySlice<UInt8>, fsTypes: [[UInt8]]? = nil) -> MountInfoEntry? {
        if let fsTypes, let type = fsType(line), !fsTypes.contains(where: { $0.elementsEqual(type) }) { return nil }
        // Fields are taken one at a time with a cursor: the generic `split` into an
        // array of slices cost more than the rest of the parse.
        var fields = FieldCursor(line: line)
        guard let idField = fields.next(), let parentField = fields.next(), let deviceField = fields.next(),
            let rootField = fields.next(), let mountPointField = fields.next(), let optionsField = fields.next()
        else { return nil }
        guard let mountID = decimal(idField), let parentID = decimal(parentField) else { return nil }
        guard let colon = deviceField.firstIndex(of: UInt8(ascii: ":")),
            let major = decimal(deviceField[..<colon]).flatMap(UInt32.init(exactly:)),
            let minor = decimal(deviceField[(colon + 1)...]).flatMap(UInt32.init(exactly:))
        else {
            return nil
        }
        // Optional fields up to the lone `-`; after it fstype, source and (always, on
        // current kernels) super options.
        var optionalFields: [String] = []
        var separated = false
        while let field = fields.next() {
            if field.count == 1 && field.first == UInt8(ascii: "-") {
                separated = true
                break
            }
            optionalFields.append(unescape(bytes: field))
        }
        guard separated, let typeField = fields.next(), let sourceField = fields.next() else { return nil }
        if let fsTypes, !fsTypes.contains(where: { $0.elementsEqual(typeField) }) { return nil }
        let superOptions = fields.next().map(splitOptions) ?? []
        return MountInfoEntry(
            mountID: mountID,
            parentID: parentID,
            major: major,
            minor: minor,
            root: unescape(bytes: rootField),
            mountPoint: unescape(bytes: mountPointField),
            mountOptions: splitOptions(optionsField),
            optionalFields: optionalFields,
            fsType: unescape(bytes: typeField),
            source: unescape(bytes: sourceField),
            superOptions: superOptions)
    }

    /// The space-separated fields of one line, in order.
    private struct FieldCursor {
        let line: ArraySlice<UInt8>
        var index: Int

        init(line: ArraySlice<UInt8>) {
            self.line = line
            index = line.startIndex
        }

        /// The next field, nil at the end of the line.
        mutating func next() -> ArraySlice<UInt8>? {
            let space = UInt8(ascii: " ")
            while index < line.endIndex && line[index] == space { index += 1 }
            guard index < line.endIndex else { return nil }
            let start = index
            while index < line.endIndex && line[index] != space { index += 1 }
            return line[start..<index]
        }
    }

    /// The (escaped) filesystem type of a line: the word after the first ` - ` (spaces
    /// in text fields are escaped, so the first lone `-` is the separator), found
    /// without splitting the line; nil when there is none.
    private static func fsType(_ line: ArraySlice<UInt8>) -> ArraySlice<UInt8>? {
        let space = UInt8(ascii: " ")
        var i = line.startIndex
        while i + 2 < line.endIndex {
            if line[i] == space && line[i + 1] == UInt8(ascii: "-") && line[i + 2] == space {
                let start = i + 3
                let end = line[start...].firstIndex(of: space) ?? line.endIndex
                return line[start..<end]
            }
            i += 1
        }
        return nil
    }

    /// A non-negative decimal number of at most 18 digits, or nil.
    private static func decimal(_ digits: ArraySlice<UInt8>) -> Int? {
        guard !digits.isEmpty, digits.count <= 18 else { return nil }
        var value = 0
        for byte in digits {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return value
    }

    /// Reads and parses the mount table of process `pid` (nil: the calling process,
    /// via `/proc/self`).
    /// - Throws: `KernelError` from the read (`isGone` when the process exited).
    /// With `fsTypes`, only mounts of those filesystem types.
    public static func read(pid: Int32? = nil, procRoot: String = "/proc", fsTypes: [String]? = nil)
        throws(KernelError) -> [MountInfoEntry]
    {
        let directory = pid.map { String($0) } ?? "self"
        return parse(bytes: try SystemFile.readBytes("\(procRoot)/\(directory)/mountinfo"), fsTypes: fsTypes)
    }

    /// Undoes the kernel's octal escapes (`\040` → space, `\011` → tab, `\012` →
    /// newline, `\134` → backslash; any `\ooo`). Bytes that do not form an escape are
    /// kept as they are, so non-ASCII names survive.
    public static func unescape<S: StringProtocol>(_ text: S) -> String {
        unescape(bytes: Array(text.utf8)[...])
    }

    /// `unescape` over bytes.
    static func unescape(bytes: ArraySlice<UInt8>) -> String {
        guard bytes.contains(UInt8(ascii: "\\")) else { return String(decoding: bytes, as: UTF8.self) }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = bytes.startIndex
        while i < bytes.endIndex {
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
    private static func octal(_ bytes: ArraySlice<UInt8>, at index: Int) -> UInt8? {
        guard index + 2 < bytes.endIndex else { return nil }
        var value = 0
        for byte in bytes[index...(index + 2)] {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "7") else { return nil }
            value = value * 8 + Int(byte - UInt8(ascii: "0"))
        }
        return value <= 255 ? UInt8(value) : nil
    }

    /// Splits a comma-separated option list and unescapes each option.
    private static func splitOptions(_ bytes: ArraySlice<UInt8>) -> [String] {
        ProcText.pieces(of: bytes, separatedBy: UInt8(ascii: ","), { unescape(bytes: $0) })
    }
}
