/// Addresses: RTM_NEWADDR, RTM_DELADDR, RTM_GETADDR (rtnetlink(7), linux/if_addr.h).
extension RouteNetlink {
    /// Adds the IPv4 address `ipv4`/`prefixLength` to `link` (RTM_NEWADDR with
    /// NLM_F_CREATE | NLM_F_EXCL; IFA_LOCAL and IFA_ADDRESS set to the address, and
    /// IFA_BROADCAST to the network's broadcast address for prefixes up to /30), like
    /// `ip addr add 10.244.0.5/24 brd + dev …`. The kernel adds the prefix route
    /// (protocol kernel, scope link) once the link is up.
    /// - Throws: `.invalidArgument` for a bad address or prefix; `.kernel` with ENODEV
    ///   for an unknown link, EEXIST when the address is already there.
    public func addAddress(ipv4: String, prefixLength: Int, link: Int32) throws(NetlinkError) {
        let (address, network) = try RouteNetlink.parseIPv4(ipv4, prefixLength: prefixLength)
        var attributes = NetlinkAttributeEncoder()
        try attributes.append(NetlinkConstants.IFA_LOCAL, bytes: address.networkBytes)
        try attributes.append(NetlinkConstants.IFA_ADDRESS, bytes: address.networkBytes)
        if prefixLength <= 30 {
            try attributes.append(NetlinkConstants.IFA_BROADCAST, bytes: network.broadcast.networkBytes)
        }
        try addressRequest(
            NetlinkConstants.RTM_NEWADDR, flags: NetlinkConstants.NLM_F_CREATE | NetlinkConstants.NLM_F_EXCL,
            prefixLength: prefixLength, link: link, attributes: attributes,
            description: "add address \(address)/\(prefixLength) to link \(link) (RTM_NEWADDR)")
    }

    /// Removes the IPv4 address `ipv4`/`prefixLength` from `link` (RTM_DELADDR with IFA_LOCAL).
    /// - Throws: `.kernel` with EADDRNOTAVAIL when the address is not on the link.
    public func deleteAddress(ipv4: String, prefixLength: Int, link: Int32) throws(NetlinkError) {
        let (address, _) = try RouteNetlink.parseIPv4(ipv4, prefixLength: prefixLength)
        var attributes = NetlinkAttributeEncoder()
        try attributes.append(NetlinkConstants.IFA_LOCAL, bytes: address.networkBytes)
        try addressRequest(
            NetlinkConstants.RTM_DELADDR, flags: 0, prefixLength: prefixLength, link: link, attributes: attributes,
            description: "delete address \(address)/\(prefixLength) from link \(link) (RTM_DELADDR)")
    }

    /// All IPv4 and IPv6 addresses of the namespace (an RTM_GETADDR dump with
    /// AF_UNSPEC), or those of `family` only.
    public func addresses(family: AddressFamily? = nil) throws(NetlinkError) -> [InterfaceAddress] {
        let header = InterfaceAddressHeader(
            family: family?.rawValue ?? NetlinkConstants.AF_UNSPEC, prefixLength: 0, index: 0)
        let request = NetlinkMessage(
            type: NetlinkConstants.RTM_GETADDR, flags: NetlinkConstants.NLM_F_DUMP, header: header.encoded(),
            attributes: NetlinkAttributeEncoder())
        var addresses: [InterfaceAddress] = []
        for reply in try socket.request(request, description: "dump addresses (RTM_GETADDR)")
        where reply.type == NetlinkConstants.RTM_NEWADDR {
            if let address = try InterfaceAddress(message: reply), family == nil || address.family == family {
                addresses.append(address)
            }
        }
        return addresses
    }

    private func addressRequest(
        _ type: UInt16, flags: UInt16, prefixLength: Int, link: Int32, attributes: NetlinkAttributeEncoder,
        description: String
    ) throws(NetlinkError) {
        let header = InterfaceAddressHeader(
            family: NetlinkConstants.AF_INET, prefixLength: UInt8(prefixLength),
            scope: NetlinkConstants.RT_SCOPE_UNIVERSE,
            index: UInt32(bitPattern: link))
        let request = NetlinkMessage(type: type, flags: flags, header: header.encoded(), attributes: attributes)
        _ = try socket.request(request, description: description)
    }

    static func parseIPv4(_ text: String, prefixLength: Int) throws(NetlinkError) -> (IPv4Address, IPv4Network) {
        guard let address = IPv4Address(text) else { throw .invalidArgument("IPv4 address \(text.debugDescription)") }
        guard let network = IPv4Network(address: address, prefixLength: prefixLength) else {
            throw .invalidArgument("IPv4 prefix length \(prefixLength)")
        }
        return (address, network)
    }
}
