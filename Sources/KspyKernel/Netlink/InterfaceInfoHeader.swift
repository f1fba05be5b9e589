/// `struct ifinfomsg` (rtnetlink(7), linux/rtnetlink.h), the 16-byte header of
/// RTM_NEWLINK / RTM_DELLINK / RTM_GETLINK / RTM_SETLINK messages and of a veth's
/// VETH_INFO_PEER attribute.
public struct InterfaceInfoHeader: Equatable, Sendable {
    /// Size of `struct ifinfomsg`.
    public static let size = 16

    /// `ifi_family` (AF_UNSPEC for links).
    public var family: UInt8
    /// `ifi_type`: ARPHRD_* device type (1 = Ethernet, 772 = loopback).
    public var deviceType: UInt16
    /// `ifi_index`: interface index; 0 lets the kernel choose on creation.
    public var index: Int32
    /// `ifi_flags`: IFF_* flags.
    public var flags: UInt32
    /// `ifi_change`: which IFF_* flags a request changes.
    public var change: UInt32

    /// Creates a header.
    public init(family: UInt8 = 0, deviceType: UInt16 = 0, index: Int32 = 0, flags: UInt32 = 0, change: UInt32 = 0) {
        self.family = family
        self.deviceType = deviceType
        self.index = index
        self.flags = flags
        self.change = change
    }

    /// Parses the header at the start of a message payload.
    /// - Throws: `NetlinkError.malformed` when fewer than 16 bytes are given.
    public init<C: Collection<UInt8>>(parsing bytes: C) throws(NetlinkError) where C.Index == Int {
        guard let family = NetlinkBytes.load(UInt8.self, from: bytes, at: 0),
            let deviceType = NetlinkBytes.load(UInt16.self, from: bytes, at: 2),
            let index = NetlinkBytes.load(Int32.self, from: bytes, at: 4),
            let flags = NetlinkBytes.load(UInt32.self, from: bytes, at: 8),
            let change = NetlinkBytes.load(UInt32.self, from: bytes, at: 12)
        else { throw .malformed("ifinfomsg needs 16 bytes, got \(bytes.count)") }
        self.init(family: family, deviceType: deviceType, index: index, flags: flags, change: change)
    }

    /// The 16 bytes as the kernel reads them (`ifi_pad` is zero).
    public func encoded() -> [UInt8] {
        var bytes: [UInt8] = [family, 0]
        NetlinkBytes.append(deviceType, to: &bytes)
        NetlinkBytes.append(index, to: &bytes)
        NetlinkBytes.append(flags, to: &bytes)
        NetlinkBytes.append(change, to: &bytes)
        return bytes
    }
}
