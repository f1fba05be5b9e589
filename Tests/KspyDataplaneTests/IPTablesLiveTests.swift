import Foundation
import KspyDataplane
import Testing

/// Loads kube-proxy-shaped rules into throw-away network namespaces with each backend's
/// iptables-restore, reads them back through `IPTablesReader` and decodes them.
@Suite("IPTables live readers (real kernel, throw-away netns)")
struct IPTablesLiveTests {
    static func roundTrip(_ rules: String, _ backend: IPTablesBackend) throws -> IPTablesRuleset {
        try IPTablesTest.withNetns { netns in
            try IPTablesTest.restore(rules, backend: backend, netns: netns)
            return try IPTablesReader.read(backend: backend, netnsPath: netns)
        }
    }

    @Test("every service shape round-trips through the kernel", arguments: IPTablesBackend.allCases)
    func fullScenario(_ backend: IPTablesBackend) throws {
        guard DataplaneTest.requireRoot() else { return }
        let rs = try Self.roundTrip(IPTablesScenarios.fullRules, backend)
        #expect(rs.tables.map(\.name).sorted() == ["filter", "nat"])
        let d = KubeProxyIPTablesDecoder(rs).decode()
        IPTablesTest.check(d.frontends, equal: IPTablesScenarios.fullExpected, "\(backend)")
        #expect(d.masqueradeMark == 0x4000)
        #expect(d.staleChains.isEmpty)

        // What the kernel stores: 0.3333333333 → round(p·2^31) = 715827883 → printed
        // 0.33333333349; effective weights from those values are 1/3 within 1e-6.
        let nat = try #require(rs.table("nat"))
        let three = try #require(nat.chain(IPTablesScenarios.three.svcChain))
        #expect(three.rules.compactMap { $0.statistic?.probability } == [0.33333333349, 0.5])
        let ten = try #require(nat.chain(IPTablesScenarios.ten.svcChain))
        let tenP = ten.rules.compactMap { $0.statistic?.probability }
        #expect(tenP.count == 9)
        #expect(tenP.first == 0.10000000009)
        let f = try #require(d.frontends.first { $0.vip == "10.96.0.14" })
        #expect(abs(f.endpoints.reduce(0) { $0 + $1.weight } - 1) < 1e-9)
        // iptables-save normalised kube-proxy's MARK --or-mark to --set-xmark.
        #expect(nat.chain("KUBE-MARK-MASQ")?.rules.first?.text == "-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000")
    }

    @Test("large-cluster mode (comment-less endpoint rules) round-trips", arguments: IPTablesBackend.allCases)
    func largeCluster(_ backend: IPTablesBackend) throws {
        guard DataplaneTest.requireRoot() else { return }
        let rs = try Self.roundTrip(IPTablesScenarios.largeClusterRules, backend)
        IPTablesTest.check(
            KubeProxyIPTablesDecoder(rs).frontends(), equal: IPTablesScenarios.largeClusterExpected, "\(backend) large")
        let sep = try #require(
            rs.table("nat")?.chain(IPTablesScenarios.three.sepChain(IPTablesScenarios.three.endpoints[0])))
        #expect(sep.rules.allSatisfy { $0.comment == nil })
    }

    @Test("no comments and uneven probabilities round-trip", arguments: IPTablesBackend.allCases)
    func noComments(_ backend: IPTablesBackend) throws {
        guard DataplaneTest.requireRoot() else { return }
        let rs = try Self.roundTrip(IPTablesScenarios.noCommentRules, backend)
        IPTablesTest.check(
            KubeProxyIPTablesDecoder(rs).frontends(), equal: IPTablesScenarios.noCommentExpected, "\(backend) quiet")
        let svc = try #require(rs.table("nat")?.chain(IPTablesScenarios.uneven.svcChain))
        #expect(svc.rules.compactMap { $0.statistic?.probability } == [0.10000000009, 0.25, 0.5])
    }

    @Test("reading a namespace without legacy tables creates none, and reads nothing")
    func legacyReadHasNoSideEffect() throws {
        guard DataplaneTest.requireRoot() else { return }
        try IPTablesTest.withNetns { netns in
            let rs = try IPTablesReader.readLegacy(netnsPath: netns)
            #expect(rs.tables.isEmpty)
            let names = try IPTablesTest.run([
                "/usr/bin/nsenter", "--net=\(netns)", "/bin/cat", "/proc/net/ip_tables_names",
            ])
            #expect(names.isEmpty)
            #expect(try IPTablesReader.readNFTText(netnsPath: netns).tables.isEmpty)
        }
    }

    @Test("each backend reads only its own rules")
    func backendsAreSeparate() throws {
        guard DataplaneTest.requireRoot() else { return }
        try IPTablesTest.withNetns { netns in
            try IPTablesTest.restore(
                KubeProxyRuleWriter(services: [IPTablesScenarios.two]).restoreInput(), backend: .legacy, netns: netns)
            try IPTablesTest.restore(
                KubeProxyRuleWriter(services: [IPTablesScenarios.three]).restoreInput(), backend: .nft, netns: netns)
            let legacy = try IPTablesReader.frontends(backend: .legacy, netnsPath: netns)
            let nft = try IPTablesReader.frontends(backend: .nft, netnsPath: netns)
            #expect(legacy.map(\.name) == ["default/two:http"])
            #expect(nft.map(\.name) == ["default/three:http"])
        }
    }

    @Test("a namespace path that does not exist is a one-line error")
    func missingNamespace() {
        let e = #expect(throws: DataplaneError.self) {
            try IPTablesReader.readLegacy(netnsPath: "/run/netns/kspy-t-does-not-exist")
        }
        #expect(e?.description == "network namespace /run/netns/kspy-t-does-not-exist does not exist")
    }

    @Test("offline: a dump file of either backend, saved from the kernel", arguments: IPTablesBackend.allCases)
    func dumpFile(_ backend: IPTablesBackend) throws {
        guard DataplaneTest.requireRoot() else { return }
        let text = try IPTablesTest.withNetns { netns -> String in
            try IPTablesTest.restore(IPTablesScenarios.noCommentRules, backend: backend, netns: netns)
            let save = backend == .legacy ? "/usr/sbin/iptables-legacy-save" : "/usr/sbin/iptables-nft-save"
            return try IPTablesTest.run(["/usr/bin/nsenter", "--net=\(netns)", save, "-c"])
        }
        let path = "/tmp/kspy-t-dump-\(getpid())-\(backend).txt"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        defer { unlink(path) }
        let rs = try IPTablesReader.readFile(path)
        IPTablesTest.check(
            KubeProxyIPTablesDecoder(rs).frontends(), equal: IPTablesScenarios.noCommentExpected, "\(backend) file")
        #expect(
            rs.table("nat")?.chain("KUBE-SERVICES")?.rules.first?.counters == IPTablesCounters(packets: 0, bytes: 0))
        let e = #expect(throws: DataplaneError.self) { try IPTablesReader.readFile(path + ".missing") }
        #expect(e?.description.hasPrefix("cannot read iptables dump \(path).missing") == true)
    }
}
