/// One `-A CHAIN …` rule of an `iptables-save` dump, with the selectors and matches
/// kube-proxy writes as typed fields and everything else kept verbatim.
public struct IPTablesRule: Hashable, Sendable {
    /// The chain it belongs to.
    public var chain: String
    /// 1-based line in the dump.
    public var line: Int
    /// The rule as written, from `-A` on (a leading `[p:b]` counter removed).
    public var text: String
    /// `[packets:bytes]` when the dump was made with `-c`.
    public var counters: IPTablesCounters?
    /// `-s` (iptables-save writes IPv4 hosts as `/32`).
    public var source: IPTablesValueMatch?
    /// `-d`.
    public var destination: IPTablesValueMatch?
    /// `-p` (lower-case as written: `tcp`, `udp`, `sctp`, `icmp`, or a number).
    public var `protocol`: IPTablesValueMatch?
    /// `-i`.
    public var inInterface: IPTablesValueMatch?
    /// `-o`.
    public var outInterface: IPTablesValueMatch?
    /// `-f` (true) or `! -f` (false); nil when absent.
    public var fragment: Bool?
    /// `-m` matches in order.
    public var matches: [IPTablesMatch]
    /// `-j`/`-g`; nil for a rule that only counts.
    public var target: IPTablesTarget?
    /// Rule-level options kspy does not model (e.g. `-4`), verbatim.
    public var otherOptions: [IPTablesOption]

    public init(
        chain: String, line: Int, text: String, counters: IPTablesCounters? = nil,
        source: IPTablesValueMatch? = nil, destination: IPTablesValueMatch? = nil,
        protocol: IPTablesValueMatch? = nil, inInterface: IPTablesValueMatch? = nil,
        outInterface: IPTablesValueMatch? = nil, fragment: Bool? = nil, matches: [IPTablesMatch] = [],
        target: IPTablesTarget? = nil, otherOptions: [IPTablesOption] = []
    ) {
        self.chain = chain
        self.line = line
        self.text = text
        self.counters = counters
        self.source = source
        self.destination = destination
        self.protocol = `protocol`
        self.inInterface = inInterface
        self.outInterface = outInterface
        self.fragment = fragment
        self.matches = matches
        self.target = target
        self.otherOptions = otherOptions
    }

    /// The first `-m comment` text, or nil.
    public var comment: String? {
        for match in matches { if case .comment(let text) = match.decoded { return text } }
        return nil
    }

    /// The first `-m statistic`, or nil.
    public var statistic: IPTablesStatisticMatch? {
        for match in matches { if case .statistic(let s) = match.decoded { return s } }
        return nil
    }

    /// The first `-m recent`, or nil.
    public var recent: IPTablesRecentMatch? {
        for match in matches { if case .recent(let r) = match.decoded { return r } }
        return nil
    }

    /// The first `-m addrtype`, or nil.
    public var addrtype: IPTablesAddrtypeMatch? {
        for match in matches { if case .addrtype(let a) = match.decoded { return a } }
        return nil
    }

    /// The first `-m mark`, or nil.
    public var mark: IPTablesMarkMatch? {
        for match in matches { if case .mark(let m) = match.decoded { return m } }
        return nil
    }

    /// The first `-m tcp|udp|sctp` port match, or nil.
    public var ports: IPTablesPortMatch? {
        for match in matches { if case .ports(let p) = match.decoded { return p } }
        return nil
    }

    /// The destination port when the rule selects exactly one (`--dport 80`), else nil.
    public var destinationPort: Int? { ports?.destinationPorts?.single }

    /// True when `-s`, `-d` or a DNAT address is an IPv6 one (holds a `:`).
    public var hasIPv6Address: Bool {
        let colon = UInt8(ascii: ":")
        if destination?.value.utf8.contains(colon) == true || source?.value.utf8.contains(colon) == true {
            return true
        }
        if case .dnat(let d)? = target?.decoded, d.address?.utf8.contains(colon) == true { return true }
        return false
    }

    /// The chain this rule jumps (or goes) to, or nil.
    public var targetChain: String? { target?.chain }

    /// True when the rule has no condition besides comments: every packet reaching it
    /// takes it (before probabilities are considered, see `statistic`).
    public var isUnconditional: Bool {
        conditionCount(ignoringStatistic: false) == 0
    }

    /// The number of conditions (selectors and non-comment matches); with
    /// `ignoringStatistic` the `-m statistic` match is not counted.
    public func conditionCount(ignoringStatistic: Bool) -> Int {
        // Counted one by one: an array of the five selectors would be allocated per call.
        var n = 0
        if source != nil { n += 1 }
        if destination != nil { n += 1 }
        if `protocol` != nil { n += 1 }
        if inInterface != nil { n += 1 }
        if outInterface != nil { n += 1 }
        if fragment != nil { n += 1 }
        for match in matches {
            switch match.decoded {
            case .comment: continue
            case .statistic where ignoringStatistic: continue
            // `-m tcp` with no option (iptables-save prints it after `-p tcp`) selects nothing more.
            case .ports(let p) where p.sourcePorts == nil && p.destinationPorts == nil && match.options.isEmpty:
                continue
            default: n += 1
            }
        }
        return n
    }
}
