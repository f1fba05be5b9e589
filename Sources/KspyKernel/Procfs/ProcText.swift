/// Small text helpers shared by the procfs and cgroupfs parsers (internal).
enum ProcText {
    /// Removes leading and trailing spaces, tabs, newlines and NULs.
    static func trim<S: StringProtocol>(_ text: S) -> String {
        let isJunk: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" || $0 == "\0" }
        var slice = Substring(text)
        while let last = slice.last, isJunk(last) { slice.removeLast() }
        while let first = slice.first, isJunk(first) { slice.removeFirst() }
        return String(slice)
    }

    /// Parses `key value` lines (cgroupfs flat-keyed files such as `cpu.stat`,
    /// `memory.events`, `memory.oom_control`) into a dictionary of unsigned values.
    /// Lines whose value is not an unsigned integer are skipped; later keys win.
    static func unsignedKeyValues(_ text: String) -> [String: UInt64] {
        var result: [String: UInt64] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard parts.count == 2, let value = UInt64(parts[1]) else { continue }
            result[String(parts[0])] = value
        }
        return result
    }

    /// Splits NUL-separated text (`cmdline`, `environ`); a trailing NUL does not make an
    /// empty last element, but empty elements in the middle are kept.
    static func nulSeparated(_ bytes: [UInt8]) -> [String] {
        if bytes.isEmpty { return [] }
        var parts = bytes.split(separator: 0, omittingEmptySubsequences: false)
        if bytes.last == 0 { parts.removeLast() }
        return parts.map { String(decoding: $0, as: UTF8.self) }
    }
}
