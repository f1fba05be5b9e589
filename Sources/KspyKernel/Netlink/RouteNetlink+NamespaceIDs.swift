/// Netns ids: RTM_GETNSID (rtnetlink(7), linux/net_namespace.h). A netns id is a
/// number one namespace assigns to another ("peer") namespace; IFLA_LINK_NETNSID of a
/// link refers to its peer's namespace by this number.
extension RouteNetlink {
    /// The id this socket's namespace has assigned to the network namespace of
    /// `namespaceFD` (RTM_GETNSID with NETNSA_FD; the reply is RTM_NEWNSID with
    /// NETNSA_NSID), or nil when none is assigned (NETNSA_NSID_NOT_ASSIGNED). The
    /// kernel assigns one automatically when it reports a cross-namespace link such as
    /// a veth whose peer lives in that namespace.
    /// - Throws: `.kernel` with EINVAL/EBADF when the fd is not a network namespace.
    public func netnsID(of namespaceFD: Int32) throws(NetlinkError) -> Int32? {
        var attributes = NetlinkAttributeEncoder()
        attributes.append(NetlinkConstants.NETNSA_FD, u32: UInt32(bitPattern: namespaceFD))
        // struct rtgenmsg: one family byte, padded to 4.
        let request = NetlinkMessage(
            type: NetlinkConstants.RTM_GETNSID, header: [NetlinkConstants.AF_UNSPEC], attributes: attributes)
        let replies = try socket.request(request, description: "get netns id of fd \(namespaceFD) (RTM_GETNSID)")
        guard let reply = replies.first(where: { $0.type == NetlinkConstants.RTM_NEWNSID }) else {
            throw .malformed("RTM_GETNSID answered without RTM_NEWNSID")
        }
        let id = try reply.attributes(afterHeaderOfSize: 1).attribute(NetlinkConstants.NETNSA_NSID)?.s32()
        guard let id, id != NetlinkConstants.NETNSA_NSID_NOT_ASSIGNED, id >= 0 else { return nil }
        return id
    }
}
