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

    /// The non-empty pieces of `bytes` between `separator`s, each made a string by
    /// `make`. A plain loop: the generic `split` into an array of slices costs a
    /// runtime metadata lookup per call, which `kspy exec` pays on its latency path.
    static func pieces(
        of bytes: ArraySlice<UInt8>, separatedBy separator: UInt8, _ make: (ArraySlice<UInt8>) -> String
    ) -> [String] {
        var pieces: [String] = []
        var start = bytes.startIndex
        while start < bytes.endIndex {
            let end = bytes[start...].firstIndex(of: separator) ?? bytes.endIndex
            if end > start { pieces.append(make(bytes[start..<end])) }
            start = end + 1
        }
        return pieces
    }

    /// Parses `key value` lines (cgroupfs flat-keyed files such as `cpu.stat`,
    /// `memory.events`, `memory.oom_control`) into a dictionary of unsigned values.
    /// Lines whose value is not an unsigned integer are skipped; later keys win.
    static func unsignedKeyValues(_ text: String) -> [String: UInt64] {
        // Over UTF-8 bytes: samplers parse thousands of these per interval.
        var result: [String: UInt64] = [:]
        var utf8 = text.utf8[...]
        while !utf8.isEmpty {
            let lineEnd = utf8.firstIndex(of: UInt8(ascii: "\n")) ?? utf8.endIndex
            let line = utf8[utf8.startIndex..<lineEnd]
            utf8 = lineEnd == utf8.endIndex ? utf8[lineEnd...] : utf8[utf8.index(after: lineEnd)...]
            let fields = line.split(whereSeparator: { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") })
            guard fields.count == 2, let value = decimalValue(fields[1]) else { continue }
            result[String(decoding: fields[0], as: UTF8.self)] = value
        }
        return result
    }

    /// An unsigned decimal in `digits`, nil when empty, not digits, or overflowing.
    private static func decimalValue(_ digits: Substring.UTF8View.SubSequence) -> UInt64? {
        guard !digits.isEmpty else { return nil }
        var value: UInt64 = 0
        for byte in digits {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            let (product, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = product.addingReportingOverflow(UInt64(byte - UInt8(ascii: "0")))
            if overflow1 || overflow2 { return nil }
            value = sum
        }
        return value
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
