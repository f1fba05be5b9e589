/// The numeric constants of the netlink and rtnetlink ABI that kspy uses, copied from
/// the uapi headers `linux/netlink.h`, `linux/rtnetlink.h`, `linux/if_link.h`,
/// `linux/if_addr.h`, `linux/veth.h` and `linux/net_namespace.h`. The Glibc module
/// does not export all of them; the values are part of the stable kernel ABI.
public enum NetlinkConstants {
    // MARK: netlink(7): protocol, socket options, message header

    /// `NETLINK_ROUTE` (netlink.h): the rtnetlink protocol.
    public static let NETLINK_ROUTE: Int32 = 0
    /// `SOL_NETLINK` (linux/socket.h): socket option level of netlink options.
    public static let SOL_NETLINK: Int32 = 270
    /// `NETLINK_CAP_ACK` (netlink.h): error ACKs carry only the request's header.
    public static let NETLINK_CAP_ACK: Int32 = 10
    /// `NETLINK_EXT_ACK` (netlink.h): error ACKs carry NLMSGERR_ATTR_* TLVs.
    public static let NETLINK_EXT_ACK: Int32 = 11
    /// `NLMSG_HDRLEN`: size of `struct nlmsghdr`.
    public static let NLMSG_HDRLEN = 16
    /// `NLA_HDRLEN`: size of `struct nlattr`.
    public static let NLA_HDRLEN = 4
    /// `NLMSG_ALIGNTO` / `NLA_ALIGNTO`: messages and attributes are 4-byte aligned.
    public static let NLMSG_ALIGNTO = 4

    /// `NLMSG_NOOP` (netlink.h): a message to ignore.
    public static let NLMSG_NOOP: UInt16 = 1
    /// `NLMSG_ERROR` (netlink.h): an error or ACK (`struct nlmsgerr`).
    public static let NLMSG_ERROR: UInt16 = 2
    /// `NLMSG_DONE` (netlink.h): the end of a multi-part dump.
    public static let NLMSG_DONE: UInt16 = 3
    /// `NLMSG_OVERRUN` (netlink.h): data was lost.
    public static let NLMSG_OVERRUN: UInt16 = 4

    /// `NLM_F_REQUEST` (netlink.h): the message is a request.
    public static let NLM_F_REQUEST: UInt16 = 0x01
    /// `NLM_F_MULTI` (netlink.h): part of a multi-part reply ended by NLMSG_DONE.
    public static let NLM_F_MULTI: UInt16 = 0x02
    /// `NLM_F_ACK` (netlink.h): ask the kernel for an ACK (an NLMSG_ERROR with error 0).
    public static let NLM_F_ACK: UInt16 = 0x04
    /// `NLM_F_DUMP_INTR` (netlink.h): the dump was inconsistent (changed while dumping).
    public static let NLM_F_DUMP_INTR: UInt16 = 0x10
    /// `NLM_F_DUMP` (netlink.h): `NLM_F_ROOT | NLM_F_MATCH`, return all objects.
    public static let NLM_F_DUMP: UInt16 = 0x300
    /// `NLM_F_REPLACE` (netlink.h): replace an existing object.
    public static let NLM_F_REPLACE: UInt16 = 0x100
    /// `NLM_F_EXCL` (netlink.h): fail with EEXIST when the object exists.
    public static let NLM_F_EXCL: UInt16 = 0x200
    /// `NLM_F_CREATE` (netlink.h): create the object when it does not exist.
    public static let NLM_F_CREATE: UInt16 = 0x400
    /// `NLM_F_CAPPED` (netlink.h, in NLMSG_ERROR): the echoed request was cut to its header.
    public static let NLM_F_CAPPED: UInt16 = 0x100
    /// `NLM_F_ACK_TLVS` (netlink.h, in NLMSG_ERROR): extended-ACK TLVs follow.
    public static let NLM_F_ACK_TLVS: UInt16 = 0x200
    /// `NLMSGERR_ATTR_MSG` (netlink.h): the kernel's error message string.
    public static let NLMSGERR_ATTR_MSG: UInt16 = 1
    /// `NLMSGERR_ATTR_OFFS` (netlink.h): offset of the rejected attribute in the request.
    public static let NLMSGERR_ATTR_OFFS: UInt16 = 2
    /// `NLA_F_NESTED` (netlink.h): the attribute contains attributes.
    public static let NLA_F_NESTED: UInt16 = 0x8000
    /// `NLA_F_NET_BYTEORDER` (netlink.h): the payload is in network byte order.
    public static let NLA_F_NET_BYTEORDER: UInt16 = 0x4000
    /// `NLA_TYPE_MASK` (netlink.h): the attribute type without its flags.
    public static let NLA_TYPE_MASK: UInt16 = 0x3fff

    // MARK: rtnetlink(7) message types

    /// `RTM_NEWLINK` (rtnetlink.h): create a link / a link in a dump.
    public static let RTM_NEWLINK: UInt16 = 16
    /// `RTM_DELLINK` (rtnetlink.h): delete a link.
    public static let RTM_DELLINK: UInt16 = 17
    /// `RTM_GETLINK` (rtnetlink.h): get or dump links.
    public static let RTM_GETLINK: UInt16 = 18
    /// `RTM_SETLINK` (rtnetlink.h): change an existing link.
    public static let RTM_SETLINK: UInt16 = 19
    /// `RTM_NEWADDR` (rtnetlink.h): add an address / an address in a dump.
    public static let RTM_NEWADDR: UInt16 = 20
    /// `RTM_DELADDR` (rtnetlink.h): delete an address.
    public static let RTM_DELADDR: UInt16 = 21
    /// `RTM_GETADDR` (rtnetlink.h): dump addresses.
    public static let RTM_GETADDR: UInt16 = 22
    /// `RTM_NEWROUTE` (rtnetlink.h): add a route / a route in a dump.
    public static let RTM_NEWROUTE: UInt16 = 24
    /// `RTM_DELROUTE` (rtnetlink.h): delete a route.
    public static let RTM_DELROUTE: UInt16 = 25
    /// `RTM_GETROUTE` (rtnetlink.h): get or dump routes.
    public static let RTM_GETROUTE: UInt16 = 26
    /// `RTM_NEWNSID` (rtnetlink.h): a netns id (reply to RTM_GETNSID).
    public static let RTM_NEWNSID: UInt16 = 88
    /// `RTM_GETNSID` (rtnetlink.h): look up the id of a network namespace.
    public static let RTM_GETNSID: UInt16 = 90

    // MARK: if_link.h, veth.h

    /// `IFLA_ADDRESS` (if_link.h): the link-layer (MAC) address.
    public static let IFLA_ADDRESS: UInt16 = 1
    /// `IFLA_IFNAME` (if_link.h): the interface name (NUL-terminated string).
    public static let IFLA_IFNAME: UInt16 = 3
    /// `IFLA_MTU` (if_link.h): the MTU (u32).
    public static let IFLA_MTU: UInt16 = 4
    /// `IFLA_LINK` (if_link.h): ifindex of the lower/peer device (u32).
    public static let IFLA_LINK: UInt16 = 5
    /// `IFLA_MASTER` (if_link.h): ifindex of the master (bridge, bond) device (u32).
    public static let IFLA_MASTER: UInt16 = 10
    /// `IFLA_OPERSTATE` (if_link.h): RFC 2863 operational state (u8).
    public static let IFLA_OPERSTATE: UInt16 = 16
    /// `IFLA_LINKINFO` (if_link.h): nested `IFLA_INFO_*` attributes.
    public static let IFLA_LINKINFO: UInt16 = 18
    /// `IFLA_NET_NS_PID` (if_link.h): move/create in the netns of this PID (u32).
    public static let IFLA_NET_NS_PID: UInt16 = 19
    /// `IFLA_NET_NS_FD` (if_link.h): move/create in the netns of this fd (u32).
    public static let IFLA_NET_NS_FD: UInt16 = 28
    /// `IFLA_LINK_NETNSID` (if_link.h): netnsid of the namespace of IFLA_LINK (s32).
    public static let IFLA_LINK_NETNSID: UInt16 = 37
    /// `IFLA_INFO_KIND` (if_link.h): the link type name, e.g. "veth" (string).
    public static let IFLA_INFO_KIND: UInt16 = 1
    /// `IFLA_INFO_DATA` (if_link.h): type-specific nested attributes.
    public static let IFLA_INFO_DATA: UInt16 = 2
    /// `IFLA_INFO_SLAVE_KIND` (if_link.h): the master's type for a port, e.g. "bridge".
    public static let IFLA_INFO_SLAVE_KIND: UInt16 = 4
    /// `VETH_INFO_PEER` (veth.h): an `ifinfomsg` plus IFLA_* attributes of the peer.
    public static let VETH_INFO_PEER: UInt16 = 1
    /// `IFLA_EXT_MASK` (if_link.h): RTEXT_FILTER_* bits selecting what a dump includes (u32).
    public static let IFLA_EXT_MASK: UInt16 = 29
    /// `RTEXT_FILTER_SKIP_STATS` (rtnetlink.h): leave the statistics out of link dumps.
    public static let RTEXT_FILTER_SKIP_STATS: UInt32 = 1 << 3
    /// `IFF_UP` (linux/if.h): administratively up.
    public static let IFF_UP: UInt32 = 0x1
    /// `IFF_RUNNING` (linux/if.h): operationally up.
    public static let IFF_RUNNING: UInt32 = 0x40
    /// `IFF_LOWER_UP` (linux/if.h): the driver signals carrier.
    public static let IFF_LOWER_UP: UInt32 = 0x10000
    /// `IFNAMSIZ` (linux/if.h): interface names are at most 15 bytes plus NUL.
    public static let IFNAMSIZ = 16

    // MARK: if_addr.h

    /// `IFA_ADDRESS` (if_addr.h): the (peer) address; for broadcast links equal to IFA_LOCAL.
    public static let IFA_ADDRESS: UInt16 = 1
    /// `IFA_LOCAL` (if_addr.h): the local address (IPv4).
    public static let IFA_LOCAL: UInt16 = 2
    /// `IFA_LABEL` (if_addr.h): the address label (string).
    public static let IFA_LABEL: UInt16 = 3
    /// `IFA_BROADCAST` (if_addr.h): the broadcast address (IPv4).
    public static let IFA_BROADCAST: UInt16 = 4
    /// `IFA_FLAGS` (if_addr.h): the full 32-bit IFA_F_* flags.
    public static let IFA_FLAGS: UInt16 = 8

    // MARK: rtnetlink.h: routes

    /// `RTA_DST` (rtnetlink.h): route destination address.
    public static let RTA_DST: UInt16 = 1
    /// `RTA_OIF` (rtnetlink.h): output interface index (u32).
    public static let RTA_OIF: UInt16 = 4
    /// `RTA_GATEWAY` (rtnetlink.h): next-hop gateway address.
    public static let RTA_GATEWAY: UInt16 = 5
    /// `RTA_PRIORITY` (rtnetlink.h): route metric (u32).
    public static let RTA_PRIORITY: UInt16 = 6
    /// `RTA_PREFSRC` (rtnetlink.h): preferred source address.
    public static let RTA_PREFSRC: UInt16 = 7
    /// `RTA_TABLE` (rtnetlink.h): the routing table id (u32, for ids above 255).
    public static let RTA_TABLE: UInt16 = 15
    /// `RT_TABLE_MAIN` (rtnetlink.h): the main routing table.
    public static let RT_TABLE_MAIN: UInt32 = 254
    /// `RTPROT_KERNEL` (rtnetlink.h): route installed by the kernel (connected routes).
    public static let RTPROT_KERNEL: UInt8 = 2
    /// `RTPROT_BOOT` (rtnetlink.h): route installed by an administrator (`ip route add`).
    public static let RTPROT_BOOT: UInt8 = 3
    /// `RT_SCOPE_UNIVERSE` (rtnetlink.h): a global route.
    public static let RT_SCOPE_UNIVERSE: UInt8 = 0
    /// `RT_SCOPE_LINK` (rtnetlink.h): a destination on the attached link.
    public static let RT_SCOPE_LINK: UInt8 = 253
    /// `RT_SCOPE_HOST` (rtnetlink.h): a local address.
    public static let RT_SCOPE_HOST: UInt8 = 254
    /// `RTN_UNICAST` (rtnetlink.h): a gateway or direct route.
    public static let RTN_UNICAST: UInt8 = 1

    // MARK: net_namespace.h

    /// `NETNSA_NSID` (net_namespace.h): the netns id (s32; -1 when not assigned).
    public static let NETNSA_NSID: UInt16 = 1
    /// `NETNSA_FD` (net_namespace.h): a network namespace file descriptor (u32).
    public static let NETNSA_FD: UInt16 = 3
    /// `NETNSA_NSID_NOT_ASSIGNED` (net_namespace.h).
    public static let NETNSA_NSID_NOT_ASSIGNED: Int32 = -1

    // MARK: socket.h

    /// `AF_UNSPEC`.
    public static let AF_UNSPEC: UInt8 = 0
    /// `AF_INET`.
    public static let AF_INET: UInt8 = 2
    /// `AF_INET6`.
    public static let AF_INET6: UInt8 = 10
    /// `AF_NETLINK`.
    public static let AF_NETLINK: Int32 = 16
}
