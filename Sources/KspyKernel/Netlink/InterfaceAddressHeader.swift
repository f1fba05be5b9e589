/// `struct ifaddrmsg` (rtnetlink(7), linux/if_addr.h), the 8-byte header of
/// RTM_NEWADDR / RTM_DELADDR / RTM_GETADDR messages.
public struct InterfaceAddressHeader: Equatable, Sendable {
    /// Size of `struct ifaddrmsg`.
    public static let size = 8

    /// `ifa_family`: AF_INET or AF_INET6.
    public var family: UInt8
    /// `ifa_prefixlen`: the prefix length of the address.
    public var prefixLength: UInt8
    /// `ifa_flags`: the low 8 IFA_F_* flags (IFA_FLAGS carries all 32).
    public var flags: UInt8
    /// `ifa_scope`: RT_SCOPE_* of the address.
    public var scope: UInt8
    /// `ifa_index`: the interface index the address is on.
    public var index: UInt32

    /// Creates a header.
    public init(family: UInt8, prefixLength: UInt8, flags: UInt8 = 0, scope: UInt8 = 0, index: UInt32) {
        self.family = family
        self.prefixLength = prefixLength
        self.flags = flags
        self.scope = scope
        self.index = index
    }

    /// Parses the header at the start of a message payload.
    /// - Throws: `NetlinkError.malformed` when fewer than 8 bytes are given.
    public init<C: Collection<UInt8>>(parsing bytes: C) throws(NetlinkError) where C.Index == Int {
        guard let family = NetlinkBytes.load(UInt8.self, from: bytes, at: 0),
            let prefixLength = NetlinkBytes.load(UInt8.self, from: bytes, at: 1),
            let flags = NetlinkBytes.load(UInt8.self, from: bytes, at: 2),
            let scope = NetlinkBytes.load(UInt8.self, from: bytes, at: 3),
            let index = NetlinkBytes.load(UInt32.self, from: bytes, at: 4)
        else { throw .malformed("ifaddrmsg needs 8 bytes, got \(bytes.count)") }
        self.init(family: family, prefixLength: prefixLength, flags: flags, scope: scope, index: index)
    }

    /// The 8 bytes as the kernel reads them.
    public func encoded() -> [UInt8] {
        var bytes: [UInt8] = [family, prefixLength, flags, scope]
        NetlinkBytes.append(index, to: &bytes)
        return bytes
    }
}
