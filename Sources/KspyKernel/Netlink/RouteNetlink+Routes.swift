/// Routes: RTM_NEWROUTE, RTM_DELROUTE, RTM_GETROUTE (rtnetlink(7), linux/rtnetlink.h).
extension RouteNetlink {
    /// Adds the IPv4 default route (0.0.0.0/0) via `gateway` out of `link` to the main
    /// table, like `ip route add default via … dev …` (RTM_NEWROUTE: protocol boot,
    /// scope universe, type unicast; RTA_GATEWAY, RTA_OIF, RTA_TABLE).
    /// - Throws: `.kernel` with ENETUNREACH when the gateway is not on a connected
    ///   network of an up link, EEXIST when a default route exists, ENODEV for a bad link.
    public func addDefaultRoute(via gateway: String, link: Int32) throws(NetlinkError) {
        guard let gatewayAddress = IPv4Address(gateway) else {
            throw .invalidArgument("IPv4 gateway \(gateway.debugDescription)")
        }
        try addRoute(to: nil, via: gatewayAddress, link: link)
    }

    /// Adds an IPv4 route to `destination` (nil: the default route) out of `link`,
    /// via `gateway` or, without one, directly on the link (scope link), in `table`.
    public func addRoute(
        to destination: IPv4Network?, via gateway: IPv4Address?, link: Int32,
        table: UInt32 = NetlinkConstants.RT_TABLE_MAIN
    ) throws(NetlinkError) {
        let (header, attributes) = try routeMessage(
            destination: destination, gateway: gateway, link: link, table: table)
        let request = NetlinkMessage(
            type: NetlinkConstants.RTM_NEWROUTE, flags: NetlinkConstants.NLM_F_CREATE | NetlinkConstants.NLM_F_EXCL,
            header: header.encoded(), attributes: attributes)
        _ = try socket.request(
            request, description: "add route \(RouteNetlink.describe(destination, gateway, link)) (RTM_NEWROUTE)")
    }

    /// Deletes the IPv4 route to `destination` (nil: the default route) via `gateway` out of `link`.
    /// - Throws: `.kernel` with ESRCH when no such route exists.
    public func deleteRoute(
        to destination: IPv4Network?, via gateway: IPv4Address?, link: Int32,
        table: UInt32 = NetlinkConstants.RT_TABLE_MAIN
    ) throws(NetlinkError) {
        let (header, attributes) = try routeMessage(
            destination: destination, gateway: gateway, link: link, table: table)
        let request = NetlinkMessage(
            type: NetlinkConstants.RTM_DELROUTE, header: header.encoded(), attributes: attributes)
        _ = try socket.request(
            request, description: "delete route \(RouteNetlink.describe(destination, gateway, link)) (RTM_DELROUTE)")
    }

    /// The routes of `family` in `table` (default: IPv4, main table; nil: every table,
    /// including `local`): an RTM_GETROUTE dump. Without NETLINK_GET_STRICT_CHK the
    /// kernel dumps all tables, so the table is filtered here on RTA_TABLE.
    public func routes(family: AddressFamily = .ipv4, table: UInt32? = NetlinkConstants.RT_TABLE_MAIN)
        throws(NetlinkError) -> [Route]
    {
        let header = RouteHeader(family: family.rawValue)
        let request = NetlinkMessage(
            type: NetlinkConstants.RTM_GETROUTE, flags: NetlinkConstants.NLM_F_DUMP, header: header.encoded(),
            attributes: NetlinkAttributeEncoder())
        var routes: [Route] = []
        for reply in try socket.request(request, description: "dump \(family) routes (RTM_GETROUTE)")
        where reply.type == NetlinkConstants.RTM_NEWROUTE {
            guard let route = try Route(message: reply), route.family == family else { continue }
            if let table, route.table != table { continue }
            routes.append(route)
        }
        return routes
    }

    private func routeMessage(destination: IPv4Network?, gateway: IPv4Address?, link: Int32, table: UInt32)
        throws(NetlinkError) -> (RouteHeader, NetlinkAttributeEncoder)
    {
        let header = RouteHeader(
            family: NetlinkConstants.AF_INET, destinationLength: UInt8(destination?.prefixLength ?? 0),
            table: table < 256 ? UInt8(table) : 0,  // RT_TABLE_UNSPEC: RTA_TABLE carries larger ids
            routeProtocol: NetlinkConstants.RTPROT_BOOT,
            scope: gateway == nil ? NetlinkConstants.RT_SCOPE_LINK : NetlinkConstants.RT_SCOPE_UNIVERSE,
            type: NetlinkConstants.RTN_UNICAST)
        var attributes = NetlinkAttributeEncoder()
        if let destination, destination.prefixLength > 0 {
            try attributes.append(NetlinkConstants.RTA_DST, bytes: destination.network.networkBytes)
        }
        if let gateway { try attributes.append(NetlinkConstants.RTA_GATEWAY, bytes: gateway.networkBytes) }
        attributes.append(NetlinkConstants.RTA_OIF, s32: link)
        attributes.append(NetlinkConstants.RTA_TABLE, u32: table)
        return (header, attributes)
    }

    private static func describe(_ destination: IPv4Network?, _ gateway: IPv4Address?, _ link: Int32) -> String {
        let via = gateway.map { " via \($0)" } ?? ""
        return "\(destination?.description ?? "default")\(via) dev \(link)"
    }
}
