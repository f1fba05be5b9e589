import Testing

@testable import KspyDataplane

/// The nf_tables reader's parser only scans the lines kspy writes from netlink (target and
/// addresses) instead of building each rule: the scan must find what the built rule has,
/// and a scanning session must give the ruleset a checking one gives.
@Suite("IPTables rule lines scanned, not built")
struct IPTablesRuleScanTests {
    static let inputs: [(label: String, rules: String)] =
        IPTablesScenarios.labelledRules + [
            ("ip6tables", IP6TablesLiveTests.rules),
            ("nft fixture", (try? IPTablesTest.fixture("iptables-nft-save-nat.txt")) ?? ""),
            ("legacy fixture", (try? IPTablesTest.fixture("iptables-legacy-save.txt")) ?? ""),
        ]

    @Test("the scan finds the built rule's target and IPv6 addresses", arguments: 0..<6)
    func scanMatchesBuiltRule(_ index: Int) throws {
        let (label, text) = Self.inputs[index]
        #expect(!text.isEmpty, "\(label)")
        var lines = 0
        for table in try IPTablesSaveParser().parse(text).tables {
            for chain in table.chains {
                for rule in chain.rules {
                    let words = rule.text.split(separator: " ", maxSplits: 2)
                    let rest = words.count == 3 ? String(words[2]) : ""
                    let tokens = try IPTablesSaveParser().tokenize(Array(rest.utf8)[...], line: 1)
                    let scan = IPTablesSaveParser.scanTargetAndAddresses(tokens[...])
                    #expect(scan.target == rule.target?.name, "\(label): \(rule.text)")
                    #expect(scan.hasIPv6Address == rule.hasIPv6Address, "\(label): \(rule.text)")
                    lines += 1
                }
            }
        }
        #expect(lines > 0, "\(label)")
    }

    @Test("a scanning session gives the ruleset a checking one gives", arguments: 0..<6)
    func scanningSessionSameRuleset(_ index: Int) throws {
        let (label, text) = Self.inputs[index]
        var checking = IPTablesSaveParser.Session(parser: IPTablesSaveParser(sourceName: "t"))
        var scanning = IPTablesSaveParser.Session(parser: IPTablesSaveParser(sourceName: "t"), checkingRuleWords: false)
        try checking.feed(Array(text.utf8))
        try scanning.feed(Array(text.utf8))
        let a = try checking.finish()
        let b = try scanning.finish()
        #expect(a == b, "\(label)")
        #expect(a.tables.map(\.hasIPv6Addresses) == b.tables.map(\.hasIPv6Addresses), "\(label)")
        #expect(KubeProxyIPTablesDecoder(a).frontends() == KubeProxyIPTablesDecoder(b).frontends(), "\(label)")
    }

    @Test("typed targets are exactly those the builder decodes")
    func typedTargets() throws {
        for name in ["ACCEPT", "DROP", "RETURN", "QUEUE", "DNAT", "MARK", "MASQUERADE", "REJECT", "KUBE-SVC-X", "LOG"] {
            let options: [IPTablesOption] =
                switch name {
                case "DNAT": [IPTablesOption(name: "--to-destination", values: ["10.0.0.1:80"])]
                case "MARK": [IPTablesOption(name: "--set-xmark", values: ["0x4000/0x4000"])]
                default: []
                }
            let decoded = try IPTablesRuleBuilder.decodeTarget(name, options)
            let isOther = if case .other = decoded { true } else { false }
            #expect(IPTablesRuleBuilder.isTypedTarget(name) == !isOther, "\(name)")
        }
    }
}
