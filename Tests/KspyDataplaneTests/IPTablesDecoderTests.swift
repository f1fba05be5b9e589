import Foundation
import KspyDataplane
import Testing

@Suite("IPTables kube-proxy decoder (offline)")
struct IPTablesDecoderTests {
    static func decode(_ text: String) throws -> KubeProxyIPTablesDecoding {
        KubeProxyIPTablesDecoder(try IPTablesSaveParser().parse(text)).decode()
    }

    @Test("every service shape, from kube-proxy's restore input as written")
    func fullScenario() throws {
        let d = try Self.decode(IPTablesScenarios.fullRules)
        IPTablesTest.check(d.frontends, equal: IPTablesScenarios.fullExpected, "restore input")
        #expect(d.masqueradeMark == 0x4000)
        #expect(d.staleChains == [])
        #expect(d.chainPaths.count == d.frontends.count)
    }

    @Test("large-cluster mode (no SVC→SEP/SEP comments) keeps names from KUBE-SERVICES")
    func largeCluster() throws {
        let text = IPTablesScenarios.largeClusterRules
        #expect(!text.contains("\" -> "))
        let d = try Self.decode(text)
        IPTablesTest.check(d.frontends, equal: IPTablesScenarios.largeClusterExpected, "large cluster")
    }

    @Test("no comments at all: names nil, kinds from chain prefixes; uneven probabilities")
    func noComments() throws {
        let text = IPTablesScenarios.noCommentRules
        #expect(!text.contains("--comment"))
        let d = try Self.decode(text)
        IPTablesTest.check(d.frontends, equal: IPTablesScenarios.noCommentExpected, "no comments")
    }

    @Test("effective weights chain the probabilities; never 1/N")
    func weights() throws {
        // Probabilities as iptables-save prints the kernel's stored values for 1/3, 1/2.
        let text = """
            *nat
            :KUBE-SERVICES - [0:0]
            :KUBE-SVC-X - [0:0]
            :KUBE-SEP-1 - [0:0]
            :KUBE-SEP-2 - [0:0]
            :KUBE-SEP-3 - [0:0]
            -A KUBE-SERVICES -d 10.96.9.9/32 -p tcp -m comment --comment "a/b cluster IP" -m tcp --dport 80 -j KUBE-SVC-X
            -A KUBE-SVC-X -m statistic --mode random --probability 0.70000000019 -j KUBE-SEP-1
            -A KUBE-SVC-X -m statistic --mode random --probability 0.50000000000 -j KUBE-SEP-2
            -A KUBE-SVC-X -m statistic --mode random --probability 0.50000000000 -j KUBE-SEP-3
            -A KUBE-SEP-1 -p tcp -m tcp -j DNAT --to-destination 10.0.0.1:80
            -A KUBE-SEP-2 -p tcp -m tcp -j DNAT --to-destination 10.0.0.2:80
            -A KUBE-SEP-3 -p tcp -m tcp -j DNAT --to-destination 10.0.0.3:80
            COMMIT
            """
        let d = try Self.decode(text)
        let f = try #require(d.frontends.first)
        #expect(f.endpoints.map(\.ip) == ["10.0.0.1", "10.0.0.2", "10.0.0.3"])
        let w = f.endpoints.map(\.weight)
        #expect(abs(w[0] - 0.70000000019) < 1e-12)
        #expect(abs(w[1] - 0.15) < 1e-9)
        #expect(abs(w[2] - 0.075) < 1e-9)
        // The last rule has a statistic too: 7.5% of new connections fall through.
        #expect(f.notes == ["7.5% of new connections reach no endpoint rule"])
        let shares = d.chainPaths[0].steps.compactMap(\.share)
        #expect(shares.count == 3 && abs(shares[1] - 0.15) < 1e-9)
    }

    @Test("chain path of a NodePort walks KUBE-SERVICES → KUBE-NODEPORTS → EXT → SVC → SEP")
    func chainPath() throws {
        let d = try Self.decode(KubeProxyRuleWriter(services: [IPTablesScenarios.nodePort]).restoreInput())
        let svc = IPTablesScenarios.nodePort
        let i = try #require(d.frontends.firstIndex { $0.kind == .nodePort })
        let path = d.chainPaths[i]
        #expect(path.kind == .nodePort && path.port == 30080 && path.name == "shop/web:http")
        let sep1 = svc.sepChain(svc.endpoints[0])
        let sep2 = svc.sepChain(svc.endpoints[1])
        #expect(
            path.steps.map(\.chain) == [
                "KUBE-SERVICES", "KUBE-NODEPORTS", svc.extChain, svc.extChain, svc.svcChain, svc.svcChain, sep1, sep1,
                svc.svcChain, sep2, sep2,
            ])
        #expect(path.steps.map(\.depth) == [0, 1, 2, 2, 3, 3, 4, 4, 3, 4, 4])
        #expect(
            path.steps[0].words
                == "if destination is a LOCAL address: jump to KUBE-NODEPORTS — \"kubernetes service nodeports; NOTE: this must be the last rule in this chain\""
        )
        #expect(
            path.steps[1].words
                == "if protocol tcp, destination port 30080: jump to \(svc.extChain) — \"shop/web:http\"")
        #expect(path.steps[5].share.map { abs($0 - 0.5) < 1e-9 } == true)
        #expect(path.steps[7].words == "if protocol tcp: DNAT to 10.244.1.51:8080 — \"shop/web:http\"")
        #expect(path.steps[8].share.map { abs($0 - 0.5) < 1e-9 } == true)
        #expect(path.steps.allSatisfy { $0.table == "nat" })
        // The no-endpoints frontend's path is the filter rule.
        let e = try Self.decode(KubeProxyRuleWriter(services: [IPTablesScenarios.empty]).restoreInput())
        let c = try #require(e.frontends.firstIndex { $0.kind == .clusterIP })
        #expect(e.chainPaths[c].steps.map(\.table) == ["filter"])
        #expect(e.chainPaths[c].steps[0].words.hasPrefix("if protocol tcp, to 10.96.0.20, destination port 80: reject"))
    }

    @Test("ip6tables-save rules: IPv6 VIPs, [addr]:port DNAT, NodePort on ::")
    func ipv6() throws {
        let text = """
            *nat
            :KUBE-SERVICES - [0:0]
            :KUBE-NODEPORTS - [0:0]
            :KUBE-EXT-X - [0:0]
            :KUBE-SVC-X - [0:0]
            :KUBE-SEP-X - [0:0]
            -A KUBE-SERVICES -d fd00:10:96::a/128 -p tcp -m comment --comment "default/v6:http cluster IP" -m tcp --dport 80 -j KUBE-SVC-X
            -A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL ! -d ::1/128 -j KUBE-NODEPORTS
            -A KUBE-NODEPORTS -p tcp -m comment --comment "default/v6:http" -m tcp --dport 30600 -j KUBE-EXT-X
            -A KUBE-EXT-X -j KUBE-SVC-X
            -A KUBE-SVC-X -m comment --comment "default/v6:http -> [fd00:10:244::5]:8080" -j KUBE-SEP-X
            -A KUBE-SEP-X -p tcp -m comment --comment "default/v6:http" -m tcp -j DNAT --to-destination [fd00:10:244::5]:8080
            COMMIT
            """
        let d = try Self.decode(text)
        IPTablesTest.check(
            d.frontends,
            equal: [
                .init(
                    kind: .clusterIP, vip: "fd00:10:96::a", port: 80, name: "default/v6:http",
                    endpoints: [("fd00:10:244::5", 8080, 1)]),
                .init(
                    kind: .nodePort, vip: "::", port: 30600, name: "default/v6:http",
                    endpoints: [("fd00:10:244::5", 8080, 1)], notes: ["NodePort on every local address except ::1"]),
            ], "ipv6")
    }

    @Test("a chain no frontend reaches is reported stale")
    func stale() throws {
        var text = IPTablesScenarios.fullRules
        text = text.replacingOccurrences(of: "*nat\n", with: "*nat\n:KUBE-SVC-GONE - [0:0]\n:KUBE-SEP-GONE - [0:0]\n")
        let d = try Self.decode(text)
        #expect(d.staleChains == ["KUBE-SEP-GONE", "KUBE-SVC-GONE"])
    }

    // MARK: recorded fixtures (Debian 6.1 kernel, iptables 1.8.9)

    @Test("fixture: iptables-nft-save -t nat -c after 6 requests")
    func nftSaveFixture() throws {
        let rs = try IPTablesSaveParser(sourceName: "iptables-nft-save-nat.txt").parse(
            IPTablesTest.fixture("iptables-nft-save-nat.txt"))
        #expect(rs.tables.map(\.name) == ["nat"])
        let svc = try #require(rs.table("nat")?.chain("KUBE-SVC-TCOU7JCQXEZGVUNU"))
        #expect(svc.rules.map { $0.counters?.packets } == [0, 4, 2])
        #expect(svc.rules[1].statistic?.probability == 0.5)
        let d = KubeProxyIPTablesDecoder(rs).decode()
        IPTablesTest.check(
            d.frontends,
            equal: [
                .init(
                    kind: .clusterIP, vip: "10.96.0.20", port: 80, name: "default/web:http",
                    endpoints: [("10.244.1.5", 8080, 0.5), ("10.244.2.7", 8080, 0.5)],
                    notes: [IPTablesScenarios.masqOffCluster])
            ], "fixture")
        #expect(d.masqueradeMark == 0x4000)
        #expect(d.staleChains.isEmpty)
        let steps = d.chainPaths[0].steps
        #expect(steps.count == 8)
        #expect(
            steps[0].rule
                == "-A KUBE-SERVICES -d 10.96.0.20/32 -p tcp -m comment --comment \"default/web:http cluster IP\" -m tcp --dport 80 -j KUBE-SVC-TCOU7JCQXEZGVUNU"
        )
    }

    @Test("fixture: iptables-legacy-save with kubelet's KUBE-FIREWALL only")
    func legacyFixture() throws {
        let rs = try IPTablesSaveParser().parse(IPTablesTest.fixture("iptables-legacy-save.txt"))
        #expect(rs.tables.map(\.name) == ["filter"])
        let rule = try #require(rs.table("filter")?.chain("KUBE-FIREWALL")?.rules.first)
        #expect(rule.source == IPTablesValueMatch("127.0.0.0/8", negated: true))
        #expect(rule.destination == IPTablesValueMatch("127.0.0.0/8"))
        #expect(rule.comment == "block incoming localnet connections")
        #expect(rule.target?.decoded == .verdict("DROP"))
        #expect(KubeProxyIPTablesDecoder(rs).frontends().isEmpty)
    }

    @Test("fixtures that are not iptables-save output are refused with their line")
    func wrongFormats() throws {
        let listing = try IPTablesTest.fixture("iptables-nft-L-nat.txt")
        let e1 = #expect(throws: DataplaneError.self) { try IPTablesSaveParser(sourceName: "L-nat").parse(listing) }
        #expect(e1?.description.hasPrefix("L-nat line 1: unexpected line 'Chain PREROUTING") == true)
        let nft = try IPTablesTest.fixture("nft-list-ruleset.txt")
        let e2 = #expect(throws: DataplaneError.self) { try IPTablesSaveParser(sourceName: "nft").parse(nft) }
        #expect(e2?.description.hasPrefix("nft line 2: unexpected line 'table ip nat {'") == true)
    }
}
