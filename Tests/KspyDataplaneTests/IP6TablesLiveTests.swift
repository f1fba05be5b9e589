import Foundation
import Testing

@testable import KspyDataplane

/// kube-proxy's ip6tables rules on a dual-stack node, read live: the `ip6` nf_tables
/// family over netlink (IPv6 addresses in the network header, `[addr]:port` DNAT,
/// IPv6 masks in `recent`, icmp6 REJECT, IPv6 MASQUERADE) and the legacy backend through
/// `ip6tables-legacy-save`, loaded into throw-away namespaces.
@Suite("ip6tables live")
struct IP6TablesLiveTests {
    static let rules = """
        *nat
        :PREROUTING ACCEPT [0:0]
        :INPUT ACCEPT [0:0]
        :OUTPUT ACCEPT [0:0]
        :POSTROUTING ACCEPT [0:0]
        :KUBE-EXT-WEB6AAAAAAAAAAAA - [0:0]
        :KUBE-MARK-MASQ - [0:0]
        :KUBE-NODEPORTS - [0:0]
        :KUBE-POSTROUTING - [0:0]
        :KUBE-SEP-DNS6AAAAAAAAAAAA - [0:0]
        :KUBE-SEP-WEB6AAAAAAAAAAAA - [0:0]
        :KUBE-SEP-WEB6BBBBBBBBBBBB - [0:0]
        :KUBE-SERVICES - [0:0]
        :KUBE-SVC-DNS6AAAAAAAAAAAA - [0:0]
        :KUBE-SVC-WEB6AAAAAAAAAAAA - [0:0]
        -A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
        -A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
        -A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING
        -A KUBE-EXT-WEB6AAAAAAAAAAAA -m comment --comment "masquerade traffic for default/web:http external destinations" -j KUBE-MARK-MASQ
        -A KUBE-EXT-WEB6AAAAAAAAAAAA -j KUBE-SVC-WEB6AAAAAAAAAAAA
        -A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000
        -A KUBE-NODEPORTS -p tcp -m comment --comment "default/web:http" -m tcp --dport 30080 -j KUBE-EXT-WEB6AAAAAAAAAAAA
        -A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN
        -A KUBE-POSTROUTING -j MARK --set-xmark 0x4000/0x0
        -A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully
        -A KUBE-SEP-DNS6AAAAAAAAAAAA -s fd00:10:244::7/128 -m comment --comment "kube-system/dns:dns" -j KUBE-MARK-MASQ
        -A KUBE-SEP-DNS6AAAAAAAAAAAA -p udp -m comment --comment "kube-system/dns:dns" -m udp -j DNAT --to-destination [fd00:10:244::7]:53
        -A KUBE-SEP-WEB6AAAAAAAAAAAA -s fd00:10:244::5/128 -m comment --comment "default/web:http" -j KUBE-MARK-MASQ
        -A KUBE-SEP-WEB6AAAAAAAAAAAA -p tcp -m comment --comment "default/web:http" -m recent --set --name KUBE-SEP-WEB6AAAAAAAAAAAA --mask ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff --rsource -m tcp -j DNAT --to-destination [fd00:10:244::5]:8080
        -A KUBE-SEP-WEB6BBBBBBBBBBBB -s fd00:10:244::6/128 -m comment --comment "default/web:http" -j KUBE-MARK-MASQ
        -A KUBE-SEP-WEB6BBBBBBBBBBBB -p tcp -m comment --comment "default/web:http" -m recent --set --name KUBE-SEP-WEB6BBBBBBBBBBBB --mask ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff --rsource -m tcp -j DNAT --to-destination [fd00:10:244::6]:8080
        -A KUBE-SERVICES -d fd00:10:96::a/128 -p tcp -m comment --comment "default/web:http cluster IP" -m tcp --dport 80 -j KUBE-SVC-WEB6AAAAAAAAAAAA
        -A KUBE-SERVICES -d fd00:10:96::53/128 -p udp -m comment --comment "kube-system/dns:dns cluster IP" -m udp --dport 53 -j KUBE-SVC-DNS6AAAAAAAAAAAA
        -A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL ! -d ::1/128 -j KUBE-NODEPORTS
        -A KUBE-SVC-DNS6AAAAAAAAAAAA ! -s fd00:10:244::/64 -d fd00:10:96::53/128 -p udp -m comment --comment "kube-system/dns:dns cluster IP" -m udp --dport 53 -j KUBE-MARK-MASQ
        -A KUBE-SVC-DNS6AAAAAAAAAAAA -m comment --comment "kube-system/dns:dns -> [fd00:10:244::7]:53" -j KUBE-SEP-DNS6AAAAAAAAAAAA
        -A KUBE-SVC-WEB6AAAAAAAAAAAA ! -s fd00:10:244::/64 -d fd00:10:96::a/128 -p tcp -m comment --comment "default/web:http cluster IP" -m tcp --dport 80 -j KUBE-MARK-MASQ
        -A KUBE-SVC-WEB6AAAAAAAAAAAA -m comment --comment "default/web:http -> [fd00:10:244::5]:8080" -m recent --rcheck --seconds 10800 --reap --name KUBE-SEP-WEB6AAAAAAAAAAAA --mask ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff --rsource -j KUBE-SEP-WEB6AAAAAAAAAAAA
        -A KUBE-SVC-WEB6AAAAAAAAAAAA -m comment --comment "default/web:http -> [fd00:10:244::6]:8080" -m recent --rcheck --seconds 10800 --reap --name KUBE-SEP-WEB6BBBBBBBBBBBB --mask ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff --rsource -j KUBE-SEP-WEB6BBBBBBBBBBBB
        -A KUBE-SVC-WEB6AAAAAAAAAAAA -m comment --comment "default/web:http -> [fd00:10:244::5]:8080" -m statistic --mode random --probability 0.50000000000 -j KUBE-SEP-WEB6AAAAAAAAAAAA
        -A KUBE-SVC-WEB6AAAAAAAAAAAA -m comment --comment "default/web:http -> [fd00:10:244::6]:8080" -j KUBE-SEP-WEB6BBBBBBBBBBBB
        COMMIT
        *filter
        :INPUT ACCEPT [0:0]
        :FORWARD ACCEPT [0:0]
        :OUTPUT ACCEPT [0:0]
        :KUBE-SERVICES - [0:0]
        -A INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
        -A KUBE-SERVICES -d fd00:10:96::99/128 -p tcp -m comment --comment "default/empty:http has no endpoints" -m tcp --dport 80 -j REJECT --reject-with icmp6-port-unreachable
        COMMIT

        """

    /// Loads `rules` into a new namespace with `backend`'s ip6tables-restore and runs `body`.
    static func loaded<T>(_ backend: IPTablesBackend, _ body: (String) throws -> T) throws -> T {
        try IPTablesTest.withNetns { netns in
            try IPTablesTest.restore(rules, backend: backend, netns: netns, family: .ipv6)
            return try body(netns)
        }
    }

    /// What the text decoder (already checked against ip6tables-save dumps) makes of `rules`.
    static func expectedFrontends() throws -> [ServiceFrontend] {
        KubeProxyIPTablesDecoder(try IPTablesSaveParser(sourceName: "rules").parse(bytes: Array(rules.utf8)))
            .frontends()
    }

    @Test("ip6 nf_tables over netlink equals ip6tables-nft-save, rule by rule, line by line")
    func netlinkEqualsSaveText() throws {
        guard DataplaneTest.requireRoot() else { return }
        let (netlink, text) = try Self.loaded(.nft) { netns in
            (
                try NFTIPTablesReader.read(netnsPath: netns, family: .ipv6),
                try IPTablesReader.read(backend: .nft, netnsPath: netns, family: .ipv6)
            )
        }
        #expect(!text.tables.isEmpty)
        NFTIPTablesReaderTests.expectSameRules(netlink, text)
    }

    @Test("dual-stack: kspy's live sources give the IPv6 services next to the IPv4 ones", arguments: [IPTablesBackend.nft, .legacy])
    func frontendsOfBothFamilies(backend: IPTablesBackend) throws {
        guard DataplaneTest.requireRoot() else { return }
        let expected = try Self.expectedFrontends()
        let frontends = try Self.loaded(backend) { netns in
            // An IPv4 service in the same namespace, as kube-proxy writes both.
            try IPTablesTest.restore(IPTablesScenarios.fullRules, backend: backend, netns: netns)
            var all: [ServiceFrontend] = []
            for (source, family) in IPTablesReader.liveSources where source == backend {
                all += try IPTablesReader.frontends(backend: source, netnsPath: netns, family: family)
            }
            return all
        }
        let v6 = frontends.filter { $0.vip.contains(":") }
        #expect(v6 == expected)
        #expect(frontends.count > v6.count, "the IPv4 services are read too")

        let web = try #require(v6.first { $0.vip == "fd00:10:96::a" && $0.port == 80 })
        #expect(web.name == "default/web:http")
        #expect(web.endpoints.map(\.ip) == ["fd00:10:244::5", "fd00:10:244::6"])
        #expect(web.endpoints.map(\.port) == [8080, 8080])
        #expect(web.endpoints.allSatisfy { abs($0.weight - 0.5) < 1e-9 })
        #expect(web.affinity != nil)
        #expect(v6.contains { $0.kind == .nodePort && $0.port == 30080 && $0.vip == "::" })
        let dns = try #require(v6.first { $0.vip == "fd00:10:96::53" })
        #expect(dns.endpoints.map(\.ip) == ["fd00:10:244::7"])
    }
}
