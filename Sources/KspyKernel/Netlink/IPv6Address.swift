import Glibc

/// An IPv6 address: 16 bytes in network byte order (`struct in6_addr`, as IFA_ADDRESS
/// and RTA_* attributes carry it), parsed and formatted with inet_pton(3) /
/// inet_ntop(3), which produce the RFC 5952 text form ("fe80::1").
public struct IPv6Address: Hashable, Sendable, CustomStringConvertible, LosslessStringConvertible {
    /// The 16 bytes in network byte order.
    public let bytes: [UInt8]

    /// Creates an address from its 16 bytes; nil unless exactly 16 are given.
    public init?<C: Collection<UInt8>>(networkBytes: C) {
        guard networkBytes.count == 16 else { return nil }
        bytes = Array(networkBytes)
    }

    /// Parses the text form with inet_pton(AF_INET6); nil when it is not an IPv6 address.
    public init?(_ text: String) {
        var address = in6_addr()
        let rc = withUnsafeMutableBytes(of: &address) { inet_pton(AF_INET6, text, $0.baseAddress) }
        guard rc == 1 else { return nil }
        bytes = withUnsafeBytes(of: &address) { Array($0) }
    }

    /// The RFC 5952 text form from inet_ntop(AF_INET6), e.g. "fe80::1".
    public var description: String {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let ok = bytes.withUnsafeBytes { raw in
            inet_ntop(AF_INET6, raw.baseAddress, &buffer, socklen_t(buffer.count)) != nil
        }
        guard ok else { return bytes.map { String($0, radix: 16) }.joined(separator: ":") }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
