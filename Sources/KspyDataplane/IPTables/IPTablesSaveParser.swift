import Glibc

/// Parses `iptables-save` / `ip6tables-save` text (iptables-save(8), either backend:
/// legacy x_tables or nf_tables' `iptables-nft-save`) into an `IPTablesRuleset`.
///
/// Accepted lines: `# comment`, blank, `*table`, `:CHAIN POLICY [packets:bytes]`,
/// `[packets:bytes] -A CHAIN …` or `-A CHAIN …`, `COMMIT`. Quoting follows
/// iptables-restore: double quotes group words, and inside them `\"` and `\\` escape.
/// Bad input (a rule before a table, an unterminated quote, a table without COMMIT
/// because the dump was cut short, an option without its value, garbage) is reported as
/// one `DataplaneError` naming the line, never a crash.
public struct IPTablesSaveParser: Sendable {
    /// Names the input in error messages (a file path, or the command that produced it).
    public var sourceName: String

    public init(sourceName: String = "iptables-save input") { self.sourceName = sourceName }

    /// Parses `text`.
    public func parse(_ text: String) throws(DataplaneError) -> IPTablesRuleset {
        try parse(bytes: Array(text.utf8))
    }

    /// Parses raw bytes (invalid UTF-8 is replaced, and then reported by the line it is on
    /// if it is not inside a comment). The ruleset keeps `bytes` (not a copy) and builds
    /// each chain's rules from their lines when asked (`IPTablesRuleLines`).
    public func parse(bytes: [UInt8]) throws(DataplaneError) -> IPTablesRuleset {
        var session = Session(parser: self, compacting: false)
        try session.feed(bytes)
        return try session.finish()
    }

    /// A dump parsed as it arrives: `feed` takes text in pieces that each end with a line
    /// break (only the last piece may lack it), `finish` checks the end and returns the
    /// ruleset. `parse(bytes:)` is one `feed` and `finish`. A compacting session (the
    /// default) keeps no piece: the rule lines of each are copied into a smaller one
    /// without their `-A CHAIN ` (see `IPTablesRuleLines`), so a piece's buffer can be
    /// refilled once `feed` returns. Otherwise the pieces are kept (they hold the rules'
    /// lines), as `parse(bytes:)` does with the caller's bytes.
    struct Session {
        let parser: IPTablesSaveParser
        private var state = State()
        private var lineNumber = 0

        /// A session; without `checkingRuleWords` a rule line is only scanned for its
        /// target and addresses (what the table's records need), not built, so a line
        /// whose words do not parse is noticed when its rule is read (and then keeps only
        /// its text): for text kspy wrote itself from nf_tables netlink, whose words are
        /// well-formed by construction and are built again when read anyway.
        init(parser: IPTablesSaveParser, compacting: Bool = true, checkingRuleWords: Bool = true) {
            self.parser = parser
            state.compacting = compacting
            state.checksRuleWords = checkingRuleWords
        }

        /// Parses the lines of `bytes`.
        mutating func feed(_ bytes: [UInt8]) throws(DataplaneError) {
            if state.compacting {
                state.current = bytes
            } else {
                state.pieces.append(bytes)
            }
            defer { state.current = [] }
            let piece = state.pieces.count - 1
            var start = 0
            let count = bytes.count
            while start < count {
                let end = bytes.withUnsafeBufferPointer { buffer -> Int in
                    guard let base = buffer.baseAddress,
                        let newline = memchr(base + start, 0x0A, count - start)
                    else { return count }
                    return base.distance(to: newline.assumingMemoryBound(to: UInt8.self))
                }
                lineNumber += 1
                try parser.parseLine(bytes[start..<end], piece: piece, number: lineNumber, state: &state)
                start = end + 1
            }
            if state.compacting, var open = state.open {
                state.open = nil  // avoid a copy while mutating
                parser.compact(&open, into: &state)
                state.open = open
            }
        }

        /// The ruleset of everything fed.
        /// - Throws: `DataplaneError` when a table is still open (a truncated dump).
        mutating func finish() throws(DataplaneError) -> IPTablesRuleset {
            if let open = state.open {
                throw parser.error(
                    max(lineNumber, 1),
                    "input ends inside table \(open.name) (opened on line \(open.line)) without COMMIT; the dump is truncated"
                )
            }
            return IPTablesRuleset(tables: state.tables)
        }
    }

    // MARK: - Lines

    private struct OpenTable {
        var name: String
        var line: Int
        var chains: [IPTablesChain] = []
        var index: [String: Int] = [:]
        /// Where each rule is, in input order (one array for the table: kube-proxy's
        /// tables hold 10,000s of chains of a few rules each).
        var records: [IPTablesRuleLines.Record] = []
        /// The chain (position in `chains`) of each of `records`.
        var recordChains: [UInt32] = []
        /// The first of `records` still pointing into `State.current` (compacting only).
        var pending = 0
        /// The number of rules of each chain, by chain position.
        var ruleCounts: [UInt32] = []
        var hasIPv6Addresses = false
    }

    private struct State {
        var tables: [IPTablesTable] = []
        var open: OpenTable?
        /// Every piece fed so far (a table's rules point into them), or when compacting
        /// the copies of their rule lines.
        var pieces: [[UInt8]] = []
        /// True when rule lines are copied out of `current` (see `Session`).
        var compacting = false
        /// The piece being fed, when compacting.
        var current: [UInt8] = []
        /// False when rule lines are scanned, not built (see `Session.init`).
        var checksRuleWords = true
    }

    /// Copies the lines of `open`'s records that still point into `state.current` into a
    /// new piece, each without its leading `-A CHAIN ` when it starts with exactly those
    /// bytes, and points the records there.
    private func compact(_ open: inout OpenTable, into state: inout State) {
        let range = open.pending..<open.records.count
        open.pending = open.records.count
        guard !range.isEmpty else { return }
        let current = state.current
        let newPiece = UInt32(state.pieces.count)
        // The prefix each line can do without (0 when it is not exactly `-A CHAIN `).
        var skips = [Int](repeating: 0, count: range.count)
        var total = 0
        current.withUnsafeBufferPointer { bytes in
            for (k, i) in range.enumerated() {
                let record = open.records[i]
                let offset = Int(record.offset)
                let length = record.storedLength
                let name = open.chains[Int(open.recordChains[i])].name.utf8
                let prefix = 4 + name.count
                if length > prefix, bytes[offset] == UInt8(ascii: "-"), bytes[offset + 1] == UInt8(ascii: "A"),
                    bytes[offset + 2] == UInt8(ascii: " "), bytes[offset + 3 + name.count] == UInt8(ascii: " "),
                    name.elementsEqual(bytes[(offset + 3)..<(offset + 3 + name.count)])
                {
                    skips[k] = prefix
                }
                total += length - skips[k]
            }
        }
        var copied: [UInt8] = []
        copied.reserveCapacity(total)
        for (k, i) in range.enumerated() {
            var record = open.records[i]
            let from = Int(record.offset) + skips[k]
            let to = Int(record.offset) + record.storedLength
            record.piece = newPiece
            record.offset = UInt32(copied.count)
            record.length = UInt32(to - from) | (skips[k] > 0 ? IPTablesRuleLines.Record.prefixOmitted : 0)
            copied.append(contentsOf: current[from..<to])
            open.records[i] = record
        }
        state.pieces.append(copied)
    }

    private func error(_ line: Int, _ message: String) -> DataplaneError {
        DataplaneError("\(sourceName) line \(line): \(message)")
    }

    private func parseLine(_ raw: ArraySlice<UInt8>, piece: Int, number: Int, state: inout State)
        throws(DataplaneError)
    {
        var lo = raw.startIndex
        var hi = raw.endIndex
        while lo < hi && isSpace(raw[lo]) { lo += 1 }
        while hi > lo && isSpace(raw[hi - 1]) { hi -= 1 }
        if lo == hi { return }
        let line = raw[lo..<hi]
        switch line[lo] {
        case UInt8(ascii: "#"):
            return
        case UInt8(ascii: "*"):
            try openTable(line.dropFirst(), number: number, state: &state)
        case UInt8(ascii: ":"):
            try declareChain(line.dropFirst(), number: number, state: &state)
        case UInt8(ascii: "["), UInt8(ascii: "-"):
            try addRule(line, piece: piece, number: number, state: &state)
        default:
            let text = String(decoding: line, as: UTF8.self)
            if text == "COMMIT" {
                guard var open = state.open else { throw error(number, "COMMIT outside a table") }
                state.open = nil
                if state.compacting { compact(&open, into: &state) }
                // Each chain's records together, in chain order, input order within a chain.
                var starts: [UInt32] = []
                starts.reserveCapacity(open.ruleCounts.count)
                var total: UInt32 = 0
                for count in open.ruleCounts {
                    starts.append(total)
                    total += count
                }
                let ordered = [IPTablesRuleLines.Record](unsafeUninitializedCapacity: Int(total)) {
                    buffer, initialized in
                    var next = starts
                    for (record, chain) in zip(open.records, open.recordChains) {
                        (buffer.baseAddress! + Int(next[Int(chain)])).initialize(to: record)
                        next[Int(chain)] += 1
                    }
                    initialized = Int(total)
                }
                open.records = []
                open.recordChains = []
                let lines = IPTablesRuleLines(
                    pieces: state.pieces, records: ordered, chainNames: open.chains.map(\.name), parser: self)
                for i in open.chains.indices {
                    open.chains[i].storage = .lines(lines, start: starts[i], count: open.ruleCounts[i])
                }
                state.tables.append(
                    IPTablesTable(
                        name: open.name, line: open.line, chains: open.chains, index: open.index,
                        hasIPv6Addresses: open.hasIPv6Addresses))
                return
            }
            throw error(number, "unexpected line \(excerpt(text)) (not iptables-save output)")
        }
    }

    private func openTable(_ rest: ArraySlice<UInt8>, number: Int, state: inout State) throws(DataplaneError) {
        let name = String(decoding: rest, as: UTF8.self)
        if let open = state.open {
            throw error(
                number, "table \(excerpt(name)) starts before table \(open.name) (line \(open.line)) has its COMMIT")
        }
        guard isIdentifier(name) else { throw error(number, "bad table name \(excerpt(name))") }
        if state.tables.contains(where: { $0.name == name }) {
            throw error(number, "table \(name) appears twice")
        }
        state.open = OpenTable(name: name, line: number)
    }

    private func declareChain(_ rest: ArraySlice<UInt8>, number: Int, state: inout State) throws(DataplaneError) {
        guard var open = state.open else {
            throw error(
                number, "chain declaration \(excerpt(":" + String(decoding: rest, as: UTF8.self))) outside a table")
        }
        let words = try tokenize(rest, line: number).map(\.text)
        guard words.count == 2 || words.count == 3 else {
            throw error(
                number,
                "chain declaration needs ':NAME POLICY [packets:bytes]', got \(excerpt(":" + words.joined(separator: " ")))"
            )
        }
        let name = words[0]
        guard isIdentifier(name), name.utf8.count <= 64 else { throw error(number, "bad chain name \(excerpt(name))") }
        let policyWord = words[1]
        guard policyWord == "-" || isIdentifier(policyWord) else {
            throw error(number, "bad policy \(excerpt(policyWord)) for chain \(name)")
        }
        var counters: IPTablesCounters?
        if words.count == 3 {
            guard let c = parseCounters(words[2]) else {
                throw error(number, "bad counters \(excerpt(words[2])) for chain \(name) (expected [packets:bytes])")
            }
            counters = c
        }
        if open.index[name] != nil { throw error(number, "chain \(name) declared twice in table \(open.name)") }
        state.open = nil  // avoid a copy while mutating
        open.index[name] = open.chains.count
        open.ruleCounts.append(0)
        open.chains.append(
            IPTablesChain(
                name: name, policy: policyWord == "-" ? nil : policyWord, counters: counters, line: number,
                isBuiltin: policyWord != "-"))
        state.open = open
    }

    /// Checks a `[counters] -A CHAIN …` line and records where it is; the rule is built
    /// again from the line when its chain's rules are read (`rule(line:…)`).
    private func addRule(_ line: ArraySlice<UInt8>, piece: Int, number: Int, state: inout State)
        throws(DataplaneError)
    {
        let (tokens, counters, chainName) = try ruleTokens(line, number: number)
        guard var open = state.open else {
            throw error(number, "rule for chain \(excerpt(chainName)) outside a table (no *table line before it)")
        }
        var chainIndex: Int
        if let i = open.index[chainName] {
            chainIndex = i
        } else if IPTablesChain.builtinChains[open.name]?.contains(chainName) == true {
            // iptables-restore input (kube-proxy's, with --noflush) uses built-in chains
            // without declaring them; iptables-save always declares them.
            chainIndex = open.chains.count
            open.index[chainName] = chainIndex
            open.ruleCounts.append(0)
            open.chains.append(
                IPTablesChain(name: chainName, policy: nil, counters: nil, line: number, isBuiltin: true))
        } else {
            throw error(number, "rule for chain \(excerpt(chainName)), which table \(open.name) does not declare")
        }
        var targetChain: Int32 = -1
        let hasIPv6Address: Bool
        if state.checksRuleWords {
            let rule = try buildRule(line, tokens: tokens, counters: counters, number: number, chain: chainName)
            if let target = rule.target, case .other = target.decoded, let declared = open.index[target.name] {
                targetChain = Int32(declared)
            }
            hasIPv6Address = rule.hasIPv6Address
        } else {
            let scan = Self.scanTargetAndAddresses(tokens)
            if let target = scan.target, !IPTablesRuleBuilder.isTypedTarget(target), let declared = open.index[target] {
                targetChain = Int32(declared)
            }
            hasIPv6Address = scan.hasIPv6Address
        }
        if !open.hasIPv6Addresses && hasIPv6Address { open.hasIPv6Addresses = true }
        state.open = nil  // avoid a copy while mutating
        open.records.append(
            IPTablesRuleLines.Record(
                piece: UInt32(state.compacting ? state.pieces.count : piece), offset: UInt32(line.startIndex),
                length: UInt32(line.count),
                line: UInt32(number), targetChain: targetChain))
        open.recordChains.append(UInt32(chainIndex))
        open.ruleCounts[chainIndex] += 1
        state.open = open
    }

    /// The rule of a line `addRule` accepted, as chain `chain`, jumping to the declared
    /// chain `targetChain` when the target names one (see `point`).
    func rule(line: ArraySlice<UInt8>, number: Int, chain: String, targetChain: String?) throws(DataplaneError)
        -> IPTablesRule
    {
        let (tokens, counters, _) = try ruleTokens(line, number: number)
        var rule = try buildRule(line, tokens: tokens, counters: counters, number: number, chain: chain)
        rule.chain = chain
        Self.point(&rule, to: targetChain)
        return rule
    }

    /// `rule(line:…)` of a line stored without its leading `-A CHAIN ` (exactly those
    /// bytes, `IPTablesRuleLines`): `rest` is what followed them. The words are read from
    /// `rest` alone, the prefix is only put back into the rule's text.
    func rule(rest: ArraySlice<UInt8>, number: Int, chain: String, targetChain: String?) throws(DataplaneError)
        -> IPTablesRule
    {
        let text = "-A " + chain + " " + String(decoding: rest, as: UTF8.self)
        var rule = try build(try tokenize(rest, line: number)[...], number: number, chain: chain, text: text)
        rule.line = number
        rule.text = text
        Self.point(&rule, to: targetChain)
        return rule
    }

    /// `rule` jumping to the declared chain `targetChain`, when there is one (the name's
    /// storage shared with the table's instead of one copy per rule: kube-proxy's 25-byte
    /// chain names do not fit a small string).
    private static func point(_ rule: inout IPTablesRule, to targetChain: String?) {
        guard let targetChain else { return }
        rule.target?.name = targetChain
        rule.target?.decoded = .chain(targetChain)
    }

    /// What a rule's records need of its words, without building the rule: the name after
    /// `-j`/`-g`, and whether `-s`, `-d` or a DNAT address is IPv6 (`IPTablesRule.target`
    /// and `hasIPv6Address` of the built rule, for a well-formed line).
    static func scanTargetAndAddresses(_ tokens: ArraySlice<Token>) -> (target: String?, hasIPv6Address: Bool) {
        let colon = UInt8(ascii: ":")
        var target: String?
        var hasIPv6Address = false
        var i = tokens.startIndex
        while i + 1 < tokens.endIndex {
            let token = tokens[i]
            let value = tokens[i + 1].text
            i += 1
            guard !token.quoted else { continue }
            if target == nil {
                switch IPTablesRuleBuilder.RuleOption(token.text) {
                case .jump?, .goto?: target = value
                case .source?, .destination?: if value.utf8.contains(colon) { hasIPv6Address = true }
                default: break
                }
            } else if target == "DNAT" && (token.text == "--to-destination" || token.text == "--to") {
                // The address part holds a colon: `[v6]:port`, or a bare v6 (more than one colon).
                if value.hasPrefix("[") || value.utf8.lazy.filter({ $0 == colon }).count > 1 { hasIPv6Address = true }
            }
        }
        return (target, hasIPv6Address)
    }

    /// The words of a rule line without its leading counters and `-A CHAIN`, the counters,
    /// and the chain name.
    private func ruleTokens(_ line: ArraySlice<UInt8>, number: Int) throws(DataplaneError) -> (
        ArraySlice<Token>, IPTablesCounters?, String
    ) {
        var tokens = try tokenize(line, line: number)[...]
        var counters: IPTablesCounters?
        if let first = tokens.first, !first.quoted, first.text.hasPrefix("[") {
            guard let c = parseCounters(first.text) else {
                throw error(number, "bad rule counters \(excerpt(first.text)) (expected [packets:bytes])")
            }
            counters = c
            tokens = tokens.dropFirst()
        }
        guard tokens.count >= 2, let head = tokens.first, !head.quoted, head.text == "-A" || head.text == "--append"
        else {
            let head = tokens.first?.text ?? ""
            throw error(number, "unexpected \(excerpt(head)): iptables-save rules start with -A CHAIN")
        }
        let chainName = tokens[tokens.startIndex + 1].text
        return (tokens.dropFirst(2), counters, chainName)
    }

    /// The rule of `line` (its words after `-A CHAIN` in `tokens`), with its text (from
    /// `-A` on), line number and counters; the target is not resolved to a chain yet.
    private func buildRule(
        _ line: ArraySlice<UInt8>, tokens: ArraySlice<Token>, counters: IPTablesCounters?, number: Int, chain: String
    ) throws(DataplaneError) -> IPTablesRule {
        var rule = try build(tokens, number: number, chain: chain, text: String(decoding: line, as: UTF8.self))
        rule.line = number
        rule.counters = counters
        var body = line
        if counters != nil, let close = body.firstIndex(of: UInt8(ascii: "]")) {
            body = body[(close + 1)...]
            while let first = body.first, isSpace(first) { body = body.dropFirst() }
        }
        rule.text = String(decoding: body, as: UTF8.self)
        return rule
    }

    /// The rule of `tokens` (the words after `-A CHAIN`); a failure names line `number`
    /// and an excerpt of `text`.
    private func build(_ tokens: ArraySlice<Token>, number: Int, chain: String, text: @autoclosure () -> String)
        throws(DataplaneError) -> IPTablesRule
    {
        do {
            return try IPTablesRuleBuilder.build(chain: chain, tokens: tokens)
        } catch let failure {
            throw error(number, "\(failure.message) in rule \(excerpt(text(), limit: 80))")
        }
    }

    // MARK: - Tokens

    /// A word of a line; `quoted` when any part of it was inside double quotes.
    struct Token {
        var text: String
        var quoted: Bool

        /// True for an unquoted-looking `-…` option or `!` (an option's values end there).
        var isOptionOrNegation: Bool {
            let first = text.utf8.first
            return first == UInt8(ascii: "-") || (first == UInt8(ascii: "!") && text.utf8.count == 1)
        }
    }

    /// The words of one line (quotes grouping, escapes resolved).
    func tokenize(_ bytes: ArraySlice<UInt8>, line: Int) throws(DataplaneError) -> [Token] {
        let quote = UInt8(ascii: "\"")
        let backslash = UInt8(ascii: "\\")
        var tokens: [Token] = []
        tokens.reserveCapacity(24)
        var current: [UInt8] = []
        var i = bytes.startIndex
        let end = bytes.endIndex
        while i < end {
            while i < end && isSpace(bytes[i]) { i += 1 }
            if i == end { break }
            // A plain word (no quote before the next space) is one slice of the line.
            var j = i
            while j < end && !isSpace(bytes[j]) && bytes[j] != quote { j += 1 }
            if j == end || isSpace(bytes[j]) {
                tokens.append(Token(text: String(decoding: bytes[i..<j], as: UTF8.self), quoted: false))
                i = j
                continue
            }
            // A word with quotes, byte by byte: quotes group spaces; inside them `\"` and
            // `\\` escape.
            current.removeAll(keepingCapacity: true)
            var inQuotes = false
            var escaped = false
            while i < end {
                let b = bytes[i]
                if inQuotes {
                    if escaped {
                        current.append(b)
                        escaped = false
                    } else if b == backslash {
                        escaped = true
                    } else if b == quote {
                        inQuotes = false
                    } else {
                        current.append(b)
                    }
                } else if isSpace(b) {
                    break
                } else if b == quote {
                    inQuotes = true
                } else {
                    current.append(b)
                }
                i += 1
            }
            if inQuotes { throw error(line, "unterminated quote") }
            tokens.append(Token(text: String(decoding: current, as: UTF8.self), quoted: true))
        }
        return tokens
    }

    private func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0D || b == 0x0B || b == 0x0C }

    private func isIdentifier(_ s: String) -> Bool {
        !s.isEmpty
            && s.utf8.allSatisfy { b in
                (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
                    || b == UInt8(ascii: "-") || b == UInt8(ascii: "_") || b == UInt8(ascii: ".")
            }
    }

    /// `[packets:bytes]`, both decimal `UInt64`s, read byte by byte.
    private func parseCounters(_ s: String) -> IPTablesCounters? {
        let bytes = s.utf8
        guard bytes.count >= 5, bytes.first == UInt8(ascii: "["), bytes.last == UInt8(ascii: "]") else { return nil }
        var numbers: [UInt64] = [0, 0]
        var digits = [0, 0]
        var part = 0
        for b in bytes.dropFirst().dropLast() {
            if b == UInt8(ascii: ":") {
                part += 1
                if part > 1 { return nil }
                continue
            }
            guard b >= 0x30 && b <= 0x39 else { return nil }
            let (times10, o1) = numbers[part].multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(UInt64(b - 0x30))
            if o1 || o2 { return nil }
            numbers[part] = sum
            digits[part] += 1
        }
        guard part == 1, digits[0] > 0, digits[1] > 0 else { return nil }
        return IPTablesCounters(packets: numbers[0], bytes: numbers[1])
    }

    private func excerpt(_ s: String, limit: Int = 40) -> String {
        let printable = String(
            s.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? Character("?") : Character($0) })
        if printable.count <= limit { return "'\(printable)'" }
        return "'\(printable.prefix(limit))…'"
    }
}
