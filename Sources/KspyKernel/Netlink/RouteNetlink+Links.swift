import Glibc

/// Links: RTM_GETLINK, RTM_NEWLINK, RTM_SETLINK, RTM_DELLINK (rtnetlink(7), linux/if_link.h).
extension RouteNetlink {
    /// All links of the namespace: an RTM_GETLINK dump (statistics skipped with
    /// IFLA_EXT_MASK = RTEXT_FILTER_SKIP_STATS).
    public func links() throws(NetlinkError) -> [Link] {
        var attributes = NetlinkAttributeEncoder()
        attributes.append(NetlinkConstants.IFLA_EXT_MASK, u32: NetlinkConstants.RTEXT_FILTER_SKIP_STATS)
        let request = NetlinkMessage(
            type: NetlinkConstants.RTM_GETLINK, flags: NetlinkConstants.NLM_F_DUMP,
            header: InterfaceInfoHeader().encoded(), attributes: attributes)
        var links: [Link] = []
        for reply in try socket.request(request, description: "dump links (RTM_GETLINK)")
        where reply.type == NetlinkConstants.RTM_NEWLINK {
            links.append(try Link(message: reply))
        }
        return links
    }

    /// The link called `name` (RTM_GETLINK with IFLA_IFNAME), or nil when the kernel
    /// answers ENODEV.
    public func link(named name: String) throws(NetlinkError) -> Link? {
        try RouteNetlink.validateInterfaceName(name)
        var attributes = NetlinkAttributeEncoder()
        try attributes.append(NetlinkConstants.IFLA_IFNAME, string: name)
        attributes.append(NetlinkConstants.IFLA_EXT_MASK, u32: NetlinkConstants.RTEXT_FILTER_SKIP_STATS)
        return try getLink(header: InterfaceInfoHeader(), attributes: attributes, description: "get link \(name)")
    }

    /// The link with ifindex `index` (RTM_GETLINK), or nil when the kernel answers ENODEV.
    public func link(index: Int32) throws(NetlinkError) -> Link? {
        var attributes = NetlinkAttributeEncoder()
        attributes.append(NetlinkConstants.IFLA_EXT_MASK, u32: NetlinkConstants.RTEXT_FILTER_SKIP_STATS)
        return try getLink(
            header: InterfaceInfoHeader(index: index), attributes: attributes, description: "get link \(index)")
    }

    private func getLink(header: InterfaceInfoHeader, attributes: NetlinkAttributeEncoder, description: String)
        throws(NetlinkError) -> Link?
    {
        let request = NetlinkMessage(
            type: NetlinkConstants.RTM_GETLINK, header: header.encoded(), attributes: attributes)
        do {
            let replies = try socket.request(request, description: description + " (RTM_GETLINK)")
            guard let reply = replies.first(where: { $0.type == NetlinkConstants.RTM_NEWLINK }) else { return nil }
            return try Link(message: reply)
        } catch let error where error.errno == ENODEV {
            return nil
        }
    }

    /// Creates a bridge called `name` (RTM_NEWLINK with NLM_F_CREATE | NLM_F_EXCL and
    /// IFLA_LINKINFO / IFLA_INFO_KIND "bridge"). It starts down.
    /// - Throws: `NetlinkError.kernel` (EEXIST when the name is taken, EOPNOTSUPP without
    ///   the bridge module).
    public func createBridge(name: String) throws(NetlinkError) {
        try RouteNetlink.validateInterfaceName(name)
        var attributes = NetlinkAttributeEncoder()
        try attributes.append(NetlinkConstants.IFLA_IFNAME, string: name)
        try attributes.appendNested(NetlinkConstants.IFLA_LINKINFO) { (info) throws(NetlinkError) in
            try info.append(NetlinkConstants.IFLA_INFO_KIND, string: "bridge")
        }
        try newLink(attributes, description: "create bridge \(name)")
    }

    /// Creates a veth pair `name` ↔ `peerName` (IFLA_LINKINFO kind "veth"; IFLA_INFO_DATA
    /// → VETH_INFO_PEER carries an `ifinfomsg` and the peer's IFLA_IFNAME, see
    /// linux/veth.h). With `peerNamespaceFD`, the peer is created directly in that
    /// network namespace (IFLA_NET_NS_FD inside VETH_INFO_PEER), so it never appears in
    /// this one. Both ends start down.
    /// - Throws: `NetlinkError.kernel` (EEXIST when a name is taken, EBADF/EINVAL for a
    ///   bad namespace fd).
    public func createVethPair(name: String, peerName: String, peerNamespaceFD: Int32? = nil) throws(NetlinkError) {
        try RouteNetlink.validateInterfaceName(name)
        try RouteNetlink.validateInterfaceName(peerName)
        var peer = NetlinkAttributeEncoder()
        try peer.append(NetlinkConstants.IFLA_IFNAME, string: peerName)
        if let peerNamespaceFD { peer.append(NetlinkConstants.IFLA_NET_NS_FD, s32: peerNamespaceFD) }
        let peerPayload = InterfaceInfoHeader().encoded() + peer.bytes

        var attributes = NetlinkAttributeEncoder()
        try attributes.append(NetlinkConstants.IFLA_IFNAME, string: name)
        try attributes.appendNested(NetlinkConstants.IFLA_LINKINFO) { (info) throws(NetlinkError) in
            try info.append(NetlinkConstants.IFLA_INFO_KIND, string: "veth")
            try info.appendNested(NetlinkConstants.IFLA_INFO_DATA) { (data) throws(NetlinkError) in
                // VETH_INFO_PEER is an ifinfomsg followed by attributes, not a plain
                // attribute list, so it carries no NLA_F_NESTED flag.
                try data.append(NetlinkConstants.VETH_INFO_PEER, bytes: peerPayload)
            }
        }
        let place = peerNamespaceFD.map { " (peer in netns fd \($0))" } ?? ""
        try newLink(attributes, description: "create veth \(name) <-> \(peerName)\(place)")
    }

    /// Makes `link` a port of the bridge `bridge` (RTM_SETLINK with IFLA_MASTER).
    /// - Throws: `NetlinkError.kernel` (ENODEV for an unknown index, ELOOP/EBUSY …).
    public func setMaster(link: Int32, bridge: Int32) throws(NetlinkError) {
        var attributes = NetlinkAttributeEncoder()
        attributes.append(NetlinkConstants.IFLA_MASTER, u32: UInt32(bitPattern: bridge))
        try setLink(link, attributes: attributes, description: "set master of link \(link) to \(bridge)")
    }

    /// Releases `link` from its bridge or bond (RTM_SETLINK with IFLA_MASTER 0).
    public func removeMaster(link: Int32) throws(NetlinkError) {
        var attributes = NetlinkAttributeEncoder()
        attributes.append(NetlinkConstants.IFLA_MASTER, u32: 0)
        try setLink(link, attributes: attributes, description: "remove master of link \(link)")
    }

    /// Sets IFF_UP on `link` (RTM_SETLINK with ifi_flags = ifi_change = IFF_UP), like
    /// `ip link set … up`.
    public func setUp(link: Int32) throws(NetlinkError) {
        try setLink(
            link, flags: NetlinkConstants.IFF_UP, change: NetlinkConstants.IFF_UP,
            attributes: NetlinkAttributeEncoder(), description: "set link \(link) up")
    }

    /// Clears IFF_UP on `link` (RTM_SETLINK with ifi_flags 0, ifi_change IFF_UP).
    public func setDown(link: Int32) throws(NetlinkError) {
        try setLink(
            link, flags: 0, change: NetlinkConstants.IFF_UP, attributes: NetlinkAttributeEncoder(),
            description: "set link \(link) down")
    }

    /// Renames `link` (RTM_SETLINK with IFLA_IFNAME). The kernel refuses (EBUSY) to
    /// rename most running devices: rename before `setUp`.
    public func rename(link: Int32, to name: String) throws(NetlinkError) {
        try RouteNetlink.validateInterfaceName(name)
        var attributes = NetlinkAttributeEncoder()
        try attributes.append(NetlinkConstants.IFLA_IFNAME, string: name)
        try setLink(link, attributes: attributes, description: "rename link \(link) to \(name)")
    }

    /// Sets the MTU of `link` (RTM_SETLINK with IFLA_MTU).
    public func setMTU(link: Int32, mtu: UInt32) throws(NetlinkError) {
        var attributes = NetlinkAttributeEncoder()
        attributes.append(NetlinkConstants.IFLA_MTU, u32: mtu)
        try setLink(link, attributes: attributes, description: "set MTU of link \(link) to \(mtu)")
    }

    /// Moves `link` into the network namespace of `namespaceFD` (RTM_SETLINK with
    /// IFLA_NET_NS_FD). It keeps its name unless that is taken there, gets a new ifindex
    /// only on conflict, and loses its addresses and its IFF_UP state.
    public func moveToNamespace(link: Int32, namespaceFD: Int32) throws(NetlinkError) {
        var attributes = NetlinkAttributeEncoder()
        attributes.append(NetlinkConstants.IFLA_NET_NS_FD, s32: namespaceFD)
        try setLink(link, attributes: attributes, description: "move link \(link) to netns fd \(namespaceFD)")
    }

    /// Deletes the link with ifindex `index` (RTM_DELLINK). Deleting one end of a veth
    /// pair deletes both.
    /// - Throws: `NetlinkError.kernel` (ENODEV when there is no such link, EOPNOTSUPP for
    ///   devices that cannot be deleted such as `lo`).
    public func deleteLink(index: Int32) throws(NetlinkError) {
        let request = NetlinkMessage(
            type: NetlinkConstants.RTM_DELLINK, header: InterfaceInfoHeader(index: index).encoded(),
            attributes: NetlinkAttributeEncoder())
        _ = try socket.request(request, description: "delete link \(index) (RTM_DELLINK)")
    }

    private func newLink(_ attributes: NetlinkAttributeEncoder, description: String) throws(NetlinkError) {
        let request = NetlinkMessage(
            type: NetlinkConstants.RTM_NEWLINK, flags: NetlinkConstants.NLM_F_CREATE | NetlinkConstants.NLM_F_EXCL,
            header: InterfaceInfoHeader().encoded(), attributes: attributes)
        _ = try socket.request(request, description: description + " (RTM_NEWLINK)")
    }

    private func setLink(
        _ index: Int32, flags: UInt32 = 0, change: UInt32 = 0, attributes: NetlinkAttributeEncoder,
        description: String
    ) throws(NetlinkError) {
        let header = InterfaceInfoHeader(index: index, flags: flags, change: change)
        let request = NetlinkMessage(
            type: NetlinkConstants.RTM_SETLINK, header: header.encoded(), attributes: attributes)
        _ = try socket.request(request, description: description + " (RTM_SETLINK)")
    }
}
