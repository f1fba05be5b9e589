import KspyDataplane
import KspyKernel
import Testing

/// The recorded IPVS netlink exchanges decode to the state in the recordings' README:
/// 6 services (IPv4, IPv6, fwmark; rr/wrr/lc/sh; Masq/Route/Tunnel) and their dests.
@Suite struct IPVSNetlinkTests {
    func snapshot() throws -> IPVSSnapshot {
        let (reader, _) = try IPVSFixture.replayReader()
        return try reader.read()
    }

    func frontend(_ frontends: [ServiceFrontend], _ vip: String, _ port: Int, _ proto: String) throws
        -> ServiceFrontend
    {
        let found = frontends.filter { $0.vip == vip && $0.port == port && $0.protocol == proto }
        try #require(found.count == 1, "\(vip):\(port)/\(proto) found \(found.count) times")
        return found[0]
    }

    @Test func familyInfoAndConfig() throws {
        let snapshot = try snapshot()
        #expect(snapshot.source == .netlink)
        #expect(
            snapshot.family
                == GenericNetlinkFamily(id: 32, name: "IPVS", version: 1, headerSize: 0, maxAttribute: 6))
        #expect(snapshot.info == IPVSInfo(version: 0x010201, connectionTableSize: 4096))
        #expect(snapshot.info?.versionString == "1.2.1")
        #expect(snapshot.config == IPVSConfig(tcpTimeout: 900, tcpFinTimeout: 120, udpTimeout: 300))
    }

    @Test func servicesDecodeExactly() throws {
        let services = try snapshot().services
        #expect(services.count == 6)
        let byLabel = Dictionary(uniqueKeysWithValues: services.map { ($0.label, $0) })
        #expect(
            Set(byLabel.keys) == [
                "TCP 10.96.0.1:443", "TCP 10.96.0.10:80", "TCP 10.96.0.30:80", "TCP [fd00:10:96::a]:80",
                "UDP 10.96.0.10:53", "FWM 7",
            ])

        let api = try #require(byLabel["TCP 10.96.0.1:443"])
        #expect(api.addressFamily == 2 && api.protocolNumber == 6 && api.address == [10, 96, 0, 1] && api.port == 443)
        #expect(api.scheduler == "rr" && api.flags == 0x3 && api.isPersistent && api.timeout == 10800)
        #expect(api.netmask == 0xffff_ffff)
        #expect(api.destinations.count == 1)
        #expect(api.destinations.first?.addressText == "10.244.0.1" && api.destinations.first?.port == 6443)

        let web = try #require(byLabel["TCP 10.96.0.10:80"])
        #expect(web.flags == 0x2 && !web.isPersistent && web.timeout == 0)
        let webStats = try #require(web.stats)
        #expect(webStats.connections == 4 && webStats.incomingPackets == 24 && webStats.outgoingPackets == 24)
        #expect(webStats.incomingBytes == 1500 && webStats.outgoingBytes == 2232)
        #expect(web.destinations.map(\.addressText).sorted() == ["10.244.1.5", "10.244.2.7"])
        for destination in web.destinations {
            #expect(destination.port == 8080 && destination.forwarding == .masq && destination.weight == 1)
            #expect(destination.activeConnections == 0 && destination.inactiveConnections == 2)
            #expect(destination.stats?.connections == 2 && destination.stats?.incomingBytes == 750)
            #expect(destination.persistentConnections == 0)
        }

        let lc = try #require(byLabel["TCP 10.96.0.30:80"])
        #expect(lc.scheduler == "lc")
        let route = try #require(lc.destinations.first { $0.addressText == "10.244.1.5" })
        let tunnel = try #require(lc.destinations.first { $0.addressText == "10.244.2.7" })
        #expect(route.forwarding == .route && route.weight == 2 && route.port == 80)
        #expect(tunnel.forwarding == .tunnel && tunnel.weight == 0 && tunnel.tunnelType == 0)
        #expect(tunnel.tunnelTypeName == "ipip" && route.tunnelTypeName == nil)

        let v6 = try #require(byLabel["TCP [fd00:10:96::a]:80"])
        #expect(v6.addressFamily == 10 && v6.addressText == "fd00:10:96::a" && v6.netmask == 128)
        #expect(v6.destinations.count == 1)
        #expect(v6.destinations.first?.addressFamily == 10)
        #expect(v6.destinations.first?.addressText == "fd00:10:244:1::5" && v6.destinations.first?.port == 8080)

        let dns = try #require(byLabel["UDP 10.96.0.10:53"])
        #expect(dns.protocolNumber == 17 && dns.scheduler == "wrr")
        #expect(
            dns.destinations.map { "\($0.addressText):\($0.port) w\($0.weight)" }.sorted() == [
                "10.244.1.5:53 w3", "10.244.2.7:53 w1",
            ])

        let mark = try #require(byLabel["FWM 7"])
        #expect(mark.fwmark == 7 && mark.protocolNumber == nil && mark.address.isEmpty && mark.port == 0)
        #expect(mark.scheduler == "sh" && mark.addressText == nil)
        #expect(mark.destinations.count == 1)
        #expect(mark.destinations.first?.addressText == "10.244.1.5" && mark.destinations.first?.port == 0)
    }

    @Test func frontendsFollowTheConventions() throws {
        let frontends = try snapshot().frontends()
        #expect(frontends.count == 6)
        #expect(frontends.allSatisfy { $0.mode == .ipvs && $0.name == nil && $0.kind == .clusterIP })
        // Sorted: IPv4 by address/port/protocol, then IPv6, then fwmark.
        #expect(
            frontends.map { "\($0.vip) \($0.port) \($0.protocol)" } == [
                "10.96.0.1 443 tcp", "10.96.0.10 53 udp", "10.96.0.10 80 tcp", "10.96.0.30 80 tcp",
                "fd00:10:96::a 80 tcp", "fwmark:7 0 any",
            ])

        let api = try frontend(frontends, "10.96.0.1", 443, "tcp")
        #expect(api.affinity == SessionAffinity(type: "ClientIP", timeoutSeconds: 10800))
        #expect(api.endpoints == [ServiceEndpoint(ip: "10.244.0.1", port: 6443, weight: 1.0, state: "masq")])
        #expect(api.notes.starts(with: ["scheduler rr", "flag persistent"]))

        let web = try frontend(frontends, "10.96.0.10", 80, "tcp")
        #expect(web.affinity == nil)
        #expect(
            web
                == ServiceFrontend(
                    vip: "10.96.0.10", port: 80, protocol: "tcp", kind: .clusterIP, name: nil, mode: .ipvs,
                    endpoints: [
                        ServiceEndpoint(ip: "10.244.1.5", port: 8080, weight: 0.5, state: "masq"),
                        ServiceEndpoint(ip: "10.244.2.7", port: 8080, weight: 0.5, state: "masq"),
                    ],
                    affinity: nil,
                    notes: [
                        "scheduler rr", "active connections 0", "inactive connections 4", "connections 4",
                        "packets in 24 out 24", "bytes in 1500 out 2232",
                        "endpoint 10.244.1.5:8080 active 0 inactive 2", "endpoint 10.244.1.5:8080 connections 2",
                        "endpoint 10.244.2.7:8080 active 0 inactive 2", "endpoint 10.244.2.7:8080 connections 2",
                    ]))

        let dns = try frontend(frontends, "10.96.0.10", 53, "udp")
        #expect(dns.endpoints.map(\.ip) == ["10.244.1.5", "10.244.2.7"])
        #expect(dns.endpoints.map(\.weight) == [0.75, 0.25])
        #expect(dns.notes.contains("scheduler wrr") && dns.notes.contains("connections 0"))

        let lc = try frontend(frontends, "10.96.0.30", 80, "tcp")
        #expect(
            lc.endpoints == [
                ServiceEndpoint(ip: "10.244.1.5", port: 80, weight: 1.0, state: "route"),
                ServiceEndpoint(ip: "10.244.2.7", port: 80, weight: 0.0, state: "tunnel quarantined"),
            ])
        #expect(lc.notes.contains("endpoint 10.244.2.7:80 tunnel ipip"))

        let v6 = try frontend(frontends, "fd00:10:96::a", 80, "tcp")
        #expect(v6.endpoints == [ServiceEndpoint(ip: "fd00:10:244:1::5", port: 8080, weight: 1.0, state: "masq")])

        let mark = try frontend(frontends, "fwmark:7", 0, "any")
        #expect(mark.endpoints == [ServiceEndpoint(ip: "10.244.1.5", port: 0, weight: 1.0, state: "masq")])
        #expect(mark.notes.first == "scheduler sh")

        // Only the service that saw traffic has non-zero connection counters.
        for other in frontends where other.vip != "10.96.0.10" || other.port != 80 {
            #expect(other.notes.contains("connections 0") && other.notes.contains("inactive connections 0"))
        }
    }

    @Test func nodeAddressesMakeNodePorts() throws {
        let frontends = try snapshot().frontends(nodeAddresses: ["10.96.0.30"])
        #expect(frontends.filter { $0.kind == .nodePort }.map(\.vip) == ["10.96.0.30"])
    }

    @Test func sharesPerScheduler() {
        #expect(IPVSFrontendBuilder.shares(weights: [3, 1], scheduler: "wrr") == [0.75, 0.25])
        #expect(IPVSFrontendBuilder.shares(weights: [2, 0], scheduler: "lc") == [1.0, 0.0])
        #expect(IPVSFrontendBuilder.shares(weights: [0, 0], scheduler: "wrr") == [0.0, 0.0])
        #expect(IPVSFrontendBuilder.shares(weights: [], scheduler: "rr") == [])
        // rr/lc/dh ignore weight magnitudes (only weight 0 is skipped).
        #expect(IPVSFrontendBuilder.shares(weights: [3, 1, 0], scheduler: "rr") == [0.5, 0.5, 0.0])
        #expect(IPVSFrontendBuilder.shares(weights: [1, 3], scheduler: "sh") == [0.25, 0.75])
        #expect(IPVSFrontendBuilder.shares(weights: [2, 5, 5], scheduler: "fo") == [0.0, 1.0, 0.0])
        #expect(IPVSFrontendBuilder.shares(weights: [-1, 1], scheduler: "wrr") == [0.0, 1.0])
    }

    /// The counters agree with `ipvsadm -Ln --stats` of the same state.
    @Test func statsAgreeWithIpvsadm() throws {
        let services = try snapshot().services
        let text = try IPVSFixture.text("ipvsadm-Ln-stats.txt")
        var current: IPVSService?
        var checked = 0
        for line in text.split(separator: "\n").dropFirst(3) {
            let fields = line.split(separator: " ").map(String.init)
            if fields.first == "->" {
                let service = try #require(current)
                let destination = try #require(
                    service.destinations.first {
                        "\($0.addressText.contains(":") ? "[\($0.addressText)]" : $0.addressText):\($0.port)"
                            == fields[1]
                    }, "\(fields[1]) of \(service.label)")
                let stats = try #require(destination.stats)
                #expect(
                    [
                        stats.connections, stats.incomingPackets, stats.outgoingPackets, stats.incomingBytes,
                        stats.outgoingBytes,
                    ].map(String.init) == Array(fields[2...6]))
            } else {
                let label = "\(fields[0]) \(fields[1])"
                let service: IPVSService = try #require(services.first { $0.label == label }, "\(label)")
                current = service
                let stats = try #require(service.stats)
                #expect(
                    [
                        stats.connections, stats.incomingPackets, stats.outgoingPackets, stats.incomingBytes,
                        stats.outgoingBytes,
                    ].map(String.init) == Array(fields[2...6]))
            }
            checked += 1
        }
        #expect(checked == 15)
    }

    /// Schedulers and persistence agree with `ipvsadm -Ln`.
    @Test func servicesAgreeWithIpvsadm() throws {
        let services = try snapshot().services
        let text = try IPVSFixture.text("ipvsadm-Ln.txt")
        var seen = 0
        for line in text.split(separator: "\n").dropFirst(3) where !line.hasPrefix("  ->") {
            let fields = line.split(separator: " ").map(String.init)
            let service = try #require(services.first { $0.label == "\(fields[0]) \(fields[1])" }, "\(line)")
            #expect(service.scheduler == fields[2])
            if fields.count >= 5, fields[3] == "persistent" {
                #expect(service.isPersistent && service.timeout.map(String.init) == fields[4])
            } else {
                #expect(!service.isPersistent)
            }
            seen += 1
        }
        #expect(seen == 6)
    }
}
