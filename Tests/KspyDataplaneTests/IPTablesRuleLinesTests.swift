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

    /// The lines of every chain of `ruleset`'s tables, with how each record is stored.
    static func records(_ table: IPTablesTable) -> [IPTablesRuleLines.Record] {
        table.chains.flatMap { chain -> [IPTablesRuleLines.Record] in
            guard case .lines(let lines, let start, let count) = chain.storage else { return [] }
            return Array(lines.records[Int(start)..<Int(start + count)])
        }
    }

    @Test("a session stores rule lines without their -A CHAIN prefix and rebuilds them byte for byte")
    func prefixStrippedStorage() throws {
        let text = """
            # Generated by test
            *nat
            :PREROUTING ACCEPT [0:0]
            :KUBE-SVC-A - [0:0]
            :B - [0:0]
            -A PREROUTING -j KUBE-SVC-A
            [1:2] -A KUBE-SVC-A -d 10.0.0.1/32 -j B
            [3:4]   -A  KUBE-SVC-A -j RETURN
            -A  KUBE-SVC-A   -p tcp    -j B
            -A	KUBE-SVC-A -j RETURN
            -A KUBE-SVC-A	-j RETURN
            --append KUBE-SVC-A -j B
            -A "KUBE-SVC-A" -j RETURN
            -A KUBE-SVC-A -m comment --comment "ns/a:p cluster IP" -j B
               -A B -j KUBE-SVC-A   	
            -A B
            COMMIT
            *filter
            :INPUT ACCEPT [0:0]
            :F - [0:0]
            -A INPUT -j F
            [5:6] -A F -j ACCEPT
            COMMIT

            """
        let expected = try IPTablesSaveParser(sourceName: "t").parse(bytes: Array(text.utf8))
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { String($0) + "\n" }
        // Fed whole (both COMMITs inside one piece), line by line, and in pieces of a few lines.
        let feeds: [[String]] = [
            [text], lines.dropLast().map { String($0) },
            stride(from: 0, to: lines.count - 1, by: 3).map { lines[$0..<min($0 + 3, lines.count - 1)].joined() },
        ]
        for pieces in feeds {
            var session = IPTablesSaveParser.Session(parser: IPTablesSaveParser(sourceName: "t"))
            for piece in pieces { try session.feed(Array(piece.utf8)) }
            let rs = try session.finish()
            #expect(rs == expected)
            for name in ["nat", "filter"] {
                let table = try #require(rs.table(name))
                let original = try #require(expected.table(name))
                #expect(table.chains.allSatisfy(Self.isLines))
                let rules = table.chains.flatMap(\.rules)
                let originalRules = original.chains.flatMap(\.rules)
                #expect(rules.map(\.text) == originalRules.map(\.text))
                #expect(rules.map(\.line) == originalRules.map(\.line))
                #expect(rules.map(\.counters) == originalRules.map(\.counters))
                #expect(rules.map(\.target) == originalRules.map(\.target))
                // Only lines starting with exactly `-A CHAIN ` are stored without it.
                let stored = Self.records(table).map(\.omitsPrefix)
                #expect(Self.records(original).allSatisfy { !$0.omitsPrefix })
                if name == "nat" {
                    #expect(
                        stored == [true, false, false, false, false, false, false, false, true, true, false])
                } else {
                    #expect(stored == [true, false])
                }
            }
            let nat = try #require(rs.table("nat"))
            let svc = try #require(nat.chain("KUBE-SVC-A")).rules
            #expect(
                svc.map(\.text) == [
                    "-A KUBE-SVC-A -d 10.0.0.1/32 -j B", "-A  KUBE-SVC-A -j RETURN",
                    "-A  KUBE-SVC-A   -p tcp    -j B", "-A\tKUBE-SVC-A -j RETURN", "-A KUBE-SVC-A\t-j RETURN",
                    "--append KUBE-SVC-A -j B", "-A \"KUBE-SVC-A\" -j RETURN",
                    "-A KUBE-SVC-A -m comment --comment \"ns/a:p cluster IP\" -j B",
                ])
            #expect(svc[0].counters == IPTablesCounters(packets: 1, bytes: 2))
            #expect(svc[1].counters == IPTablesCounters(packets: 3, bytes: 4))
            #expect(svc[7].target?.decoded == .chain("B"))
            #expect(nat.chain("B")?.rules.map(\.text) == ["-A B -j KUBE-SVC-A", "-A B"])
            #expect(nat.chain("PREROUTING")?.rules.first?.target?.decoded == .chain("KUBE-SVC-A"))
            #expect(rs.table("filter")?.chain("F")?.rules.first?.counters == IPTablesCounters(packets: 5, bytes: 6))
        }
    }

    @Test("a compacting session keeps fewer bytes than it was fed, and decodes the same")
    func compactedScenarios() throws {
        let text = KubeProxyRuleWriter(services: IPTablesScenarios.allServices).restoreInput()
        let expected = try IPTablesSaveParser().parse(text)
        var session = IPTablesSaveParser.Session(parser: IPTablesSaveParser())
        var piece: [UInt8] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            piece.append(contentsOf: line.utf8)
            piece.append(0x0A)
            if piece.count >= 512 {
                try session.feed(piece)
                piece.removeAll(keepingCapacity: true)
            }
        }
        try session.feed(piece)
        let rs = try session.finish()
        #expect(rs == expected)
        let nat = try #require(rs.table("nat"))
        guard case .lines(let lines, _, _) = try #require(nat.chains.first { $0.ruleCount > 0 }).storage else {
            Issue.record("nat is not kept as lines")
            return
        }
        let kept = lines.pieces.reduce(0) { $0 + $1.count }
        #expect(kept > 0 && kept < text.utf8.count * 3 / 4)
        #expect(lines.records.contains { $0.omitsPrefix })
        #expect(KubeProxyIPTablesDecoder(rs).decode().frontends == KubeProxyIPTablesDecoder(expected).decode().frontends)
    }
}
