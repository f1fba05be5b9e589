import Foundation
import Testing

@testable import KspyDataplane

/// Reads iptables-nft rules over nf_tables netlink (`NFTIPTablesReader`) and checks they
/// equal what `iptables-nft-save` text gives for the same throw-away namespace.
@Suite("NFTIPTables netlink reader")
struct NFTIPTablesReaderTests {
    /// Creates `kspy-xt-<hex>`, runs `body` with its path, deletes it afterwards.
    static func withNetns<T>(_ body: (String) throws -> T) throws -> T {
        let name = "kspy-xt-" + String(UInt64.random(in: 0...UInt64.max), radix: 16)
        try IPTablesTest.run(["/usr/sbin/ip", "netns", "add", name])
        defer { _ = try? IPTablesTest.run(["/usr/sbin/ip", "netns", "delete", name]) }
        return try body("/run/netns/\(name)")
    }

    /// Loads `rules` with iptables-nft-restore and reads them both ways.
    static func both(_ rules: String) throws -> (netlink: IPTablesRuleset, text: IPTablesRuleset) {
        try withNetns { netns in
            try IPTablesTest.restore(rules, backend: .nft, netns: netns)
            return (try IPTablesReader.readNFT(netnsPath: netns), try IPTablesReader.readNFTText(netnsPath: netns))
        }
    }

    /// The netlink ruleset equals the save text's: rule texts and line numbers chain by
    /// chain (named when they differ), then as a whole.
    static func expectSameRules(
        _ netlink: IPTablesRuleset, _ text: IPTablesRuleset, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        for t in text.tables {
            for c in t.chains {
                let nc = netlink.table(t.name)?.chain(c.name)
                #expect(nc?.rules.map(\.text) == c.rules.map(\.text), "\(t.name) \(c.name)", sourceLocation: sourceLocation)
                #expect(
                    nc?.rules.map(\.line) == c.rules.map(\.line), "\(t.name) \(c.name) lines", sourceLocation: sourceLocation)
            }
        }
        #expect(netlink == text, sourceLocation: sourceLocation)
    }

    /// Frontends equal, weights within 1e-9.
    static func sameFrontends(_ a: [ServiceFrontend], _ b: [ServiceFrontend], _ label: String) {
        #expect(a.count == b.count, "\(label): \(a.count) vs \(b.count) frontends")
        for (x, y) in zip(a, b) {
            var xs = x
            var ys = y
            #expect(x.endpoints.count == y.endpoints.count, "\(label) \(x.vip):\(x.port)")
            for (e, f) in zip(x.endpoints, y.endpoints) {
                #expect(abs(e.weight - f.weight) < 1e-9, "\(label) \(x.vip):\(x.port) \(e.ip) weight")
            }
            xs.endpoints = xs.endpoints.map { var e = $0; e.weight = 0; return e }
            ys.endpoints = ys.endpoints.map { var e = $0; e.weight = 0; return e }
            #expect(xs == ys, "\(label) \(x.vip):\(x.port)")
        }
    }

    /// The dumping thread writes a batch's lines itself when the parsing thread is behind:
    /// whichever thread writes which batch, the ruleset is the iptables-nft-save one.
    @Test("batches written on either thread give the iptables-nft-save ruleset", arguments: [0, 1, 2])
    func batchesRenderedOnEitherThread(_ split: Int) throws {
        guard DataplaneTest.requireRoot() else { return }
        let choices: [@Sendable (Int) -> Bool] = [{ _ in true }, { _ in false }, { $0 % 2 == 0 }]
        try Self.withNetns { netns in
            try IPTablesTest.restore(IPTablesScenarios.fullRules, backend: .nft, netns: netns)
            let netlink = try NFTIPTablesReader.read(netnsPath: netns, batchSize: 300, sharing: .chosen(choices[split]))
            Self.expectSameRules(netlink, try IPTablesReader.readNFTText(netnsPath: netns))
        }
    }

    static let scenarios: [(String, String, [IPTExpectedFrontend])] = [
        ("full", IPTablesScenarios.fullRules, IPTablesScenarios.fullExpected),
        ("large-cluster", IPTablesScenarios.largeClusterRules, IPTablesScenarios.largeClusterExpected),
        ("no-comments", IPTablesScenarios.noCommentRules, IPTablesScenarios.noCommentExpected),
    ]

    @Test("kube-proxy scenarios: netlink ruleset equals the iptables-nft-save one", arguments: [0, 1, 2])
    func scenario(_ index: Int) throws {
        guard DataplaneTest.requireRoot() else { return }
        let (label, rules, expected) = Self.scenarios[index]
        let (netlink, text) = try Self.both(rules)
        #expect(netlink.tables.map(\.name) == text.tables.map(\.name), "\(label)")
        for t in text.tables {
            let n = try #require(netlink.table(t.name))
            #expect(n.chains.map(\.name) == t.chains.map(\.name), "\(label) \(t.name) chains")
            for c in t.chains {
                let nc = try #require(n.chain(c.name))
                #expect(nc.rules.map(\.text) == c.rules.map(\.text), "\(label) \(t.name) \(c.name)")
            }
        }
        #expect(netlink == text, "\(label): whole rulesets differ")
        let frontends = KubeProxyIPTablesDecoder(netlink).frontends()
        Self.sameFrontends(frontends, KubeProxyIPTablesDecoder(text).frontends(), label)
        IPTablesTest.check(frontends, equal: expected, "\(label) netlink")
    }

    /// Rule shapes beyond kube-proxy's: ranges, negations, wildcards, goto, nth, xt udp,
    /// sctp, DNAT ranges, conntrack/state, REJECT, protocol numbers, fragments, mangle.
    static let shapes = """
        *nat
        :KUBE-SERVICES - [0:0]
        :KUBE-POSTROUTING - [0:0]
        :KUBE-MARK-MASQ - [0:0]
        :KUBE-SVC-A - [0:0]
        :KUBE-SEP-A - [0:0]
        :KUBE-SEP-B - [0:0]
        :KUBE-NODEPORTS - [0:0]
        -A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
        -A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING
        -A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN
        -A KUBE-POSTROUTING -j MARK --xor-mark 0x4000
        -A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully
        -A KUBE-POSTROUTING -p tcp -j MASQUERADE --to-ports 1000-2000 --random
        -A KUBE-MARK-MASQ -j MARK --or-mark 0x4000
        -A KUBE-SERVICES -m comment --comment "ns1/svc1:p80 cluster IP" -m tcp -p tcp -d 10.96.0.1/32 --dport 80 -j KUBE-SVC-A
        -A KUBE-SERVICES -m comment --comment "x" -p udp -d 10.96.0.0/16 --dport 53 -j KUBE-SVC-A
        -A KUBE-SERVICES ! -s 10.0.0.0/8 -p tcp --sport 1000:2000 ! --dport 5 -g KUBE-SVC-A
        -A KUBE-SERVICES -s 10.16.0.0/12 -d 10.1.2.3 -p udp --sport 7 --dport 9 -j KUBE-SVC-A
        -A KUBE-SERVICES -i eth+ ! -o lo -p sctp --dport 7 -j RETURN
        -A KUBE-SERVICES -m comment --comment "it's \\"quoted\\"" -j RETURN
        -A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS
        -A KUBE-NODEPORTS -m addrtype ! --src-type LOCAL,BROADCAST --limit-iface-in -j RETURN
        -A KUBE-SVC-A -m comment --comment "ns1/svc1:p80 -> 10.1.0.1:80" -m recent --name KUBE-SEP-A --rcheck --seconds 10800 --reap -j KUBE-SEP-A
        -A KUBE-SVC-A -m comment --comment ns1/svc1:p80 -m statistic --mode random --probability 0.3333333333 -j KUBE-SEP-A
        -A KUBE-SVC-A -m statistic --mode nth --every 3 --packet 1 -j KUBE-SEP-B
        -A KUBE-SVC-A -m statistic --mode random ! --probability 0.2 -j KUBE-SEP-B
        -A KUBE-SVC-A -j KUBE-SEP-B
        -A KUBE-SEP-A -s 10.1.0.1/32 -m comment --comment ns1/svc1:p80 -j KUBE-MARK-MASQ
        -A KUBE-SEP-A -p tcp -m comment --comment ns1/svc1:p80 -m recent --set --name KUBE-SEP-A --rsource -m tcp -j DNAT --to-destination 10.1.0.1:80
        -A KUBE-SEP-B -p udp -m udp -j DNAT --to-destination 10.1.0.2
        -A KUBE-SEP-B -p tcp -j DNAT --to-destination 10.1.0.2-10.1.0.4:80-90 --random --persistent
        -A KUBE-SEP-B -m mark --mark 0x1 -j RETURN
        -A KUBE-SEP-B -p tcp -m tcp --tcp-flags SYN,ACK SYN -j RETURN
        COMMIT
        *filter
        :KUBE-FORWARD - [0:0]
        :KUBE-EXTERNAL-SERVICES - [0:0]
        :KUBE-SERVICES - [0:0]
        -A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES
        -A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP
        -A KUBE-FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
        -A KUBE-FORWARD -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j ACCEPT
        -A KUBE-SERVICES -d 10.96.0.9/32 -p tcp -m comment --comment "ns/x:y has no endpoints" -m tcp --dport 80 -j REJECT --reject-with icmp-port-unreachable
        -A KUBE-SERVICES -d 10.96.0.9/32 -p tcp -j REJECT
        -A KUBE-SERVICES -p tcp -j REJECT --reject-with tcp-reset
        -A KUBE-SERVICES -m state --state NEW -j ACCEPT
        -A KUBE-SERVICES ! -p 47 -j ACCEPT
        -A KUBE-SERVICES -f -j ACCEPT
        -A KUBE-SERVICES ! -f -j DROP
        -A INPUT -j KUBE-FORWARD
        COMMIT
        *mangle
        :KUBE-IPTABLES-HINT - [0:0]
        -A OUTPUT -j KUBE-IPTABLES-HINT
        COMMIT

        """

    @Test("assorted rule shapes: netlink ruleset equals the iptables-nft-save one, lines included")
    func shapes() throws {
        guard DataplaneTest.requireRoot() else { return }
        let (netlink, text) = try Self.both(Self.shapes)
        Self.expectSameRules(netlink, text)
        let svc = try #require(netlink.table("nat")?.chain("KUBE-SVC-A"))
        #expect(svc.rules.compactMap { $0.statistic?.probability } == [0.33333333349, 0.20000000019])
    }

    @Test("an empty namespace reads as no tables; a missing one is a one-line error")
    func emptyAndMissing() throws {
        guard DataplaneTest.requireRoot() else { return }
        let rs = try Self.withNetns { netns in try IPTablesReader.readNFT(netnsPath: netns) }
        #expect(rs.tables.isEmpty)
        let e = #expect(throws: DataplaneError.self) {
            try IPTablesReader.readNFT(netnsPath: "/run/netns/kspy-xt-does-not-exist")
        }
        #expect(e?.description == "network namespace /run/netns/kspy-xt-does-not-exist does not exist")
    }

    @Test("a native nft rule in an iptables-nft table is a one-line error naming the rule")
    func nativeRuleRefused() throws {
        guard DataplaneTest.requireRoot() else { return }
        let result = try Self.withNetns { netns -> Result<IPTablesRuleset, DataplaneError> in
            try IPTablesTest.restore(Self.shapes, backend: .nft, netns: netns)
            try IPTablesTest.run([
                "/usr/bin/nsenter", "--net=\(netns)", "/usr/sbin/nft", "add", "rule", "ip", "filter", "KUBE-FORWARD",
                "ct", "state", "new", "accept",
            ])
            // Tables not asked for are only counted, never decoded.
            let natOnly = try IPTablesReader.readNFT(netnsPath: netns, tables: ["nat"])
            #expect(natOnly.tables.map(\.name) == ["nat"])
            do throws(DataplaneError) {
                return .success(try IPTablesReader.readNFT(netnsPath: netns))
            } catch {
                return .failure(error)
            }
        }
        guard case .failure(let error) = result else {
            Issue.record("read succeeded")
            return
        }
        #expect(error.description.hasPrefix("iptables-nft netlink: table filter chain KUBE-FORWARD rule 4 (handle "))
        #expect(error.description.hasSuffix("): expression ct is not one iptables-nft writes"))
    }

    @Test("a comment kept in rule userdata (iptables-nft 1.6.1–1.8.2) becomes -m comment at the end")
    func userdataComment() throws {
        let words = try NFTIPTablesRuleDecoder.words(
            [.payload(base: 1, offset: 12, length: 3, dreg: 1), .cmp(sreg: 1, op: 1, data: [10, 244, 0]), .counter,
             .immediate(dreg: 0, verdict: -3, chain: "KUBE-MARK-MASQ")],
            userComment: "ns/svc:http cluster IP", place: "test")
        #expect(words == " ! -s 10.244.0.0/24 -m comment --comment \"ns/svc:http cluster IP\" -j KUBE-MARK-MASQ")
    }

    // MARK: - Malformed blobs (no kernel needed: the kernel refuses bad sizes itself)

    static func decode(_ e: [NFTIPTablesExpression]) throws(DataplaneError) -> String {
        try NFTIPTablesRuleDecoder.words(e, userComment: nil, place: "table nat chain KUBE-SVC-X rule 3 (handle 9)")
    }

    static func expectError(_ e: [NFTIPTablesExpression], _ text: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let error = #expect(throws: DataplaneError.self, sourceLocation: sourceLocation) { try decode(e) }
        #expect(
            error?.description == "iptables-nft netlink: table nat chain KUBE-SVC-X rule 3 (handle 9): " + text,
            sourceLocation: sourceLocation)
        #expect(error?.description.contains("\n") == false, sourceLocation: sourceLocation)
    }

    @Test("blobs of the wrong size or revision are one-line errors, never a crash")
    func malformedBlobs() {
        Self.expectError(
            [.match(name: "comment", revision: 0, info: [UInt8](repeating: 0x41, count: 100))],
            "match comment rev 0 info is 100 bytes, expected 256")
        Self.expectError(
            [.match(name: "comment", revision: 0, info: [UInt8](repeating: 0x41, count: 300))],
            "match comment rev 0 info is 300 bytes, expected 256")
        Self.expectError(
            [.match(name: "statistic", revision: 0, info: [])], "match statistic rev 0 info is 0 bytes, expected 24")
        Self.expectError(
            [.match(name: "statistic", revision: 1, info: [UInt8](repeating: 0, count: 24))],
            "match statistic revision 1 is not supported (expected 0)")
        Self.expectError(
            [.match(name: "recent", revision: 1, info: [UInt8](repeating: 0, count: 231))],
            "match recent rev 1 info is 231 bytes, expected 232")
        Self.expectError(
            [.match(name: "conntrack", revision: 3, info: [UInt8](repeating: 0, count: 164))],
            "match conntrack rev 3 info is 164 bytes, expected 168")
        Self.expectError(
            [.match(name: "tcp", revision: 0, info: [1, 2])], "match tcp rev 0 info is 2 bytes, expected 16")
        Self.expectError(
            [.target(name: "DNAT", revision: 2, info: [UInt8](repeating: 0, count: 44))],
            "target DNAT rev 2 info is 44 bytes, expected 48")
        Self.expectError(
            [.target(name: "DNAT", revision: 7, info: [UInt8](repeating: 0, count: 48))],
            "target DNAT revision 7 is not supported (expected 0 or 1 or 2)")
        Self.expectError(
            [.target(name: "MARK", revision: 2, info: [0, 0x40, 0, 0])], "target MARK rev 2 info is 4 bytes, expected 8")
        Self.expectError(
            [.target(name: "MASQUERADE", revision: 0, info: [UInt8](repeating: 0, count: 4096))],
            "target MASQUERADE rev 0 info is 4096 bytes, expected 24")
        Self.expectError(
            [.target(name: "MASQUERADE", revision: 0, info: [UInt8](repeating: 0, count: 24))],
            "target MASQUERADE rev 0 holds 0 ranges, expected 1")
        Self.expectError(
            [.match(name: "statistic", revision: 0, info: [7] + [UInt8](repeating: 0, count: 23))],
            "match statistic has unknown mode 7")
        Self.expectError(
            [.match(name: "comment", revision: 0, info: Array("a\n-A X -j ACCEPT".utf8) + [UInt8](repeating: 0, count: 240))],
            "a comment or name holds a line break")
        Self.expectError([.other("lookup")], "expression lookup is not one iptables-nft writes")
        Self.expectError([.cmp(sreg: 1, op: 0, data: [6])], "cmp on a register nothing was loaded into")
        Self.expectError(
            [.payload(base: 2, offset: 2, length: 2, dreg: 1), .cmp(sreg: 1, op: 0, data: [0, 80])],
            "native port match without -p tcp or -p udp before it")
    }

    @Test("well-formed blobs decode to iptables-save words")
    func wellFormedBlobs() throws {
        var stat = [UInt8](repeating: 0, count: 24)
        stat[4] = 0x00; stat[5] = 0x00; stat[6] = 0x00; stat[7] = 0x40  // 0x40000000 = 0.5
        var dnat = [UInt8](repeating: 0, count: 48)
        dnat[0] = 0x3  // MAP_IPS | PROTO_SPECIFIED
        dnat[4...7] = [10, 1, 0, 1]
        dnat[20...23] = [10, 1, 0, 1]
        dnat[36...37] = [0x1f, 0x90]
        dnat[38...39] = [0x1f, 0x90]
        let words = try Self.decode([
            .meta(key: 16, dreg: 1), .cmp(sreg: 1, op: 0, data: [6]),
            .payload(base: 1, offset: 16, length: 4, dreg: 1), .cmp(sreg: 1, op: 0, data: [10, 96, 0, 1]),
            .match(name: "statistic", revision: 0, info: stat),
            .payload(base: 2, offset: 2, length: 2, dreg: 1), .cmp(sreg: 1, op: 0, data: [0, 80]),
            .counter, .target(name: "DNAT", revision: 2, info: dnat),
        ])
        #expect(
            words == " -d 10.96.0.1/32 -p tcp -m statistic --mode random --probability 0.50000000000 -m tcp --dport 80"
                + " -j DNAT --to-destination 10.1.0.1:8080")
        #expect(try Self.decode([.match(name: "foo", revision: 3, info: [1, 2])]) == " -m foo --xt-rev 3 --xt-info 0102")
    }
}
