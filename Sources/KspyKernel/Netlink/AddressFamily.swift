/// The address families rtnetlink addresses and routes are reported for
/// (`ifa_family` / `rtm_family`, the AF_* values of socket.h).
public enum AddressFamily: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    /// AF_INET (2).
    case ipv4 = 2
    /// AF_INET6 (10).
    case ipv6 = 10

    /// The length of an address of this family in bytes (4 or 16).
    public var addressLength: Int { self == .ipv4 ? 4 : 16 }

    /// Formats `bytes` (network byte order) as an address of this family; nil when
    /// the length does not match.
    public func format(_ bytes: [UInt8]) -> String? {
        switch self {
        case .ipv4: return IPv4Address(networkBytes: bytes)?.description
        case .ipv6: return IPv6Address(networkBytes: bytes)?.description
        }
    }

    /// "inet" or "inet6", as `ip` prints them.
    public var description: String { self == .ipv4 ? "inet" : "inet6" }
}
