/// The rules of one parsed table kept as the `iptables-save` lines they were read from,
/// and turned into `IPTablesRule` values only when a chain's `rules` are asked for.
///
/// A typed rule (selectors, matches with their options, target) takes about ten times
/// the bytes of its line; kube-proxy's nat table on a large cluster holds 100,000s of
/// rules, of which the decoder looks at a few chains at a time. So the parser checks
/// every line as it reads it (errors name the line then, not later), and keeps only the
/// text it was given (the pieces fed to it, shared, not copied) plus a small `Record`
/// per rule. Building a rule again from its line gives the value the first read built:
/// the same text, line number, counters, and the same target chain.
///
/// A parser fed in pieces (`IPTablesSaveParser.Session`, the netlink reader) does not
/// keep the pieces: it copies the rule lines of each into a smaller one, without the
/// `-A CHAIN ` a line starts with (a third of a kube-proxy rule line) when it starts with
/// exactly those bytes; `rule` puts them back before parsing the line again.
final class IPTablesRuleLines: Sendable {
    /// Where one rule's line is, and what the parser found out about it while reading.
    struct Record: Hashable, Sendable {
        /// Index of the text piece holding the line.
        var piece: UInt32
        /// Byte offset of the (trimmed) line in the piece.
        var offset: UInt32
        /// Byte length of the stored line, with `prefixOmitted` set when the stored bytes
        /// lack the line's leading `-A CHAIN ` (the rule's chain, single spaces).
        var length: UInt32
        /// 1-based line in the dump.
        var line: UInt32
        /// The declared chain (index into `chainNames`) the rule jumps to, or -1 when the
        /// target is not a chain of the table (a verdict, a target extension, none).
        var targetChain: Int32

        /// The bit of `length` that says the stored line lacks its `-A CHAIN ` prefix.
        static let prefixOmitted: UInt32 = 1 << 31

        /// The byte length of the stored line.
        var storedLength: Int { Int(length & ~Self.prefixOmitted) }

        /// True when the stored line lacks its `-A CHAIN ` prefix.
        var omitsPrefix: Bool { length & Self.prefixOmitted != 0 }
    }

    /// The text pieces as fed to the parser.
    let pieces: [[UInt8]]
    /// Every rule of the table, each chain's rules together and in input order (a chain
    /// holds a range of them: one array per table, not one small array per chain).
    let records: [Record]
    /// The table's chain names in declaration order (shared with the chains, so every
    /// rule's `chain` and jump target reuse one string).
    let chainNames: [String]
    /// Names the input in the (never expected) message of a line that no longer parses.
    let parser: IPTablesSaveParser

    init(pieces: [[UInt8]], records: [Record], chainNames: [String], parser: IPTablesSaveParser) {
        self.pieces = pieces
        self.records = records
        self.chainNames = chainNames
        self.parser = parser
    }

    /// The rules of `records[start..<start + count]`, in order, each built from its line
    /// as chain `chain`.
    func rules(start: UInt32, count: UInt32, chain: String) -> [IPTablesRule] {
        var out: [IPTablesRule] = []
        out.reserveCapacity(Int(count))
        var scratch: [UInt8] = []
        for i in Int(start)..<(Int(start) + Int(count)) {
            out.append(rule(records[i], chain: chain, scratch: &scratch))
        }
        return out
    }

    /// The rule of `record`. The line parsed when the table was read, so it parses again;
    /// should it not, the rule keeps its text and line with no selectors or target.
    func rule(_ record: Record, chain: String) -> IPTablesRule {
        var scratch: [UInt8] = []
        return rule(record, chain: chain, scratch: &scratch)
    }

    /// `rule(_:chain:)`, rebuilding a line stored without its prefix in `scratch`.
    private func rule(_ record: Record, chain: String, scratch: inout [UInt8]) -> IPTablesRule {
        let start = Int(record.offset)
        let stored = pieces[Int(record.piece)][start..<(start + record.storedLength)]
        let line: ArraySlice<UInt8>
        if record.omitsPrefix {
            scratch.removeAll(keepingCapacity: true)
            scratch.append(contentsOf: "-A ".utf8)
            scratch.append(contentsOf: chain.utf8)
            scratch.append(UInt8(ascii: " "))
            scratch.append(contentsOf: stored)
            line = scratch[...]
        } else {
            line = stored
        }
        let target = record.targetChain >= 0 ? chainNames[Int(record.targetChain)] : nil
        do {
            return try parser.rule(line: line, number: Int(record.line), chain: chain, targetChain: target)
        } catch {
            return IPTablesRule(chain: chain, line: Int(record.line), text: String(decoding: line, as: UTF8.self))
        }
    }
}
