/// An IPv4 network in CIDR form ("10.244.0.0/24"): a prefix length 0…32 and the
/// network address with all host bits zero. Prefix math follows RFC 4632; /31 and /32
/// have no network or broadcast address of their own (RFC 3021).
public struct IPv4Network: Hashable, Sendable, CustomStringConvertible, LosslessStringConvertible {
    /// The network address (host bits zero).
    public let network: IPv4Address
    /// The prefix length, 0…32.
    public let prefixLength: Int

    /// Creates the network of `address`/`prefixLength` (host bits of `address` are
    /// cleared), or nil when `prefixLength` is outside 0…32.
    public init?(address: IPv4Address, prefixLength: Int) {
        guard (0...32).contains(prefixLength) else { return nil }
        self.prefixLength = prefixLength
        self.network = IPv4Address(address.value & IPv4Network.mask(prefixLength))
    }

    /// Parses "a.b.c.d/n". Host bits that are set are cleared ("10.244.0.5/24" is the
    /// network 10.244.0.0/24), as Go's net.ParseCIDR and `ip route` do.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let address = IPv4Address(String(parts[0])),
            !parts[1].isEmpty, parts[1].count <= 2, parts[1].allSatisfy({ $0.isASCII && $0.isNumber }),
            let length = Int(parts[1])
        else { return nil }
        self.init(address: address, prefixLength: length)
    }

    /// The netmask, e.g. 255.255.255.0 for /24.
    public var netmask: IPv4Address { IPv4Address(IPv4Network.mask(prefixLength)) }

    /// The broadcast address (all host bits one), e.g. 10.244.0.255 for 10.244.0.0/24.
    public var broadcast: IPv4Address { IPv4Address(network.value | ~IPv4Network.mask(prefixLength)) }

    /// The number of addresses in the network (2^(32-prefix)).
    public var addressCount: UInt64 { UInt64(1) << UInt64(32 - prefixLength) }

    /// The number of usable host addresses: all but network and broadcast, except for
    /// /31 (both usable, RFC 3021) and /32 (one).
    public var hostCount: UInt64 { prefixLength >= 31 ? addressCount : addressCount - 2 }

    /// The `n`-th host address, counting from 1 (host 1 of 10.244.0.0/24 is 10.244.0.1);
    /// for /31 and /32 host 1 is the first address. Nil when `n` is outside the usable hosts.
    public func host(_ n: UInt64) -> IPv4Address? {
        guard n >= 1, n <= hostCount else { return nil }
        let offset = prefixLength >= 31 ? n - 1 : n
        return IPv4Address(network.value + UInt32(offset))
    }

    /// True when `address` lies in this network (including network and broadcast).
    public func contains(_ address: IPv4Address) -> Bool {
        address.value & IPv4Network.mask(prefixLength) == network.value
    }

    /// True when `other` lies entirely inside this network.
    public func contains(_ other: IPv4Network) -> Bool {
        other.prefixLength >= prefixLength && contains(other.network)
    }

    /// "network/prefix", e.g. "10.244.0.0/24".
    public var description: String { "\(network)/\(prefixLength)" }

    /// The netmask of a prefix length as a number (0 for /0).
    static func mask(_ prefixLength: Int) -> UInt32 {
        prefixLength == 0 ? 0 : UInt32.max << UInt32(32 - prefixLength)
    }
}
