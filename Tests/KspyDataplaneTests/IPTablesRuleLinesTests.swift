import Testing

@testable import KspyDataplane

/// `IPTablesRuleLines`: a parsed table keeps its rules as their lines and builds them on
/// access. Built rules must equal what a table holding the built rules gives, and the
/// decoder must give the same frontends and chain paths from either.
@Suite("IPTables rules kept as lines")
struct IPTablesRuleLinesTests {
    /// `ruleset` with every chain holding its built rules (`.rules` storage), and the
    /// IPv6 summary cleared so that the table scans its rules.
    static func built(_ ruleset: IPTablesRuleset) -> IPTablesRuleset {
        var copy = ruleset
        for t in copy.tables.indices {
            var chains = copy.tables[t].chains
            for c in chains.indices { chains[c].rules = chains[c].rules }
            copy.tables[t].chains = chains
        }
        return copy
    }

    static func isLines(_ chain: IPTablesChain) -> Bool {
        if case .lines = chain.storage { return true }
        return false
    }

    @Test("the parser keeps lines; built rules keep text, line, counters and the shared target chain")
    func linesBuildTheParsedRules() throws {
        let rs = try IPTablesSaveParser().parse(IPTablesSaveParserTests.dump)
        let nat = try #require(rs.table("nat"))
        #expect(nat.chains.allSatisfy(Self.isLines))
        let svc = try #require(nat.chain("KUBE-SVC-A"))
        #expect(svc.ruleCount == 4)
        let rules = svc.rules
        #expect(rules.map(\.line) == [21, 22, 23, 24])
        #expect(rules[0].counters == IPTablesCounters(packets: 7, bytes: 420))
        #expect(rules[0].text.hasPrefix("-A KUBE-SVC-A -m comment"))
        #expect(rules[0].target?.decoded == .chain("KUBE-SEP-A"))
        #expect(rules[2].target?.decoded == .other)
        #expect(rules.allSatisfy { $0.chain == "KUBE-SVC-A" })
        // Built twice, equal; and equal to a table holding the built rules.
        #expect(svc.rules == rules)
        let converted = Self.built(rs)
        #expect(converted.table("nat")?.chains.contains(where: Self.isLines) == false)
        #expect(converted == rs)
    }

    @Test("rules of one chain spread over the input, and over fed pieces, stay in input order")
    func interleavedChains() throws {
        let text = """
            *nat
            :A - [0:0]
            :B - [0:0]
            -A A -j RETURN
            -A B -j A
            [1:2] -A A -d 10.0.0.1/32 -j B
            -A OUTPUT -j A
            COMMIT

            """
        var session = IPTablesSaveParser.Session(parser: IPTablesSaveParser(sourceName: "t"))
        for line in text.split(separator: "\n") { try session.feed(Array((line + "\n").utf8)) }
        let nat = try #require(try session.finish().table("nat"))
        let a = try #require(nat.chain("A")).rules
        #expect(a.map(\.text) == ["-A A -j RETURN", "-A A -d 10.0.0.1/32 -j B"])
        #expect(a.map(\.line) == [4, 6])
        #expect(a[1].counters == IPTablesCounters(packets: 1, bytes: 2))
        #expect(a[1].target?.decoded == .chain("B"))
        #expect(nat.chain("B")?.rules.first?.target?.decoded == .chain("A"))
        // OUTPUT was used without a declaration: appended as a built-in chain.
        let output = try #require(nat.chain("OUTPUT"))
        #expect(output.isBuiltin && output.rules.map(\.line) == [7])
    }

    @Test("the IPv6 summary found while parsing equals a scan of the rules")
    func ipv6Summary() throws {
        let v4 = try IPTablesSaveParser().parse(IPTablesTest.fixture("iptables-nft-save-nat.txt"))
        let v6 = try IPTablesSaveParser().parse(
            "*nat\n:KUBE-SEP-X - [0:0]\n-A KUBE-SEP-X -p tcp -m tcp -j DNAT --to-destination [fd00::5]:80\nCOMMIT\n")
        for rs in [v4, v6, try IPTablesSaveParser().parse(IPTablesSaveParserTests.dump)] {
            let nat = try #require(rs.table("nat"))
            #expect(nat.ipv6Summary != nil)
            let scanned = try #require(Self.built(rs).table("nat"))
            #expect(scanned.ipv6Summary == nil)
            #expect(nat.hasIPv6Addresses == scanned.hasIPv6Addresses)
        }
        #expect(v4.table("nat")?.hasIPv6Addresses == false)
        #expect(v6.table("nat")?.hasIPv6Addresses == true)
    }

    @Test(
        "frontends and chain paths are the same from lines as from built rules",
        arguments: ["iptables-nft-save-nat.txt", "iptables-legacy-save.txt"])
    func decoderAgrees(fixture: String) throws {
        let rs = try IPTablesSaveParser().parse(IPTablesTest.fixture(fixture))
        let fromLines = KubeProxyIPTablesDecoder(rs).decode()
        let fromRules = KubeProxyIPTablesDecoder(Self.built(rs)).decode()
        #expect(!fromLines.frontends.isEmpty || fixture == "iptables-legacy-save.txt")
        #expect(fromLines.frontends == fromRules.frontends)
        #expect(fromLines.chainPaths == fromRules.chainPaths)
        #expect(fromLines.staleChains == fromRules.staleChains)
    }

    @Test("the generated scenarios decode the same from lines as from built rules")
    func scenariosAgree() throws {
        let text = KubeProxyRuleWriter(services: IPTablesScenarios.allServices).restoreInput()
        let rs = try IPTablesSaveParser().parse(text)
        let fromLines = KubeProxyIPTablesDecoder(rs).decode()
        let fromRules = KubeProxyIPTablesDecoder(Self.built(rs)).decode()
        #expect(fromLines.frontends.count > 3)
        #expect(fromLines.frontends == fromRules.frontends)
        #expect(fromLines.chainPaths == fromRules.chainPaths)
    }
}
