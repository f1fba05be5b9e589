/// A parsed `iptables-save` dump (iptables-save(8) format, either backend): its tables in
/// input order. Built by `IPTablesSaveParser`; kube-proxy's chains are decoded from it by
/// `KubeProxyIPTablesDecoder`.
public struct IPTablesRuleset: Hashable, Sendable {
    /// The tables, in the order the dump lists them.
    public var tables: [IPTablesTable]

    public init(tables: [IPTablesTable] = []) { self.tables = tables }

    /// The table called `name` (`nat`, `filter`, `mangle`, `raw`, `security`), or nil.
    public func table(_ name: String) -> IPTablesTable? { tables.first { $0.name == name } }

    /// This ruleset with only the tables named in `names` (in this ruleset's order).
    public func selecting(tables names: Set<String>) -> IPTablesRuleset {
        IPTablesRuleset(tables: tables.filter { names.contains($0.name) })
    }

    /// This ruleset plus the tables of `other` (e.g. a `-t nat` and a `-t filter` dump).
    /// - Throws: `DataplaneError` when both hold a table of the same name.
    public func merging(_ other: IPTablesRuleset) throws(DataplaneError) -> IPTablesRuleset {
        var merged = self
        for table in other.tables {
            if self.table(table.name) != nil {
                throw DataplaneError("iptables: table \(table.name) appears in both rulesets being merged")
            }
            merged.tables.append(table)
        }
        return merged
    }
}

/// One table of an `iptables-save` dump (`*nat` … `COMMIT`).
public struct IPTablesTable: Hashable, Sendable {
    /// Table name as written after `*`.
    public var name: String
    /// 1-based line of the `*name` header in the dump.
    public var line: Int
    /// Chains in declaration order (`:NAME POLICY [p:b]` lines), each with its rules.
    public var chains: [IPTablesChain] {
        didSet {
            reindex()
            ipv6Summary = nil
        }
    }
    private var index: [String: Int] = [:]
    /// `hasIPv6Addresses` as the parser found it while reading; nil when not known.
    var ipv6Summary: Bool?

    public init(name: String, line: Int, chains: [IPTablesChain]) {
        self.name = name
        self.line = line
        self.chains = chains
        reindex()
    }

    /// A table whose `index` (chain name → position in `chains`, first declaration wins)
    /// and `hasIPv6Addresses` the caller already found, as the parser does while reading.
    init(name: String, line: Int, chains: [IPTablesChain], index: [String: Int], hasIPv6Addresses: Bool) {
        self.name = name
        self.line = line
        self.chains = chains
        self.index = index
        self.ipv6Summary = hasIPv6Addresses
    }

    /// Tables are equal by name, line and chains (the index and IPv6 summary follow from
    /// the chains).
    public static func == (a: IPTablesTable, b: IPTablesTable) -> Bool {
        a.name == b.name && a.line == b.line && a.chains == b.chains
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(name)
        hasher.combine(line)
        hasher.combine(chains)
    }

    /// True when some rule's `-s`, `-d` or DNAT address is an IPv6 one (an `ip6tables-save`
    /// dump).
    public var hasIPv6Addresses: Bool {
        if let ipv6Summary { return ipv6Summary }
        return chains.contains { chain in chain.rules.contains(where: \.hasIPv6Address) }
    }

    /// The chain called `name`, or nil.
    public func chain(_ name: String) -> IPTablesChain? { index[name].map { chains[$0] } }

    /// True when the table declares a chain called `name`.
    public func hasChain(_ name: String) -> Bool { index[name] != nil }

    private mutating func reindex() {
        index = [:]
        for (i, chain) in chains.enumerated() where index[chain.name] == nil { index[chain.name] = i }
    }
}

/// One chain: a built-in chain with its policy, or a user chain (policy `-`).
public struct IPTablesChain: Hashable, Sendable {
    /// Chain name (iptables allows up to 28 characters).
    public var name: String
    /// `ACCEPT`/`DROP` for a built-in chain; nil for a user chain (written `-`), and for a
    /// built-in chain that restore-style input used without declaring it.
    public var policy: String?
    /// True for a chain the kernel table provides (`PREROUTING`, `INPUT`, …).
    public var isBuiltin: Bool
    /// The chain's `[packets:bytes]` as the dump shows them.
    public var counters: IPTablesCounters?
    /// 1-based line of the `:NAME` declaration.
    public var line: Int
    /// Rules in order (rule numbers are index + 1, as `iptables -L --line-numbers` counts).
    /// A chain read by `IPTablesSaveParser` builds them from their lines on each access
    /// (see `IPTablesRuleLines`): read them once into a local when walking a chain.
    public var rules: [IPTablesRule] {
        get {
            switch storage {
            case .rules(let rules): return rules
            case .lines(let lines, let start, let count): return lines.rules(start: start, count: count, chain: name)
            }
        }
        set { storage = .rules(newValue) }
    }

    /// The rules `range` (indices into `rules`), built only those for a chain read from a
    /// dump.
    func rules(in range: Range<Int>) -> [IPTablesRule] {
        switch storage {
        case .rules(let rules): return Array(rules[range])
        case .lines(let lines, let start, _):
            return lines.rules(start: start + UInt32(range.lowerBound), count: UInt32(range.count), chain: name)
        }
    }

    /// The number of rules (without building them).
    public var ruleCount: Int {
        switch storage {
        case .rules(let rules): return rules.count
        case .lines(_, _, let count): return Int(count)
        }
    }

    /// The chains of the table the rules jump or go to (`-j`/`-g` naming a declared
    /// chain), in rule order. A chain read from a dump knows them without building a rule.
    var chainJumps: [String] {
        switch storage {
        case .rules(let rules): return rules.compactMap { $0.targetChain }
        case .lines(let lines, let start, let count): return lines.chainJumps(start: start, count: count)
        }
    }

    /// The rules whose target is not a chain of the table (a verdict, a target extension,
    /// none), in order: for a chain read from a dump, only these are built.
    var rulesNotJumpingToChains: [IPTablesRule] {
        switch storage {
        case .rules(let rules): return rules.filter { $0.targetChain == nil }
        case .lines(let lines, let start, let count):
            return lines.rules(start: start, count: count, chain: name, skippingChainJumps: true)
        }
    }

    /// Where the rules are: built, or as the lines of the dump they were read from.
    enum Storage: Sendable {
        case rules([IPTablesRule])
        /// The rules are `lines.records[start..<start + count]`.
        case lines(IPTablesRuleLines, start: UInt32, count: UInt32)
    }

    var storage: Storage

    public init(
        name: String, policy: String?, counters: IPTablesCounters?, line: Int, rules: [IPTablesRule] = [],
        isBuiltin: Bool? = nil
    ) {
        self.name = name
        self.policy = policy
        self.isBuiltin = isBuiltin ?? (policy != nil)
        self.counters = counters
        self.line = line
        self.storage = .rules(rules)
    }

    public static func == (a: IPTablesChain, b: IPTablesChain) -> Bool {
        a.name == b.name && a.policy == b.policy && a.isBuiltin == b.isBuiltin && a.counters == b.counters
            && a.line == b.line && a.ruleCount == b.ruleCount && a.rules == b.rules
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(name)
        hasher.combine(policy)
        hasher.combine(isBuiltin)
        hasher.combine(counters)
        hasher.combine(line)
        hasher.combine(rules)
    }

    /// The built-in chains of each iptables table (iptables(8) "TABLES").
    public static let builtinChains: [String: Set<String>] = [
        "filter": ["INPUT", "FORWARD", "OUTPUT"],
        "nat": ["PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"],
        "mangle": ["PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"],
        "raw": ["PREROUTING", "OUTPUT"],
        "security": ["INPUT", "FORWARD", "OUTPUT"],
    ]
}

/// Packet and byte counters (`[packets:bytes]`).
public struct IPTablesCounters: Codable, Hashable, Sendable {
    public var packets: UInt64
    public var bytes: UInt64

    public init(packets: UInt64, bytes: UInt64) {
        self.packets = packets
        self.bytes = bytes
    }
}
