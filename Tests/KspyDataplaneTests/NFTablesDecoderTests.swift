import Foundation
import KspyDataplane
import Testing

/// kube-proxy nftables-mode rulesets loaded into throw-away network namespaces with
/// `nft -f`, read back with `nft -j list ruleset` and decoded.
@Suite("NFTables kube-proxy decoder (nft -j JSON, real kernel, throw-away netns)")
struct NFTablesDecoderTests {
    static func decode(_ writer: KubeProxyNFTWriter) throws -> KubeProxyNFTablesDecoding {
        let json = try NFTablesTest.roundTripJSON(writer.ruleset())
        return KubeProxyNFTablesDecoder(try NFTablesJSONParser.parse(json)).decode()
    }

    @Test("chain-name hashes match the reference vectors")
    func chainNames() {
        #expect(KubeProxyNFTChainName.hash("ns1/svc1/tcp/p80") == "ULMVA6XW")
        #expect(KubeProxyNFTChainName.hash("kube-system/kube-dns/udp/dns") == "FY5PMXPG")
        #expect(KubeProxyNFTChainName.hash("default/kubernetes/tcp/https") == "2QRHZV4L")
        #expect(
            KubeProxyNFTChainName.endpointChain(
                namespace: "ns1", service: "svc1", protocol: "tcp", portName: "p80", ip: "10.180.0.1", port: 80)
                .hasPrefix("endpoint-5OJB2KTY-"))
        let n = KubeProxyNFTChainName("service-2QRHZV4L-default/kubernetes/tcp/https")
        #expect(n?.servicePortName == "default/kubernetes:https")
        #expect(n?.hashMatches == true)
        #expect(KubeProxyNFTChainName("service-AAAAAAAA-ns/svc/tcp/")?.servicePortName == "ns/svc")
        #expect(KubeProxyNFTChainName("service-AAAAAAAA-ns/svc/tcp/")?.hashMatches == false)
        #expect(KubeProxyNFTChainName("services") == nil)
        #expect(KubeProxyNFTChainName("mark-for-masquerade") == nil)
    }

    @Test("ClusterIP with 1, 2 (affinity, unnamed port) and 3 endpoints")
    func clusterIPs() throws {
        guard DataplaneTest.requireRoot() else { return }
        for (service, expected) in [
            (NFTablesScenarios.one, NFTablesScenarios.oneExpected),
            (NFTablesScenarios.two, NFTablesScenarios.twoExpected),
            (NFTablesScenarios.three, NFTablesScenarios.threeExpected),
        ] {
            let d = try Self.decode(KubeProxyNFTWriter(services: [service]))
            NFTablesTest.check(d.frontends, equal: [expected], service.portString)
            #expect(d.staleChains.isEmpty)
            #expect(d.masqueradeMark == 0x4000)
        }
    }

    @Test("NodePort and external IP go through external-… to the service chain")
    func nodePort() throws {
        guard DataplaneTest.requireRoot() else { return }
        let d = try Self.decode(KubeProxyNFTWriter(services: [NFTablesScenarios.nodePort]))
        NFTablesTest.check(d.frontends, equal: NFTablesScenarios.nodePortExpected, "nodeport")
        #expect(d.staleChains.isEmpty)
    }

    @Test("externalTrafficPolicy Local: short-circuit rules, then local-… with the local endpoints")
    func localPolicy() throws {
        guard DataplaneTest.requireRoot() else { return }
        let d = try Self.decode(KubeProxyNFTWriter(services: [NFTablesScenarios.local]))
        NFTablesTest.check(d.frontends, equal: NFTablesScenarios.localExpected, "local")
        #expect(d.staleChains.isEmpty)
    }

    @Test("LoadBalancer IPs with source ranges go through firewall-ips")
    func loadBalancer() throws {
        guard DataplaneTest.requireRoot() else { return }
        let d = try Self.decode(KubeProxyNFTWriter(services: [NFTablesScenarios.lb, NFTablesScenarios.lbOneRange]))
        NFTablesTest.check(d.frontends, equal: NFTablesScenarios.lbExpected, "lb")
        #expect(d.staleChains.isEmpty)
    }

    @Test("an ip6 kube-proxy table decodes with IPv6 addresses")
    func ipv6() throws {
        guard DataplaneTest.requireRoot() else { return }
        let json = try NFTablesTest.roundTripJSON(NFTablesScenarios.v6Ruleset)
        let d = KubeProxyNFTablesDecoder(try NFTablesJSONParser.parse(json)).decode()
        NFTablesTest.check(d.frontends, equal: [NFTablesScenarios.v6Expected], "ip6")
        #expect(d.staleChains.isEmpty)
    }

    @Test("a service without endpoints is rejected through no-endpoint-services/-nodeports")
    func noEndpoints() throws {
        guard DataplaneTest.requireRoot() else { return }
        let d = try Self.decode(KubeProxyNFTWriter(services: [NFTablesScenarios.empty]))
        NFTablesTest.check(d.frontends, equal: NFTablesScenarios.emptyExpected, "empty")
    }

    @Test("chains nothing references are stale")
    func stale() throws {
        guard DataplaneTest.requireRoot() else { return }
        let d = try Self.decode(KubeProxyNFTWriter(services: [], staleChains: NFTablesScenarios.staleChains))
        NFTablesTest.check(d.frontends, equal: [NFTablesScenarios.staleExpected], "stale")
        #expect(d.staleChains == NFTablesScenarios.fullStale)
    }

    @Test("everything in one ruleset decodes in the documented order")
    func full() throws {
        guard DataplaneTest.requireRoot() else { return }
        let d = try Self.decode(NFTablesScenarios.full)
        NFTablesTest.check(d.frontends, equal: NFTablesScenarios.fullExpected, "full")
        #expect(d.frontends == NFTablesScenarios.fullExpected)
        #expect(d.staleChains == NFTablesScenarios.fullStale)
        #expect(d.masqueradeMark == 0x4000)
    }

    @Test("a namespace without kube-proxy tables decodes to nothing")
    func emptyNamespace() throws {
        guard DataplaneTest.requireRoot() else { return }
        let json = try NFTablesTest.withNetns { try NFTablesTest.listJSON(netns: $0) }
        let rs = try NFTablesJSONParser.parse(json)
        #expect(rs.tables.isEmpty)
        #expect(KubeProxyNFTablesDecoder(rs).decode() == KubeProxyNFTablesDecoding(
            frontends: [], staleChains: [], masqueradeMark: nil))
    }
}
