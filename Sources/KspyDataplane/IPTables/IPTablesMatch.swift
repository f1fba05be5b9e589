/// One `-m module [options]` of a rule. `options` always holds everything as written;
/// `decoded` is a typed view for the modules kube-proxy writes (iptables-extensions(8)).
public struct IPTablesMatch: Hashable, Sendable {
    /// The module name after `-m` (`comment`, `statistic`, `recent`, `tcp`, …).
    public var module: String
    /// Its options, verbatim and in order.
    public var options: [IPTablesOption]
    /// The typed view, `.other` for modules (or option sets) kspy does not model.
    public var decoded: Decoded

    public init(module: String, options: [IPTablesOption], decoded: Decoded) {
        self.module = module
        self.options = options
        self.decoded = decoded
    }

    /// The match in `iptables-save` syntax.
    public var text: String { (["-m", module] + options.map(\.text)).joined(separator: " ") }

    /// Typed views of the matches kube-proxy uses.
    public enum Decoded: Hashable, Sendable {
        /// `-m comment --comment TEXT`.
        case comment(String)
        /// `-m statistic --mode random --probability P` / `--mode nth --every N [--packet P]`.
        case statistic(IPTablesStatisticMatch)
        /// `-m recent …` (session affinity).
        case recent(IPTablesRecentMatch)
        /// `-m addrtype [--src-type T] [--dst-type T]`.
        case addrtype(IPTablesAddrtypeMatch)
        /// `-m mark [!] --mark value[/mask]`.
        case mark(IPTablesMarkMatch)
        /// `-m tcp|udp|sctp [--sport …] [--dport …]`.
        case ports(IPTablesPortMatch)
        /// `-m conntrack [!] --ctstate S[,S…]` (other conntrack options stay raw).
        case conntrack(IPTablesConntrackMatch)
        /// Anything else: see `options`.
        case other
    }
}

/// `-m statistic` (xt_statistic): the kernel takes a rule when
/// `(random_u32 & 0x7FFFFFFF) < round(p × 2^31)` (net/netfilter/xt_statistic.c), and
/// iptables-save prints that stored value back as `%.11f`.
public struct IPTablesStatisticMatch: Hashable, Sendable {
    /// `random` or `nth`.
    public var mode: String
    /// `--probability` as read back (random mode).
    public var probability: Double?
    /// `--every` (nth mode).
    public var every: Int?
    /// `--packet` (nth mode).
    public var packet: Int?
    /// True for `! --probability` / `! --every`.
    public var negated: Bool

    public init(mode: String, probability: Double?, every: Int?, packet: Int?, negated: Bool) {
        self.mode = mode
        self.probability = probability
        self.every = every
        self.packet = packet
        self.negated = negated
    }

    /// The share of packets (new connections, in the nat table) this match takes:
    /// `probability` (random), `1/every` (nth), inverted when negated; nil when unknown.
    public var takenShare: Double? {
        let share: Double?
        if mode == "random" {
            share = probability
        } else if mode == "nth", let every, every > 0 {
            share = 1 / Double(every)
        } else {
            share = nil
        }
        return share.map { negated ? 1 - $0 : $0 }
    }
}

/// `-m recent` (xt_recent): kube-proxy's ClientIP session affinity checks
/// `--rcheck --seconds S --reap` in the service chain and `--set` in the endpoint chain.
public struct IPTablesRecentMatch: Hashable, Sendable {
    /// What the match does with the list.
    public enum Action: String, Codable, Hashable, Sendable {
        case set, rcheck, update, remove
    }
    /// The list name (`--name`, default `DEFAULT`).
    public var name: String
    /// `--set`, `--rcheck`, `--update` or `--remove`; nil when none was given.
    public var action: Action?
    /// `--seconds`.
    public var seconds: Int?
    /// `--hitcount`.
    public var hitCount: Int?
    /// `--reap`.
    public var reap: Bool
    /// `--rttl`.
    public var rttl: Bool
    /// True for `--rdest` (list keyed by destination), false for `--rsource` (default).
    public var usesDestination: Bool
    /// `--mask`, when written.
    public var mask: String?
    /// True when the action was inverted (`! --rcheck`).
    public var negated: Bool

    public init(
        name: String, action: Action?, seconds: Int?, hitCount: Int?, reap: Bool, rttl: Bool,
        usesDestination: Bool, mask: String?, negated: Bool
    ) {
        self.name = name
        self.action = action
        self.seconds = seconds
        self.hitCount = hitCount
        self.reap = reap
        self.rttl = rttl
        self.usesDestination = usesDestination
        self.mask = mask
        self.negated = negated
    }
}

/// `-m addrtype` (xt_addrtype): address types from the routing table (`LOCAL`, …).
public struct IPTablesAddrtypeMatch: Hashable, Sendable {
    public var sourceType: String?
    public var sourceNegated: Bool
    public var destinationType: String?
    public var destinationNegated: Bool
    /// `--limit-iface-in` / `--limit-iface-out`.
    public var limitInInterface: Bool
    public var limitOutInterface: Bool

    public init(
        sourceType: String?, sourceNegated: Bool, destinationType: String?, destinationNegated: Bool,
        limitInInterface: Bool, limitOutInterface: Bool
    ) {
        self.sourceType = sourceType
        self.sourceNegated = sourceNegated
        self.destinationType = destinationType
        self.destinationNegated = destinationNegated
        self.limitInInterface = limitInInterface
        self.limitOutInterface = limitOutInterface
    }
}

/// `-m mark [!] --mark value[/mask]`: true when `(skb->mark & mask) == value` (xt_mark).
public struct IPTablesMarkMatch: Hashable, Sendable {
    public var value: UInt32
    /// 0xffffffff when no mask was written.
    public var mask: UInt32
    public var negated: Bool

    public init(value: UInt32, mask: UInt32, negated: Bool) {
        self.value = value
        self.mask = mask
        self.negated = negated
    }
}

/// An inclusive port range, `80` or `1000:2000` in iptables syntax.
public struct IPTablesPortRange: Codable, Hashable, Sendable {
    public var lower: Int
    public var upper: Int
    public var negated: Bool

    public init(lower: Int, upper: Int, negated: Bool = false) {
        self.lower = lower
        self.upper = upper
        self.negated = negated
    }

    /// The single port when the range holds one, else nil.
    public var single: Int? { lower == upper && !negated ? lower : nil }

    /// `80`, `1000-2000`, with `not ` in front when negated.
    public var words: String {
        (negated ? "not " : "") + (lower == upper ? "\(lower)" : "\(lower)-\(upper)")
    }
}

/// `-m tcp|udp|sctp` with its port selectors (other options stay raw in the match).
public struct IPTablesPortMatch: Hashable, Sendable {
    /// `tcp`, `udp` or `sctp`.
    public var `protocol`: String
    public var sourcePorts: IPTablesPortRange?
    public var destinationPorts: IPTablesPortRange?

    public init(protocol: String, sourcePorts: IPTablesPortRange?, destinationPorts: IPTablesPortRange?) {
        self.protocol = `protocol`
        self.sourcePorts = sourcePorts
        self.destinationPorts = destinationPorts
    }
}

/// `-m conntrack [!] --ctstate NEW,RELATED…`.
public struct IPTablesConntrackMatch: Hashable, Sendable {
    /// The states, upper-case as written; empty when only other conntrack options were given.
    public var states: [String]
    public var negated: Bool

    public init(states: [String], negated: Bool) {
        self.states = states
        self.negated = negated
    }
}
