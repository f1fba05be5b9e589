import Foundation
import KspyDataplane
import Testing

/// The same kube-proxy nftables-mode rulesets read over netlink (libnftnl) inside the
/// throw-away namespace: the decoding must equal the `nft -j` path.
@Suite("NFTables live netlink reader (real kernel, throw-away netns)")
struct NFTablesLiveTests {
    static let writers: [(String, KubeProxyNFTWriter)] = [
        ("one", KubeProxyNFTWriter(services: [NFTablesScenarios.one])),
        ("two", KubeProxyNFTWriter(services: [NFTablesScenarios.two])),
        ("three", KubeProxyNFTWriter(services: [NFTablesScenarios.three])),
        ("nodeport", KubeProxyNFTWriter(services: [NFTablesScenarios.nodePort])),
        ("empty", KubeProxyNFTWriter(services: [NFTablesScenarios.empty])),
        ("stale", KubeProxyNFTWriter(services: [], staleChains: NFTablesScenarios.staleChains)),
        ("full", NFTablesScenarios.full),
        ("local", KubeProxyNFTWriter(services: [NFTablesScenarios.local])),
        ("lb", KubeProxyNFTWriter(services: [NFTablesScenarios.lb, NFTablesScenarios.lbOneRange])),
    ]

    @Test("netlink read decodes exactly like nft -j")
    func sameAsJSON() throws {
        guard DataplaneTest.requireRoot() else { return }
        for (label, writer) in Self.writers {
            let (json, live) = try NFTablesTest.withNetns { ns in
                try NFTablesTest.load(writer.ruleset(), netns: ns)
                return (
                    try NFTablesJSONParser.parse(try NFTablesTest.listJSON(netns: ns)),
                    try NFTablesNetlinkReader.read(netnsPath: "/run/netns/\(ns)")
                )
            }
            let a = KubeProxyNFTablesDecoder(json).decode()
            let b = KubeProxyNFTablesDecoder(live).decode()
            NFTablesTest.check(b.frontends, equal: a.frontends, "\(label) live vs json")
            #expect(b == a, "\(label)")
            #expect(live.tables.map { "\($0.family) \($0.name)" } == ["ip kube-proxy"])
            // Same chains and named sets either way.
            #expect(live.tables.first?.chains.map(\.name) == json.tables.first?.chains.map(\.name))
            #expect(
                Set(live.tables.first?.sets.map(\.name) ?? []) == Set(json.tables.first?.sets.map(\.name) ?? []))
        }
        // And the full one equals the expected frontends outright.
        let d = try NFTablesTest.withNetns { ns in
            try NFTablesTest.load(NFTablesScenarios.full.ruleset(), netns: ns)
            return KubeProxyNFTablesDecoder(try NFTablesNetlinkReader.read(netnsPath: "/run/netns/\(ns)")).decode()
        }
        #expect(d.frontends == NFTablesScenarios.fullExpected)
        #expect(d.staleChains == NFTablesScenarios.fullStale)
        #expect(d.masqueradeMark == 0x4000)
    }

    @Test("an ip6 kube-proxy table reads like nft -j")
    func ipv6() throws {
        guard DataplaneTest.requireRoot() else { return }
        let (json, live) = try NFTablesTest.withNetns { ns in
            try NFTablesTest.load(NFTablesScenarios.v6Ruleset, netns: ns)
            return (
                try NFTablesJSONParser.parse(try NFTablesTest.listJSON(netns: ns)),
                try NFTablesNetlinkReader.read(netnsPath: "/run/netns/\(ns)")
            )
        }
        #expect(live.tables.map { "\($0.family) \($0.name)" } == ["ip6 kube-proxy"])
        let d = KubeProxyNFTablesDecoder(live).decode()
        NFTablesTest.check(d.frontends, equal: [NFTablesScenarios.v6Expected], "ip6 live")
        #expect(d == KubeProxyNFTablesDecoder(json).decode())
    }

    @Test("statements read over netlink match the JSON ones where the decoder looks")
    func statements() throws {
        guard DataplaneTest.requireRoot() else { return }
        let (json, live) = try NFTablesTest.withNetns { ns in
            try NFTablesTest.load(NFTablesScenarios.full.ruleset(), netns: ns)
            return (
                try NFTablesJSONParser.parse(try NFTablesTest.listJSON(netns: ns)),
                try NFTablesNetlinkReader.read(netnsPath: "/run/netns/\(ns)")
            )
        }
        let jt = try #require(json.table(family: "ip", name: "kube-proxy"))
        let lt = try #require(live.table(family: "ip", name: "kube-proxy"))
        for name in ["service-ips", "service-nodeports", "no-endpoint-services", "no-endpoint-nodeports", "cluster-ips"] {
            #expect(
                Set(lt.set(name)?.elements ?? []) == Set(jt.set(name)?.elements ?? []), "\(name)")
        }
        let aff = try #require(jt.sets.first { $0.name.hasPrefix("affinity-") })
        #expect(lt.set(aff.name)?.timeoutSeconds == 10800)
        #expect(aff.timeoutSeconds == 10800)
        let svc = NFTablesScenarios.three.serviceChain
        #expect(lt.chain(svc)?.rules.last?.statements == jt.chain(svc)?.rules.last?.statements)
        let ep = NFTablesScenarios.one.endpointChain(NFTablesScenarios.one.endpoints[0])
        #expect(lt.chain(ep)?.rules.last?.statements.last == .dnat(address: "10.180.0.1", port: 80))
        #expect(lt.chain("mark-for-masquerade")?.rules.first?.statements == [.markOr(0x4000)])
    }

    @Test("a namespace without kube-proxy tables reads as empty; a bad path is an error")
    func emptyAndBad() throws {
        guard DataplaneTest.requireRoot() else { return }
        let rs = try NFTablesTest.withNetns { try NFTablesNetlinkReader.read(netnsPath: "/run/netns/\($0)") }
        #expect(rs.tables.isEmpty)
        #expect(throws: DataplaneError.self) {
            try NFTablesNetlinkReader.read(netnsPath: "/run/netns/kspy-nft-does-not-exist")
        }
    }
}
