/// The iptables rules one service frontend's traffic walks through, in order and
/// depth-first, for `kspy nat`: the entry rule in `KUBE-SERVICES` (or `KUBE-NODEPORTS`),
/// then every rule of each per-service chain it reaches (`KUBE-FW-`, `KUBE-EXT-`,
/// `KUBE-SVC-`/`KUBE-SVL-`, `KUBE-SEP-`), each with its text and its meaning in words.
public struct NatChainPath: Codable, Hashable, Sendable {
    /// The frontend this path belongs to (`vip:port/protocol`, kind, name).
    public var vip: String
    public var port: Int
    public var `protocol`: String
    public var kind: ServiceKind
    public var name: String?
    /// The rules, depth-first.
    public var steps: [NatChainStep]

    public init(vip: String, port: Int, protocol: String, kind: ServiceKind, name: String?, steps: [NatChainStep]) {
        self.vip = vip
        self.port = port
        self.protocol = `protocol`
        self.kind = kind
        self.name = name
        self.steps = steps
    }

    /// Encodes every key, nil as null.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(vip, forKey: .vip)
        try c.encode(port, forKey: .port)
        try c.encode(`protocol`, forKey: .protocol)
        try c.encode(kind, forKey: .kind)
        try c.encode(name, forKey: .name)
        try c.encode(steps, forKey: .steps)
    }
}

/// One rule on a `NatChainPath`.
public struct NatChainStep: Codable, Hashable, Sendable {
    /// Nesting: 0 for the entry rule, +1 for each jump.
    public var depth: Int
    /// `nat` or `filter`.
    public var table: String
    /// The chain holding the rule.
    public var chain: String
    /// 1-based position of the rule in its chain (`iptables -L --line-numbers`).
    public var ruleNumber: Int
    /// The rule in `iptables-save` syntax.
    public var rule: String
    /// The rule in words (`IPTablesRule.words`).
    public var words: String
    /// For a rule that picks an endpoint: the effective share of new connections it takes
    /// (its probability times what the rules before it left); nil otherwise.
    public var share: Double?

    public init(depth: Int, table: String, chain: String, ruleNumber: Int, rule: String, words: String, share: Double?)
    {
        self.depth = depth
        self.table = table
        self.chain = chain
        self.ruleNumber = ruleNumber
        self.rule = rule
        self.words = words
        self.share = share
    }

    /// Encodes every key, nil as null.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(depth, forKey: .depth)
        try c.encode(table, forKey: .table)
        try c.encode(chain, forKey: .chain)
        try c.encode(ruleNumber, forKey: .ruleNumber)
        try c.encode(rule, forKey: .rule)
        try c.encode(words, forKey: .words)
        try c.encode(share, forKey: .share)
    }
}
