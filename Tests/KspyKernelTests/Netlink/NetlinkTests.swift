import Foundation
import Glibc
import KspyKernel
import Testing
import KspyTestSupport

/// rtnetlink against the real kernel, only inside throw-away network namespaces that
/// the tests create (child processes of `unshare --net`), with iproute2 as an
/// independent witness of what the kernel shows.
@Suite struct NetlinkTests {
    /// One entry of `ip -j -d link show`.
    struct IPLink: Decodable {
        struct LinkInfo: Decodable {
            var infoKind: String?
            var infoSlaveKind: String?
        }
        var ifindex: Int32
        var ifname: String
        var flags: [String]
        var mtu: UInt32
        var address: String?
        var master: String?
        var link: String?
        var linkIndex: Int32?
        var linkNetnsid: Int32?
        var linkinfo: LinkInfo?
    }

    /// One entry of `ip -j route show`.
    struct IPRoute: Decodable {
        var dst: String
        var gateway: String?
        var dev: String?
    }

    /// Runs `ip <arguments>` inside `namespace` with nsenter and decodes its JSON output
    /// (snake_case keys such as `link_netnsid` become `linkNetnsid`).
    static func ip<T: Decodable>(_ namespace: NetlinkTestNamespace, _ arguments: [String], as: T.Type) throws -> T {
        let result = try netlinkTestRun(["/usr/bin/nsenter", "--net=" + namespace.path, "/usr/sbin/ip"] + arguments)
        #expect(result.status == 0, "ip \(arguments) failed")
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(T.self, from: Data(result.output.utf8))
    }

    /// The kernel's errno from a call expected to fail with a kernel refusal.
    static func kernelErrno(_ body: () throws(NetlinkError) -> Void) -> Int32? {
        do {
            try body()
            return nil
        } catch {
            guard case .kernel(let errno, _, _) = error else {
                Issue.record("expected a kernel refusal, got \(error)")
                return nil
            }
            return errno
        }
    }

    @Test func bridgeAndVethPairInAFreshNamespace() throws {
        guard requireRoot() else { return }
        let namespace = try NetlinkTestNamespace()
        defer { namespace.close() }
        let rtnl = try RouteNetlink(networkNamespaceFD: namespace.fd)
        let bridgeName = netlinkTestName("kbr")
        let portName = netlinkTestName("kva")
        let otherName = netlinkTestName("kvb")

        // A fresh namespace has only its loopback device, down.
        let initial = try rtnl.links()
        #expect(initial.map(\.name) == ["lo"])
        #expect(initial.first?.isUp == false)
        #expect(initial.first?.kind == nil)
        #expect(initial.first?.mtu == 65536)
        // Loopback up: the kernel assigns 127.0.0.1/8 and (with IPv6) ::1/128 to it.
        let loopback = try #require(initial.first)
        try rtnl.setUp(link: loopback.index)
        let loopbackAddresses = try rtnl.addresses().filter { $0.linkIndex == loopback.index }
        let loopbackV4 = try #require(loopbackAddresses.first { $0.family == .ipv4 })
        #expect(loopbackV4.cidr == "127.0.0.1/8")
        #expect(loopbackV4.label == "lo")
        #expect(loopbackV4.scope == NetlinkConstants.RT_SCOPE_HOST)
        if SystemFile.exists("/proc/net/if_inet6") {
            #expect(loopbackAddresses.filter { $0.family == .ipv6 }.map(\.cidr) == ["::1/128"])
        }
        // Its local routes live in table local (255), none in main.
        #expect(try rtnl.routes().isEmpty)
        let local = try rtnl.routes(table: nil)
        #expect(local.contains { $0.destination == "127.0.0.1" && $0.prefixLength == 32 && $0.table == 255 })

        try rtnl.createBridge(name: bridgeName)
        try rtnl.createVethPair(name: portName, peerName: otherName)
        let bridge = try #require(try rtnl.link(named: bridgeName))
        let port = try #require(try rtnl.link(named: portName))
        let other = try #require(try rtnl.link(named: otherName))
        try rtnl.setMaster(link: port.index, bridge: bridge.index)
        for index in [bridge.index, port.index, other.index] { try rtnl.setUp(link: index) }

        let links = try rtnl.links()
        #expect(Set(links.map(\.name)) == ["lo", bridgeName, portName, otherName])
        let byName = Dictionary(links.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let bridgeLink = try #require(byName[bridgeName])
        let portLink = try #require(byName[portName])
        let otherLink = try #require(byName[otherName])
        #expect(bridgeLink.kind == "bridge")
        #expect(bridgeLink.index == bridge.index)
        #expect(portLink.kind == "veth")
        #expect(otherLink.kind == "veth")
        #expect(portLink.portKind == "bridge")
        #expect(portLink.masterIndex == bridgeLink.index)
        #expect(otherLink.masterIndex == nil)
        #expect(portLink.peerIndex == otherLink.index)
        #expect(otherLink.peerIndex == portLink.index)
        #expect(portLink.linkNetnsID == nil)
        #expect(bridgeLink.isUp && portLink.isUp && otherLink.isUp)
        // Both veth ends are up, so both have carrier.
        #expect(portLink.hasCarrier && otherLink.hasCarrier)
        #expect(portLink.mtu == 1500)
        #expect(portLink.mac?.count == 17)
        #expect(portLink.mac != otherLink.mac)
        // Looked up by index: the same link (flags and operstate may have moved on:
        // IFF_RUNNING and the operstate follow carrier asynchronously, via linkwatch).
        var byIndex = try #require(try rtnl.link(index: portLink.index))
        byIndex.flags = portLink.flags
        byIndex.operationalState = portLink.operationalState
        #expect(byIndex == portLink)
        #expect(try rtnl.link(named: netlinkTestName("knx")) == nil)

        // iproute2's view of the same namespace agrees.
        let shown = try Self.ip(namespace, ["-j", "-d", "link", "show"], as: [IPLink].self)
        #expect(shown.count == links.count)
        let indexByName = Dictionary(shown.map { ($0.ifname, $0.ifindex) }, uniquingKeysWith: { first, _ in first })
        for entry in shown {
            let link = try #require(byName[entry.ifname], "ip shows \(entry.ifname), kspy does not")
            #expect(link.index == entry.ifindex)
            #expect(link.kind == entry.linkinfo?.infoKind)
            #expect(link.portKind == entry.linkinfo?.infoSlaveKind)
            #expect(link.masterIndex == entry.master.flatMap { indexByName[$0] })
            #expect(link.peerIndex == (entry.link.flatMap { indexByName[$0] } ?? entry.linkIndex))
            #expect(link.mtu == entry.mtu)
            #expect(link.mac == entry.address)
            #expect(link.isUp == entry.flags.contains("UP"))
        }

        // Nothing leaked into the host namespace.
        let host = try RouteNetlink()
        #expect(try host.link(named: bridgeName) == nil)
        #expect(try host.link(named: portName) == nil)
    }

    @Test func vethPeerCreatedInAnotherNamespaceWithAddressAndDefaultRoute() throws {
        guard requireRoot() else { return }
        let first = try NetlinkTestNamespace()
        defer { first.close() }
        let second = try NetlinkTestNamespace()
        defer { second.close() }
        let rtnl1 = try RouteNetlink(networkNamespaceFD: first.fd)
        let rtnl2 = try RouteNetlink(netnsPath: second.path)
        let hostSide = netlinkTestName("kh")
        let podSide = netlinkTestName("kp")

        try rtnl1.createVethPair(name: hostSide, peerName: podSide, peerNamespaceFD: second.fd)
        // The peer never appears in the first namespace.
        #expect(try rtnl1.link(named: podSide) == nil)
        let peer = try #require(try rtnl2.link(named: podSide))
        try rtnl2.rename(link: peer.index, to: "eth0")
        try rtnl2.addAddress(ipv4: "10.99.0.2", prefixLength: 24, link: peer.index)
        try rtnl2.setUp(link: peer.index)
        let host = try #require(try rtnl1.link(named: hostSide))
        try rtnl1.setUp(link: host.index)
        try rtnl2.addDefaultRoute(via: "10.99.0.1", link: peer.index)

        let eth0 = try #require(try rtnl2.link(named: "eth0"))
        #expect(eth0.index == peer.index)
        #expect(eth0.kind == "veth")
        #expect(try rtnl2.link(named: podSide) == nil)

        let addresses = try rtnl2.addresses()
        let onEth0 = addresses.filter { $0.linkIndex == eth0.index && $0.family == .ipv4 }
        #expect(onEth0.map(\.cidr) == ["10.99.0.2/24"])
        #expect(onEth0.first?.broadcast == "10.99.0.255")
        #expect(onEth0.first?.label == "eth0")
        #expect(onEth0.first?.scope == NetlinkConstants.RT_SCOPE_UNIVERSE)
        #expect(try rtnl2.addresses(family: .ipv4).map(\.cidr) == ["10.99.0.2/24"])

        let routes = try rtnl2.routes()
        let defaults = routes.filter(\.isDefault)
        #expect(defaults.count == 1)
        let defaultRoute = try #require(defaults.first)
        #expect(defaultRoute.destination == nil)
        #expect(defaultRoute.prefixLength == 0)
        #expect(defaultRoute.gateway == "10.99.0.1")
        #expect(defaultRoute.outputLinkIndex == eth0.index)
        #expect(defaultRoute.table == NetlinkConstants.RT_TABLE_MAIN)
        #expect(defaultRoute.routeProtocol == NetlinkConstants.RTPROT_BOOT)
        #expect(defaultRoute.scope == NetlinkConstants.RT_SCOPE_UNIVERSE)
        // The connected route the kernel added for the address.
        let connected = try #require(routes.first { $0.destination == "10.99.0.0" })
        #expect(connected.prefixLength == 24)
        #expect(connected.gateway == nil)
        #expect(connected.outputLinkIndex == eth0.index)
        #expect(connected.routeProtocol == NetlinkConstants.RTPROT_KERNEL)
        #expect(connected.scope == NetlinkConstants.RT_SCOPE_LINK)
        #expect(connected.preferredSource == "10.99.0.2")
        #expect(routes.count == 2)
        let shownRoutes = try Self.ip(second, ["-j", "route", "show"], as: [IPRoute].self)
        #expect(shownRoutes.count == routes.count)
        let shownDefault = try #require(shownRoutes.first { $0.dst == "default" })
        #expect(shownDefault.gateway == "10.99.0.1")
        #expect(shownDefault.dev == "eth0")

        // The host side points at eth0 in the second namespace, by that namespace's
        // netnsid as the first namespace numbers it.
        let hostLink = try #require(try rtnl1.link(named: hostSide))
        let idOfSecond = try #require(try rtnl1.netnsID(of: second.fd))
        #expect(hostLink.linkNetnsID == idOfSecond)
        #expect(hostLink.peerIndex == eth0.index)
        // And the other way round.
        let eth0Again = try #require(try rtnl2.links().first { $0.name == "eth0" })
        let idOfFirst = try #require(try rtnl2.netnsID(of: first.fd))
        #expect(eth0Again.linkNetnsID == idOfFirst)
        #expect(eth0Again.peerIndex == hostLink.index)
        // iproute2 sees the same netnsid and peer index.
        let shownHost = try #require(
            try Self.ip(first, ["-j", "-d", "link", "show", hostSide], as: [IPLink].self).first)
        #expect(shownHost.linkNetnsid == idOfSecond)
        #expect(shownHost.linkIndex == eth0.index)
    }

    @Test func kernelRefusalsCarryTheErrno() throws {
        guard requireRoot() else { return }
        let namespace = try NetlinkTestNamespace()
        defer { namespace.close() }
        let rtnl = try RouteNetlink(networkNamespaceFD: namespace.fd)

        // No link 999 in a fresh namespace.
        let noLink = Self.kernelErrno { () throws(NetlinkError) in
            try rtnl.addAddress(ipv4: "10.97.0.1", prefixLength: 24, link: 999)
        }
        #expect(noLink == ENODEV)
        do {
            try rtnl.addAddress(ipv4: "10.97.0.1", prefixLength: 24, link: 999)
        } catch {
            guard case .kernel(_, let request, _) = error else { throw error }
            #expect(request.contains("RTM_NEWADDR"))
            #expect(request.contains("999"))
            #expect(error.description.contains("No such device"))
        }

        // Deleting twice: the second time the link is gone.
        let name = netlinkTestName("kdl")
        try rtnl.createBridge(name: name)
        #expect(Self.kernelErrno { () throws(NetlinkError) in try rtnl.createBridge(name: name) } == EEXIST)
        let bridge = try #require(try rtnl.link(named: name))
        try rtnl.deleteLink(index: bridge.index)
        #expect(try rtnl.link(named: name) == nil)
        #expect(Self.kernelErrno { () throws(NetlinkError) in try rtnl.deleteLink(index: bridge.index) } == ENODEV)

        // A gateway on no connected network of the link.
        let lonely = netlinkTestName("klo")
        try rtnl.createBridge(name: lonely)
        let lonelyLink = try #require(try rtnl.link(named: lonely))
        try rtnl.setUp(link: lonelyLink.index)
        #expect(
            Self.kernelErrno { () throws(NetlinkError) in
                try rtnl.addDefaultRoute(via: "192.0.2.1", link: lonelyLink.index)
            } == ENETUNREACH)
        // The extended ACK (NETLINK_EXT_ACK) names the reason.
        do {
            try rtnl.addDefaultRoute(via: "192.0.2.1", link: lonelyLink.index)
        } catch {
            guard case .kernel(_, _, let message) = error else { throw error }
            #expect(message?.contains("gateway") == true)
        }
        // Adding the same address twice.
        try rtnl.addAddress(ipv4: "10.97.0.1", prefixLength: 24, link: lonelyLink.index)
        #expect(
            Self.kernelErrno { () throws(NetlinkError) in
                try rtnl.addAddress(ipv4: "10.97.0.1", prefixLength: 24, link: lonelyLink.index)
            } == EEXIST)
        try rtnl.deleteAddress(ipv4: "10.97.0.1", prefixLength: 24, link: lonelyLink.index)
        #expect(try rtnl.addresses(family: .ipv4).isEmpty)
        // The socket still works after the refusals.
        #expect(try rtnl.links().count == 2)

        // Arguments the library refuses before sending anything.
        #expect(throws: NetlinkError.invalidArgument("interface name \"a-name-that-is-too-long\"")) {
            try rtnl.createBridge(name: "a-name-that-is-too-long")
        }
        #expect(throws: NetlinkError.self) { try rtnl.addAddress(ipv4: "10.0.0.256", prefixLength: 24, link: 1) }
        #expect(throws: NetlinkError.self) { try rtnl.addAddress(ipv4: "10.0.0.1", prefixLength: 33, link: 1) }
        // Not a network namespace: setns refuses the fd of a regular file.
        let notANamespace = open("/proc/self/stat", O_RDONLY | O_CLOEXEC)
        defer { close(notANamespace) }
        do {
            _ = try NetlinkSocket(networkNamespaceFD: notANamespace)
            Issue.record("a socket opened in a non-namespace fd")
        } catch {
            #expect(error.errno == EINVAL)
        }
    }

    @Test func helperThreadJoinsTheNamespaceButTheCallerStays() throws {
        guard requireRoot() else { return }
        let namespace = try NetlinkTestNamespace()
        defer { namespace.close() }
        let before = try NamespaceID.of(path: "/proc/thread-self/ns/net")
        let seen = try NetworkNamespaceThread.run(namespaceFD: namespace.fd) {
            try? NamespaceID.of(path: "/proc/thread-self/ns/net")
        }
        #expect(seen == (try namespace.id()))
        #expect(try NamespaceID.of(path: "/proc/thread-self/ns/net") == before)
        // A socket opened through the process's pidfd lands in the same namespace.
        let pidfd = try Pidfd(pid: namespace.pid)
        let rtnl = try RouteNetlink(inNetworkNamespaceOf: pidfd)
        #expect(try rtnl.links().map(\.name) == ["lo"])
        #expect(try NamespaceID.of(path: "/proc/thread-self/ns/net") == before)
    }

    @Test func largeDumpsSpanManyDatagrams() throws {
        guard requireRoot() else { return }
        let namespace = try NetlinkTestNamespace()
        defer { namespace.close() }
        let rtnl = try RouteNetlink(networkNamespaceFD: namespace.fd)
        let name = netlinkTestName("kbg")
        try rtnl.createBridge(name: name)
        let bridge = try #require(try rtnl.link(named: name))
        try rtnl.setUp(link: bridge.index)
        // 2000 routes of ~60 bytes each: well over one 64 KiB receive and one dump skb.
        let routeCount = 2000
        for i in 0..<routeCount {
            let destination = try #require(IPv4Network("10.\(100 + i / 256).\(i % 256).0/24"))
            try rtnl.addRoute(to: destination, via: nil, link: bridge.index)
        }
        for i in 0..<500 {
            try rtnl.addAddress(ipv4: "172.16.\(i / 250).\(i % 250 + 1)", prefixLength: 32, link: bridge.index)
        }
        let routes = try rtnl.routes()
        #expect(routes.count == routeCount)
        #expect(Set(routes.compactMap(\.destination)).count == routeCount)
        #expect(routes.allSatisfy { $0.outputLinkIndex == bridge.index && $0.scope == NetlinkConstants.RT_SCOPE_LINK })
        let addresses = try rtnl.addresses(family: .ipv4)
        #expect(addresses.count == 500)
        #expect(Set(addresses.map(\.address)).count == 500)
        // Every table: the 500 local routes of the addresses are in table local (255).
        let all = try rtnl.routes(table: nil)
        #expect(all.filter { $0.table == 255 && $0.type == 2 }.count >= 500)
        let shown = try Self.ip(namespace, ["-j", "route", "show"], as: [IPRoute].self)
        #expect(shown.count == routeCount)
    }

    @Test func tcpConnectsAcrossAVethPairBetweenTwoNamespaces() throws {
        guard requireRoot() else { return }
        let client = try NetlinkTestNamespace()
        defer { client.close() }
        let server = try NetlinkTestNamespace()
        defer { server.close() }
        let rtnl1 = try RouteNetlink(networkNamespaceFD: client.fd)
        let rtnl2 = try RouteNetlink(networkNamespaceFD: server.fd)
        let near = netlinkTestName("kc")
        let far = netlinkTestName("ks")
        try rtnl1.createVethPair(name: near, peerName: far, peerNamespaceFD: server.fd)
        let nearLink = try #require(try rtnl1.link(named: near))
        let farLink = try #require(try rtnl2.link(named: far))
        try rtnl1.addAddress(ipv4: "10.98.0.1", prefixLength: 30, link: nearLink.index)
        try rtnl2.addAddress(ipv4: "10.98.0.2", prefixLength: 30, link: farLink.index)
        try rtnl1.setUp(link: nearLink.index)
        try rtnl2.setUp(link: farLink.index)

        let serverAddress = try #require(IPv4Address("10.98.0.2"))
        let listener = try NetworkNamespaceThread.run(namespaceFD: server.fd) {
            NetlinkTCPProbe.listen(on: serverAddress)
        }.get()
        defer { close(listener.fd) }
        let connection = try NetworkNamespaceThread.run(namespaceFD: client.fd) {
            NetlinkTCPProbe.connect(to: serverAddress, port: listener.port, timeoutMilliseconds: 5000)
        }.get()
        defer { close(connection) }
        let accepted = try NetlinkTCPProbe.accept(listener.fd, timeoutMilliseconds: 5000)
        defer { close(accepted.fd) }
        #expect(accepted.peer.description == "10.98.0.1")

        let greeting = Array("hello from the client namespace".utf8)
        #expect(greeting.withUnsafeBytes { write(connection, $0.baseAddress, $0.count) } == greeting.count)
        let received = try NetlinkTCPProbe.read(accepted.fd, count: greeting.count, timeoutMilliseconds: 5000)
        #expect(received == greeting)
    }
}
