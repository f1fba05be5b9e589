import Glibc
import KspyKernel

/// Reads a pod's network from its pause's network namespace over rtnetlink, and finds
/// the host side of each veth through the link's netnsid rather than assuming the
/// peer lives in kspy's own namespace (kspy may run in a debug pod's netns).
public struct PodNetworkReader: Sendable {
    /// Where procfs is mounted.
    public var procRoot: String
    /// Network namespaces where host-side veths may live, as `/proc/<pid>` PIDs to
    /// open `ns/net` of: kspy itself and PID 1 (the host, when kspy sees the host's
    /// PID namespace).
    public var candidateHostPIDs: [String]

    /// A reader over the procfs at `procRoot`.
    public init(procRoot: String = "/proc", candidateHostPIDs: [String] = ["self", "1"]) {
        self.procRoot = procRoot
        self.candidateHostPIDs = candidateHostPIDs
    }

    /// The host's network namespace: PID 1's, or kspy's own when PID 1's cannot be
    /// read (a sandboxed PID 1 can deny it even to root).
    public static func hostNamespace(procRoot: String = "/proc") -> NamespaceID? {
        (try? NamespaceID.of(path: procRoot + "/1/ns/net")) ?? (try? NamespaceID.of(path: procRoot + "/self/ns/net"))
    }

    /// The network of the namespace pause `pid` holds. A pause in the same network
    /// namespace as `hostNamespace` is a host-network pod: no interfaces are listed.
    /// - Throws: `KernelError` (`isGone` when the pause exited) or `NetlinkError`.
    public func read(pausePID pid: Int32, hostNamespace: NamespaceID?) throws -> PodNetworkView {
        try withNamespace(pausePID: pid, hostNamespace: hostNamespace) { id, netlink in
            guard let netlink else {
                return PodNetworkView(hostNetwork: true, namespaceInode: id.inode, ips: [], interfaces: [], routes: [])
            }
            let links = try netlink.links()
            let addresses = try netlink.addresses()
            var routes: [Route] = []
            for family in AddressFamily.allCases { routes += try netlink.routes(family: family) }
            let names = Dictionary(links.map { ($0.index, $0.name) }, uniquingKeysWith: { a, _ in a })

            var interfaces: [PodInterface] = []
            for link in links.sorted(by: { $0.index < $1.index }) {
                let cidrs = addresses.filter { $0.linkIndex == link.index }.map(\.cidr)
                let host = try hostSide(of: link, podSocket: netlink)
                interfaces.append(
                    PodInterface(
                        name: link.name, index: link.index, kind: link.kind, mac: link.mac, isUp: link.isUp,
                        addresses: cidrs, hostVeth: host?.veth, bridge: host?.bridge))
            }
            let podRoutes = routes.map { route in
                PodRoute(
                    destination: route.isDefault ? "default" : "\(route.destination ?? "?")/\(route.prefixLength)",
                    gateway: route.gateway, device: route.outputLinkIndex.flatMap { names[$0] })
            }
            return PodNetworkView(
                hostNetwork: false, namespaceInode: id.inode, ips: Self.podIPs(addresses), interfaces: interfaces,
                routes: podRoutes)
        }
    }

    /// Only whether the pod uses the host network and its IPs (for `kspy pods` and the
    /// pod-IP index): one address dump, no links, routes or host-side veth lookups.
    /// - Throws: as `read`.
    public func addresses(pausePID pid: Int32, hostNamespace: NamespaceID?) throws -> PodAddresses {
        try withNamespace(pausePID: pid, hostNamespace: hostNamespace) { _, netlink in
            guard let netlink else { return PodAddresses(hostNetwork: true, ips: []) }
            return PodAddresses(hostNetwork: false, ips: Self.podIPs(try netlink.addresses()))
        }
    }

    /// RT_SCOPE_UNIVERSE (0) addresses: the pod's reachable ones, not lo or link-local.
    private static func podIPs(_ addresses: [InterfaceAddress]) -> [String] {
        addresses.filter { $0.scope == 0 }.map(\.address)
    }

    /// Opens the pause's network namespace and runs `body` with its identity and an
    /// rtnetlink socket in it — or nil for the socket when it is the host's namespace.
    private func withNamespace<T>(
        pausePID pid: Int32, hostNamespace: NamespaceID?, _ body: (NamespaceID, RouteNetlink?) throws -> T
    ) throws -> T {
        let path = procRoot + "/" + String(pid) + "/ns/net"
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw KernelError.fromErrno("open", path) }
        defer { close(fd) }
        let id = try NamespaceID.of(fd: fd)
        if let hostNamespace, id == hostNamespace { return try body(id, nil) }
        return try body(id, try RouteNetlink(networkNamespaceFD: fd))
    }

    /// The peer of a veth whose other end lives in another namespace: the candidate
    /// namespace whose netnsid, as the pod's namespace numbers it, equals the link's
    /// IFLA_LINK_NETNSID; there the peer is the link at index IFLA_LINK.
    private func hostSide(of link: Link, podSocket: RouteNetlink) throws -> (veth: String, bridge: String?)? {
        guard let peerIndex = link.peerIndex, let netnsID = link.linkNetnsID else { return nil }
        for candidate in candidateHostPIDs {
            let path = procRoot + "/" + candidate + "/ns/net"
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            if fd < 0 { continue }
            defer { close(fd) }
            guard (try? podSocket.netnsID(of: fd)) == netnsID else { continue }
            let host = try RouteNetlink(networkNamespaceFD: fd)
            guard let peer = try host.link(index: peerIndex) else { return nil }
            let bridge = try peer.masterIndex.flatMap { (index: Int32) throws -> String? in try host.link(index: index)?.name }
            return (peer.name, bridge)
        }
        return nil
    }
}
