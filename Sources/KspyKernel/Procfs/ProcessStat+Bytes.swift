extension ProcessStat {
    /// Parses the raw bytes of `/proc/<pid>/stat` without building intermediate
    /// strings (a node scan reads thousands of them): `pid (comm) state ppid …`, where
    /// comm may itself contain spaces and parentheses, so fields are counted from the
    /// last `)` (proc(5)). Nil when empty or not of that shape.
    public static func parse(bytes: [UInt8]) -> ProcessStat? {
        guard let open = bytes.firstIndex(of: UInt8(ascii: "(")), let close = bytes.lastIndex(of: UInt8(ascii: ")")),
            open < close
        else { return nil }
        guard let pid = Int32(exactly: decimal(bytes[..<open]) ?? -1), pid > 0 else { return nil }
        let comm = String(decoding: bytes[(open + 1)..<close], as: UTF8.self)
        // Field n (1-based, state is 3) starts after the (n-3)th space following ")".
        var fields: [Range<Int>] = []
        fields.reserveCapacity(24)
        var index = close + 1
        while index < bytes.count && fields.count < 22 {
            while index < bytes.count && (bytes[index] == UInt8(ascii: " ") || bytes[index] == UInt8(ascii: "\n")) {
                index += 1
            }
            let start = index
            while index < bytes.count && bytes[index] != UInt8(ascii: " ") && bytes[index] != UInt8(ascii: "\n") {
                index += 1
            }
            if start < index { fields.append(start..<index) }
        }
        guard fields.count >= 20, fields[0].count == 1 else { return nil }
        func int(_ field: Int) -> Int64? { decimal(bytes[fields[field]]) }
        guard let ppid = int(1), let pgrp = int(2), let session = int(3), let tty = int(4), let utime = int(11),
            let stime = int(12), let nice = int(16), let threads = int(17), let start = int(19)
        else { return nil }
        return ProcessStat(
            pid: pid, comm: comm, state: Character(Unicode.Scalar(bytes[fields[0].lowerBound])),
            ppid: Int32(truncatingIfNeeded: ppid), pgrp: Int32(truncatingIfNeeded: pgrp),
            session: Int32(truncatingIfNeeded: session), ttyNr: Int32(truncatingIfNeeded: tty),
            userTicks: UInt64(max(0, utime)), systemTicks: UInt64(max(0, stime)), nice: nice, threadCount: threads,
            startTimeTicks: UInt64(max(0, start)), rssPages: fields.count > 21 ? int(21) : nil)
    }

    /// A signed decimal in `digits` (surrounding spaces allowed), nil when malformed.
    static func decimal(_ digits: ArraySlice<UInt8>) -> Int64? {
        var value: Int64 = 0
        var negative = false
        var seen = false
        var ended = false
        for byte in digits {
            if byte == UInt8(ascii: " ") {
                if seen { ended = true }
                continue
            }
            if ended { return nil }
            if byte == UInt8(ascii: "-") && !seen && !negative {
                negative = true
                continue
            }
            guard byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") else { return nil }
            let (product, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = product.addingReportingOverflow(Int64(byte - UInt8(ascii: "0")))
            if overflow1 || overflow2 { return nil }
            value = sum
            seen = true
        }
        return seen ? (negative ? -value : value) : nil
    }
}
