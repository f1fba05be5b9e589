/// The rtnetlink operations kspy needs (rtnetlink(7)): list and change links,
/// addresses and routes, and look up netns ids, in the network namespace its
/// `NetlinkSocket` was created in. Every function is one request on the socket.
public struct RouteNetlink: Sendable {
    /// The NETLINK_ROUTE socket the requests go through.
    public let socket: NetlinkSocket

    /// Uses an existing socket (and so its network namespace).
    public init(socket: NetlinkSocket) {
        self.socket = socket
    }

    /// Opens a socket in the calling thread's network namespace.
    public init() throws(NetlinkError) {
        socket = try NetlinkSocket()
    }

    /// Opens a socket in the network namespace of `namespaceFD` (a netns fd or a pidfd),
    /// without moving the calling thread (see `NetlinkSocket.init(networkNamespaceFD:)`).
    public init(networkNamespaceFD namespaceFD: Int32) throws(NetlinkError) {
        socket = try NetlinkSocket(networkNamespaceFD: namespaceFD)
    }

    /// Opens a socket in the network namespace of the process behind `pidfd`.
    public init(inNetworkNamespaceOf pidfd: Pidfd) throws(NetlinkError) {
        socket = try NetlinkSocket(inNetworkNamespaceOf: pidfd)
    }

    /// Opens a socket in the network namespace at `netnsPath` (`/proc/<pid>/ns/net`,
    /// `/run/netns/<name>`).
    public init(netnsPath: String) throws(NetlinkError) {
        socket = try NetlinkSocket(netnsPath: netnsPath)
    }

    /// Checks an interface name as the kernel's dev_valid_name() does: 1…15 bytes
    /// (IFNAMSIZ - 1), not "." or "..", no "/", ":" or whitespace.
    static func validateInterfaceName(_ name: String) throws(NetlinkError) {
        let bytes = Array(name.utf8)
        let forbidden: Set<UInt8> = [0, UInt8(ascii: "/"), UInt8(ascii: ":"), 0x20, 0x09, 0x0a, 0x0b, 0x0c, 0x0d]
        guard !bytes.isEmpty, bytes.count < NetlinkConstants.IFNAMSIZ, name != ".", name != "..",
            !bytes.contains(where: forbidden.contains)
        else { throw .invalidArgument("interface name \(name.debugDescription)") }
    }
}
