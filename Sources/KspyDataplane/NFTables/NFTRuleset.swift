/// The parts of an nf_tables ruleset the kube-proxy nftables-mode decoder needs
/// (dataplanes.md §2), independent of how they were read (`nft -j list ruleset` JSON
/// now; a netlink reader can build the same values). Expressions are kept in a
/// simplified, textual form: enough to follow verdicts, find `numgen` verdict maps,
/// `dnat to` and the masquerade mark, and to word conditions in notes.
public struct NFTRuleset: Hashable, Sendable {
    public var tables: [NFTTable]

    public init(tables: [NFTTable]) { self.tables = tables }

    /// The table `family name` (`ip kube-proxy`), nil when absent.
    public func table(family: String, name: String) -> NFTTable? {
        tables.first { $0.family == family && $0.name == name }
    }
}

/// One table: its chains (in listing order) and its named sets and maps.
public struct NFTTable: Hashable, Sendable {
    /// `ip`, `ip6`, `inet`, …
    public var family: String
    public var name: String
    public var chains: [NFTChain]
    public var sets: [NFTSet]

    public init(family: String, name: String, chains: [NFTChain] = [], sets: [NFTSet] = []) {
        self.family = family
        self.name = name
        self.chains = chains
        self.sets = sets
    }

    public func chain(_ name: String) -> NFTChain? { chains.first { $0.name == name } }
    public func set(_ name: String) -> NFTSet? { sets.first { $0.name == name } }
}

/// One chain; `hook` is set for base chains.
public struct NFTChain: Hashable, Sendable {
    public var name: String
    public var hook: String?
    public var rules: [NFTRule]

    public init(name: String, hook: String? = nil, rules: [NFTRule] = []) {
        self.name = name
        self.hook = hook
        self.rules = rules
    }
}

/// One rule: its statements in order.
public struct NFTRule: Hashable, Sendable {
    public var statements: [NFTStatement]
    public var comment: String?

    public init(statements: [NFTStatement], comment: String? = nil) {
        self.statements = statements
        self.comment = comment
    }

    /// The final verdict statement (`jump`/`goto`/`drop`/…), nil when there is none.
    public var verdict: NFTVerdict? {
        for s in statements.reversed() {
            if case .verdict(let v) = s { return v }
        }
        return nil
    }

    /// The `match` statements.
    public var matches: [NFTMatch] {
        statements.compactMap { if case .match(let m) = $0 { return m } else { return nil } }
    }
}

/// A verdict.
public enum NFTVerdict: Hashable, Sendable, CustomStringConvertible {
    case accept
    case drop
    case `continue`
    case `return`
    case jump(String)
    case goto(String)
    /// Anything else (`queue`, …), by name.
    case other(String)

    /// The chain a `jump`/`goto` leads to.
    public var chain: String? {
        switch self {
        case .jump(let c), .goto(let c): return c
        default: return nil
        }
    }

    public var description: String {
        switch self {
        case .accept: return "accept"
        case .drop: return "drop"
        case .continue: return "continue"
        case .return: return "return"
        case .jump(let c): return "jump \(c)"
        case .goto(let c): return "goto \(c)"
        case .other(let s): return s
        }
    }
}

/// A relational match `left op right`, both sides in nft's words: `ip saddr`,
/// `meta l4proto`, `fib daddr type`, `meta mark & 0x4000`; `10.0.0.0/8`, `@affinity-X`,
/// `tcp`, `80`, `local`.
public struct NFTMatch: Hashable, Sendable {
    public var left: String
    /// `==`, `!=`, `in`, `<`, …
    public var op: String
    public var right: String

    public init(left: String, op: String, right: String) {
        self.left = left
        self.op = op
        self.right = right
    }

    /// Negated (`!=`).
    public var negated: Bool { op == "!=" }
}

/// One element of a set or map: its key fields (a concatenation gives several; addresses
/// as text, protocols by name, ports and numbers in decimal), its verdict for verdict maps
/// and its comment.
public struct NFTElement: Hashable, Sendable {
    public var key: [String]
    public var verdict: NFTVerdict?
    public var comment: String?

    public init(key: [String], verdict: NFTVerdict? = nil, comment: String? = nil) {
        self.key = key
        self.verdict = verdict
        self.comment = comment
    }
}

/// A verdict-map lookup: which key it builds and which map it looks up.
public enum NFTVMapKey: Hashable, Sendable {
    /// `numgen random|inc mod N offset O`.
    case numgen(mode: String, modulus: Int, offset: Int)
    /// Anything else (`ip daddr . meta l4proto . th dport`), in words.
    case expression(String)
}

/// One statement of a rule.
public enum NFTStatement: Hashable, Sendable {
    case match(NFTMatch)
    case verdict(NFTVerdict)
    /// `KEY vmap @named` (`map` = name) or `KEY vmap { … }` (`map` nil, `entries` inline).
    case vmap(key: NFTVMapKey, map: String?, entries: [NFTElement])
    /// `dnat to ADDR[:PORT]`.
    case dnat(address: String?, port: Int?)
    /// `masquerade`, `snat`.
    case masquerade
    case reject
    /// `meta mark set meta mark | BITS`.
    case markOr(UInt32)
    /// `update @set { … }` / `add @set { … }`.
    case setUpdate(set: String)
    /// `counter`, `log`, …: kept by name only.
    case other(String)
}

/// A named set or map.
public struct NFTSet: Hashable, Sendable {
    public var name: String
    /// The key type, one entry per concatenated field (`ipv4_addr`, `inet_proto`, `inet_service`).
    public var keyType: [String]
    /// The data type of a map (`verdict`), nil for a set.
    public var dataType: String?
    /// The element timeout in seconds (`affinity-*` sets), nil when none.
    public var timeoutSeconds: Int?
    public var elements: [NFTElement]

    public init(
        name: String, keyType: [String], dataType: String? = nil, timeoutSeconds: Int? = nil,
        elements: [NFTElement] = []
    ) {
        self.name = name
        self.keyType = keyType
        self.dataType = dataType
        self.timeoutSeconds = timeoutSeconds
        self.elements = elements
    }
}
