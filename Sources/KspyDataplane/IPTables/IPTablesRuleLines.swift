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
/// exactly those bytes; `rule` reads the words from the rest and puts them back in the text.
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
    /// as chain `chain`; with `skippingChainJumps`, only those whose target is not a
    /// declared chain.
    func rules(start: UInt32, count: UInt32, chain: String, skippingChainJumps: Bool = false) -> [IPTablesRule] {
        var out: [IPTablesRule] = []
        out.reserveCapacity(Int(count))
        for i in Int(start)..<(Int(start) + Int(count)) where !(skippingChainJumps && records[i].targetChain >= 0) {
            out.append(rule(records[i], chain: chain))
        }
        return out
    }

    /// The declared chains the rules of `records[start..<start + count]` jump to, in order
    /// (rules with another target left out), read from the records alone.
    func chainJumps(start: UInt32, count: UInt32) -> [String] {
        records[Int(start)..<(Int(start) + Int(count))].compactMap { record in
            record.targetChain >= 0 ? chainNames[Int(record.targetChain)] : nil
        }
    }

    /// The rule of `record`. A line the parser built when the table was read parses
    /// again; should it not (a line only scanned then, see `IPTablesSaveParser.Session`),
    /// the rule keeps its text and line with no selectors or target.
    func rule(_ record: Record, chain: String) -> IPTablesRule {
        let start = Int(record.offset)
        let stored = pieces[Int(record.piece)][start..<(start + record.storedLength)]
        let target = record.targetChain >= 0 ? chainNames[Int(record.targetChain)] : nil
        do {
            if record.omitsPrefix {
                return try parser.rule(rest: stored, number: Int(record.line), chain: chain, targetChain: target)
            }
            return try parser.rule(line: stored, number: Int(record.line), chain: chain, targetChain: target)
        } catch {
            let text = (record.omitsPrefix ? "-A \(chain) " : "") + String(decoding: stored, as: UTF8.self)
            return IPTablesRule(chain: chain, line: Int(record.line), text: text)
        }
    }
}
