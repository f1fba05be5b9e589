/// What a rule does: `-j TARGET [options]` (or `-g CHAIN`). `options` always holds what
/// was written; `decoded` is a typed view for what kube-proxy uses (iptables-extensions(8)).
public struct IPTablesTarget: Hashable, Sendable {
    /// The target or chain name after `-j`/`-g`.
    public var name: String
    /// True for `-g` (goto: no return to this chain).
    public var isGoto: Bool
    /// Target options, verbatim and in order.
    public var options: [IPTablesOption]
    /// The typed view.
    public var decoded: Decoded

    public init(name: String, isGoto: Bool, options: [IPTablesOption], decoded: Decoded) {
        self.name = name
        self.isGoto = isGoto
        self.options = options
        self.decoded = decoded
    }

    /// The target in `iptables-save` syntax.
    public var text: String { ([isGoto ? "-g" : "-j", name] + options.map(\.text)).joined(separator: " ") }

    /// The chain jumped to, when the target is a user chain of the same table.
    public var chain: String? {
        if case .chain(let name) = decoded { return name }
        return nil
    }

    /// Typed views of targets.
    public enum Decoded: Hashable, Sendable {
        /// A user chain of the same table.
        case chain(String)
        /// `ACCEPT`, `DROP`, `RETURN`, `QUEUE`.
        case verdict(String)
        /// `DNAT --to-destination …`.
        case dnat(IPTablesNATDestination)
        /// `MARK --set-xmark` (and the `--set-mark/--or-mark/--and-mark/--xor-mark` forms).
        case mark(IPTablesMarkTarget)
        /// `MASQUERADE [--to-ports P] [--random] [--random-fully]`.
        case masquerade(IPTablesMasqueradeTarget)
        /// `REJECT [--reject-with TYPE]`.
        case reject(with: String?)
        /// Any other target extension: see `options`.
        case other
    }
}

/// A `DNAT --to-destination [ip[-ip]][:port[-port]]` destination (IPv6 as `[addr]:port`).
public struct IPTablesNATDestination: Codable, Hashable, Sendable {
    /// The value as written.
    public var raw: String
    /// First (or only) address; nil when only a port was given.
    public var address: String?
    /// Last address of a range, nil for one address.
    public var addressMax: String?
    /// First (or only) port; nil when the port is unchanged.
    public var port: Int?
    /// Last port of a range.
    public var portMax: Int?
    /// `--random`.
    public var random: Bool
    /// `--persistent`.
    public var persistent: Bool

    public init(
        raw: String, address: String?, addressMax: String?, port: Int?, portMax: Int?, random: Bool = false,
        persistent: Bool = false
    ) {
        self.raw = raw
        self.address = address
        self.addressMax = addressMax
        self.port = port
        self.portMax = portMax
        self.random = random
        self.persistent = persistent
    }
}

/// `MARK` in xt_mark_tginfo2 form: the kernel sets `mark = (mark & ~mask) ^ value`.
/// iptables-save prints every form as `--set-xmark value/mask`; `--or-mark X` is
/// value = mask = X, `--xor-mark X` is value X, mask 0 (dataplanes.md §6.2).
public struct IPTablesMarkTarget: Hashable, Sendable {
    public var value: UInt32
    public var mask: UInt32

    public init(value: UInt32, mask: UInt32) {
        self.value = value
        self.mask = mask
    }

    /// The bits set when this is an OR (value == mask), else nil.
    public var orBits: UInt32? { value == mask && value != 0 ? value : nil }
    /// The bits flipped when this is an XOR (mask 0), else nil.
    public var xorBits: UInt32? { mask == 0 ? value : nil }
}

/// `MASQUERADE` options.
public struct IPTablesMasqueradeTarget: Hashable, Sendable {
    public var toPorts: String?
    public var random: Bool
    public var randomFully: Bool

    public init(toPorts: String?, random: Bool, randomFully: Bool) {
        self.toPorts = toPorts
        self.random = random
        self.randomFully = randomFully
    }
}
