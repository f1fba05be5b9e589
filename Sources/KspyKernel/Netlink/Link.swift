/// A network interface as an RTM_NEWLINK message describes it (rtnetlink(7)): the
/// `ifinfomsg` header and the IFLA_* attributes of linux/if_link.h.
public struct Link: Equatable, Sendable {
    /// `ifi_index`: the interface index, unique within its network namespace.
    public var index: Int32
    /// IFLA_IFNAME.
    public var name: String
    /// IFLA_LINKINFO → IFLA_INFO_KIND: the driver kind ("veth", "bridge", "vxlan" …);
    /// nil for devices without rtnl_link_ops (loopback, physical NICs).
    public var kind: String?
    /// IFLA_LINKINFO → IFLA_INFO_SLAVE_KIND: the master's kind for a port ("bridge").
    public var portKind: String?
    /// `ifi_flags`: IFF_* flags (linux/if.h).
    public var flags: UInt32
    /// `ifi_type`: ARPHRD_* device type (1 = Ethernet, 772 = loopback).
    public var deviceType: UInt16
    /// IFLA_MTU.
    public var mtu: UInt32?
    /// IFLA_ADDRESS formatted as lowercase hex bytes joined by ":" (the MAC for Ethernet).
    public var mac: String?
    /// IFLA_MASTER: ifindex of the bridge/bond this link is a port of.
    public var masterIndex: Int32?
    /// IFLA_LINK: for a veth the ifindex of its peer (in the peer's namespace, see
    /// `linkNetnsID`); for vlan/macvlan/ipvlan the lower device. The kernel omits it when
    /// it equals the link's own index.
    public var peerIndex: Int32?
    /// IFLA_LINK_NETNSID: the netnsid (as this namespace numbers it, see
    /// `RouteNetlink.netnsID(of:)`) of the namespace `peerIndex` lives in; nil when the
    /// peer is in the same namespace.
    public var linkNetnsID: Int32?
    /// IFLA_OPERSTATE: RFC 2863 state (0 unknown, 2 down, 6 up).
    public var operationalState: UInt8?

    /// True when IFF_UP is set (administratively up).
    public var isUp: Bool { flags & NetlinkConstants.IFF_UP != 0 }
    /// True when IFF_LOWER_UP is set (the device has carrier).
    public var hasCarrier: Bool { flags & NetlinkConstants.IFF_LOWER_UP != 0 }

    /// Creates a link description from its fields.
    public init(
        index: Int32, name: String, kind: String? = nil, portKind: String? = nil, flags: UInt32 = 0,
        deviceType: UInt16 = 0, mtu: UInt32? = nil, mac: String? = nil, masterIndex: Int32? = nil,
        peerIndex: Int32? = nil, linkNetnsID: Int32? = nil, operationalState: UInt8? = nil
    ) {
        self.index = index
        self.name = name
        self.kind = kind
        self.portKind = portKind
        self.flags = flags
        self.deviceType = deviceType
        self.mtu = mtu
        self.mac = mac
        self.masterIndex = masterIndex
        self.peerIndex = peerIndex
        self.linkNetnsID = linkNetnsID
        self.operationalState = operationalState
    }

    /// Parses an RTM_NEWLINK message (a dump entry or a reply).
    /// - Throws: `NetlinkError.malformed` for a short header, a malformed attribute or
    ///   an integer attribute of the wrong size.
    public init(message: NetlinkMessage) throws(NetlinkError) {
        guard message.type == NetlinkConstants.RTM_NEWLINK else {
            throw .malformed("expected RTM_NEWLINK, got message type \(message.type)")
        }
        let header = try InterfaceInfoHeader(parsing: message.payload)
        let attributes = try message.attributes(afterHeaderOfSize: InterfaceInfoHeader.size)
        let info = try attributes.attribute(NetlinkConstants.IFLA_LINKINFO)?.nested()
        self.init(
            index: header.index,
            name: attributes.attribute(NetlinkConstants.IFLA_IFNAME)?.string ?? "",
            kind: info?.attribute(NetlinkConstants.IFLA_INFO_KIND)?.string,
            portKind: info?.attribute(NetlinkConstants.IFLA_INFO_SLAVE_KIND)?.string,
            flags: header.flags,
            deviceType: header.deviceType,
            mtu: try attributes.attribute(NetlinkConstants.IFLA_MTU)?.u32(),
            mac: attributes.attribute(NetlinkConstants.IFLA_ADDRESS).map { Link.formatHardwareAddress($0.payload) },
            masterIndex: try attributes.attribute(NetlinkConstants.IFLA_MASTER)?.s32(),
            peerIndex: try attributes.attribute(NetlinkConstants.IFLA_LINK)?.s32(),
            linkNetnsID: try attributes.attribute(NetlinkConstants.IFLA_LINK_NETNSID)?.s32(),
            operationalState: try attributes.attribute(NetlinkConstants.IFLA_OPERSTATE)?.u8())
    }

    /// Formats link-layer address bytes as `ip link` does: "02:42:ac:11:00:02".
    public static func formatHardwareAddress(_ bytes: [UInt8]) -> String {
        bytes.map { byte in
            let digits = String(byte, radix: 16)
            return digits.count == 1 ? "0" + digits : digits
        }.joined(separator: ":")
    }
}
