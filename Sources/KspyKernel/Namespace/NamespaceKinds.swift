/// A set of namespace kinds as the `CLONE_NEW*` flags `clone(2)`, `unshare(2)` and
/// `setns(2)` take them: a bit mask, not a `Set<NamespaceKind>` (whose storage type the
/// runtime builds at first use, on `kspy exec`'s latency path).
public struct NamespaceKinds: OptionSet, Hashable, Sendable {
    /// The `CLONE_NEW*` flags.
    public let rawValue: Int32

    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// The set holding `kind` alone.
    public init(_ kind: NamespaceKind) { rawValue = kind.cloneFlag }

    /// The set holding `kinds`.
    public init(kinds: [NamespaceKind]) {
        rawValue = kinds.reduce(0) { $0 | $1.cloneFlag }
    }

    public static let mnt = NamespaceKinds(.mnt)
    public static let pid = NamespaceKinds(.pid)
    public static let net = NamespaceKinds(.net)
    public static let ipc = NamespaceKinds(.ipc)
    public static let uts = NamespaceKinds(.uts)
    public static let user = NamespaceKinds(.user)
    public static let cgroup = NamespaceKinds(.cgroup)
    public static let time = NamespaceKinds(.time)

    /// Calls `body` with each kind the set holds, in `NamespaceKind` order.
    public func forEach(_ body: (NamespaceKind) throws -> Void) rethrows {
        for kind in NamespaceKind.allCases where rawValue & kind.cloneFlag != 0 { try body(kind) }
    }
}
