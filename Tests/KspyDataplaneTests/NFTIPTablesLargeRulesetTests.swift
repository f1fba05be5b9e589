import Foundation
import KspyKernel
import Testing

@testable import KspyDataplane

/// The netlink reader on rulesets large enough that the kernel answers each dump in
/// many parts: rules are fetched chain by chain (`NFTChainRuleDumper`), and a chain
/// whose rules fill several 32 KiB dump parts must come back whole and in order.
@Suite("NFTIPTables netlink reader, large rulesets")
struct NFTIPTablesLargeRulesetTests {
    /// 1,500 kube-proxy-like service chains (names in hash order, so user chains must be
    /// sorted), one chain of 2,500 rules, and a mangle table before nat whose rules are
    /// only counted (line numbers).
    static func rules() -> String {
        var out = "*mangle\n:KUBE-HINT - [0:0]\n"
        for i in 0..<50 { out += "-A OUTPUT -m mark --mark 0x\(String(i + 1, radix: 16)) -j KUBE-HINT\n" }
        out += "COMMIT\n*nat\n:KUBE-SERVICES - [0:0]\n:KUBE-MARK-MASQ - [0:0]\n:KUBE-LONG - [0:0]\n"
        let hashes = (0..<1500).map { i in
            String(KubeProxyChainName.hash(servicePortName: "ns/svc\(i):http", protocol: "tcp"))
        }
        for h in hashes { out += ":KUBE-SVC-\(h) - [0:0]\n:KUBE-SEP-\(h) - [0:0]\n" }
        out += "-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000\n"
        for (i, h) in hashes.enumerated() {
            let vip = "10.96.\(i / 250).\(i % 250 + 1)"
            out +=
                "-A KUBE-SERVICES -d \(vip)/32 -p tcp -m comment --comment \"ns/svc\(i):http cluster IP\" -m tcp --dport 80 -j KUBE-SVC-\(h)\n"
            out +=
                "-A KUBE-SVC-\(h) -m comment --comment \"ns/svc\(i):http -> 10.244.\(i / 250).\(i % 250 + 1):8080\" -j KUBE-SEP-\(h)\n"
            out += "-A KUBE-SEP-\(h) -s 10.244.\(i / 250).\(i % 250 + 1)/32 -j KUBE-MARK-MASQ\n"
            out += "-A KUBE-SEP-\(h) -p tcp -m tcp -j DNAT --to-destination 10.244.\(i / 250).\(i % 250 + 1):8080\n"
        }
        for i in 0..<2500 {
            out +=
                "-A KUBE-LONG -s 10.\(i / 256).\(i % 256).0/24 -p udp -m comment --comment \"rule \(i)\" -m udp --dport \(1000 + i) -j RETURN\n"
        }
        return out + "COMMIT\n"
    }

    @Test("netlink ruleset equals the iptables-nft-save one: 3,000 chains, a 2,500-rule chain")
    func largeEqualsText() throws {
        guard DataplaneTest.requireRoot() else { return }
        let (netlink, text) = try NFTIPTablesReaderTests.both(Self.rules())
        let nat = try #require(netlink.table("nat"))
        let long = try #require(nat.chain("KUBE-LONG"))
        #expect(long.rules.count == 2500)
        #expect(long.rules.map(\.destinationPort) == (0..<2500).map { 1000 + $0 })
        #expect(nat.chains.count == 4 + 3 + 3000)
        #expect(netlink.table("mangle") == nil)
        let textNat = try #require(text.table("nat"))
        #expect(nat.chains.map(\.name) == textNat.chains.map(\.name))
        #expect(long.rules.map(\.line) == textNat.chain("KUBE-LONG")?.rules.map(\.line))
        #expect(netlink == text)
        let frontends = KubeProxyIPTablesDecoder(netlink).frontends()
        #expect(frontends.count == 1500)
        #expect(frontends.allSatisfy { $0.endpoints.count == 1 && $0.endpoints[0].port == 8080 })
        // 1,500 services are walked in parallel chunks: results stay in KUBE-SERVICES
        // order, each with its own endpoint and chain path.
        #expect(frontends.map(\.vip) == (0..<1500).map { "10.96.\($0 / 250).\($0 % 250 + 1)" })
        #expect(frontends.map { $0.endpoints.first?.ip } == (0..<1500).map { "10.244.\($0 / 250).\($0 % 250 + 1)" })
        let paths = KubeProxyIPTablesDecoder(netlink).chainPaths()
        #expect(paths.map(\.vip) == frontends.map(\.vip))
        #expect(paths.allSatisfy { $0.steps.count >= 3 })
    }

    @Test("a chain deleted between the chain and rule dumps reads as empty, not as an error")
    func vanishedChainIsEmpty() throws {
        guard DataplaneTest.requireRoot() else { return }
        try NFTIPTablesReaderTests.withNetns { netns in
            try IPTablesTest.restore(
                "*nat\n:KUBE-A - [0:0]\n-A KUBE-A -j RETURN\nCOMMIT\n", backend: .nft, netns: netns)
            let fd = open(netns, O_RDONLY | O_CLOEXEC)
            try #require(fd >= 0)
            defer { close(fd) }
            let outcome = try NetworkNamespaceThread.run(namespaceFD: fd) { () -> Result<Int, DataplaneError> in
                do throws(DataplaneError) {
                    let dumper = try NFTChainRuleDumper()
                    var rules = 0
                    try dumper.forEachRule(family: 2, table: "nat", chain: "KUBE-NOT-THERE") { _ in rules += 1 }
                    try dumper.forEachRule(family: 2, table: "nat", chain: "KUBE-A") { _ in rules += 10 }
                    return .success(rules)
                } catch {
                    return .failure(error)
                }
            }
            #expect(try outcome.get() == 10)
        }
    }
}
