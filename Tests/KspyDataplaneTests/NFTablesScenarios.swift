import KspyDataplane

/// kube-proxy nftables-mode services and the frontends they must decode to.
enum NFTablesScenarios {
    static let masq = "masquerade traffic not from 10.0.0.0/8 (mark 0x4000)"
    static let masqAll = "masquerade all traffic (mark 0x4000)"
    static let everyLocal = "NodePort on every local address except 127.0.0.0/8"

    static let one = NFTService(
        namespace: "ns1", name: "svc1", portName: "p80", clusterIP: "172.30.0.41", port: 80,
        endpoints: [("10.180.0.1", 80)])
    static let two = NFTService(
        namespace: "ns2", name: "svc2", portName: "", clusterIP: "172.30.0.42", port: 8080, affinitySeconds: 10800,
        endpoints: [("10.180.0.2", 8080), ("10.180.0.3", 8081)])
    static let three = NFTService(
        namespace: "kube-system", name: "kube-dns", portName: "dns", proto: "udp", clusterIP: "172.30.0.10", port: 53,
        endpoints: [("10.180.0.4", 53), ("10.180.0.5", 53), ("10.180.0.6", 53)])
    static let nodePort = NFTService(
        namespace: "ns3", name: "web", portName: "http", clusterIP: "172.30.0.43", port: 80, nodePort: 30080,
        externalIPs: ["192.0.2.10"], endpoints: [("10.180.0.7", 8080), ("10.180.0.8", 8080)])
    static let empty = NFTService(
        namespace: "ns4", name: "svc4", portName: "p80", clusterIP: "172.30.0.44", port: 80, nodePort: 30044,
        endpoints: [])

    static let local = NFTService(
        namespace: "ns7", name: "local", portName: "http", clusterIP: "172.30.0.47", port: 80, nodePort: 30047,
        endpoints: [("10.180.1.1", 80), ("10.180.1.2", 80), ("10.180.1.3", 80)], externalLocal: true,
        localEndpoints: 2)

    static let lb = NFTService(
        namespace: "ns9", name: "lb", portName: "https", clusterIP: "172.30.0.49", port: 443,
        loadBalancerIPs: ["198.18.0.9"], sourceRanges: ["203.0.113.0/24", "198.51.100.0/24"],
        endpoints: [("10.180.2.1", 8443)])
    static let lbOneRange = NFTService(
        namespace: "ns9", name: "lb1", portName: "https", clusterIP: "172.30.0.50", port: 443,
        loadBalancerIPs: ["198.18.0.10"], sourceRanges: ["203.0.113.0/24"], endpoints: [("10.180.2.2", 8443)])

    static func f(
        _ vip: String, _ port: Int, _ proto: String = "tcp", _ kind: ServiceKind = .clusterIP, name: String?,
        _ endpoints: [ServiceEndpoint], affinity: SessionAffinity? = nil, _ notes: [String]
    ) -> ServiceFrontend {
        ServiceFrontend(
            vip: vip, port: port, protocol: proto, kind: kind, name: name, mode: .nftables, endpoints: endpoints,
            affinity: affinity, notes: notes)
    }

    static let oneExpected = f(
        "172.30.0.41", 80, name: "ns1/svc1:p80", [ServiceEndpoint(ip: "10.180.0.1", port: 80, weight: 1)], [masq])
    static let twoExpected = f(
        "172.30.0.42", 8080, name: "ns2/svc2",
        [
            ServiceEndpoint(ip: "10.180.0.2", port: 8080, weight: 0.5),
            ServiceEndpoint(ip: "10.180.0.3", port: 8081, weight: 0.5),
        ], affinity: SessionAffinity(type: "ClientIP", timeoutSeconds: 10800), [masq])
    static let threeExpected = f(
        "172.30.0.10", 53, "udp", name: "kube-system/kube-dns:dns",
        ["10.180.0.4", "10.180.0.5", "10.180.0.6"].map { ServiceEndpoint(ip: $0, port: 53, weight: 1.0 / 3.0) },
        [masq])
    static let webEndpoints = [
        ServiceEndpoint(ip: "10.180.0.7", port: 8080, weight: 0.5),
        ServiceEndpoint(ip: "10.180.0.8", port: 8080, weight: 0.5),
    ]
    static let nodePortExpected = [
        f("172.30.0.43", 80, name: "ns3/web:http", webEndpoints, [masq]),
        f(
            "192.0.2.10", 80, "tcp", .externalIP, name: "ns3/web:http", webEndpoints,
            ["external or load-balancer IP (no comment says which)", masqAll]),
        f("0.0.0.0", 30080, "tcp", .nodePort, name: "ns3/web:http", webEndpoints, [everyLocal, masqAll]),
    ]
    static let emptyExpected = [
        f("0.0.0.0", 30044, "tcp", .nodePort, name: "ns4/svc4:p80", [], [everyLocal, "no endpoints (REJECT)"]),
        f("172.30.0.44", 80, name: "ns4/svc4:p80", [], ["no endpoints (REJECT)"]),
    ]

    static let localExpected = [
        f(
            "172.30.0.47", 80, name: "ns7/local:http",
            ["10.180.1.1", "10.180.1.2", "10.180.1.3"].map { ServiceEndpoint(ip: $0, port: 80, weight: 1.0 / 3.0) },
            [masq]),
        f(
            "0.0.0.0", 30047, "tcp", .nodePort, name: "ns7/local:http",
            ["10.180.1.1", "10.180.1.2"].map { ServiceEndpoint(ip: $0, port: 80, weight: 0.5) },
            [
                everyLocal, "traffic from 10.0.0.0/8 goes to \(local.serviceChain)",
                "masquerade traffic from node-local addresses (mark 0x4000)",
                "traffic from node-local addresses goes to \(local.serviceChain)",
                "local traffic policy: only node-local endpoints (\(local.localChain))",
            ]),
    ]

    static let lbExpected = [
        f("172.30.0.49", 443, name: "ns9/lb:https", [ServiceEndpoint(ip: "10.180.2.1", port: 8443, weight: 1)], [masq]),
        f("172.30.0.50", 443, name: "ns9/lb1:https", [ServiceEndpoint(ip: "10.180.2.2", port: 8443, weight: 1)], [masq]),
        f(
            "198.18.0.10", 443, "tcp", .loadBalancer, name: "ns9/lb1:https",
            [ServiceEndpoint(ip: "10.180.2.2", port: 8443, weight: 1)],
            ["source ranges: 203.0.113.0/24 (other sources are dropped)", masqAll]),
        f(
            "198.18.0.9", 443, "tcp", .loadBalancer, name: "ns9/lb:https",
            [ServiceEndpoint(ip: "10.180.2.1", port: 8443, weight: 1)],
            ["source ranges: 198.51.100.0/24, 203.0.113.0/24 (other sources are dropped)", masqAll]),
    ]

    /// An `ip6 kube-proxy` table (dual-stack node), written by hand.
    static let v6Service = KubeProxyNFTChainName.serviceChain(
        namespace: "ns8", service: "six", protocol: "tcp", portName: "")
    static let v6Endpoints = ["fd00:180::1", "fd00:180::2"].map {
        KubeProxyNFTChainName.endpointChain(
            namespace: "ns8", service: "six", protocol: "tcp", portName: "", ip: $0, port: 8080)
    }
    static let v6Ruleset = """
        table ip6 kube-proxy {
        \tcomment "rules for kube-proxy"
        \tmap service-ips {
        \t\ttype ipv6_addr . inet_proto . inet_service : verdict
        \t\telements = { fd00:30::48 . tcp . 80 : goto \(v6Service) }
        \t}
        \tchain mark-for-masquerade {
        \t\tmark set mark or 0x4000
        \t}
        \tchain nat-prerouting {
        \t\ttype nat hook prerouting priority dstnat; policy accept;
        \t\tjump services
        \t}
        \tchain services {
        \t\tip6 daddr . meta l4proto . th dport vmap @service-ips
        \t}
        \tchain \(v6Service) {
        \t\tip6 daddr fd00:30::48 tcp dport 80 ip6 saddr != fd00::/8 jump mark-for-masquerade
        \t\tnumgen random mod 2 vmap { 0 : goto \(v6Endpoints[0]), 1 : goto \(v6Endpoints[1]) }
        \t}
        \tchain \(v6Endpoints[0]) {
        \t\tip6 saddr fd00:180::1 jump mark-for-masquerade
        \t\tmeta l4proto tcp dnat to [fd00:180::1]:8080
        \t}
        \tchain \(v6Endpoints[1]) {
        \t\tip6 saddr fd00:180::2 jump mark-for-masquerade
        \t\tmeta l4proto tcp dnat to [fd00:180::2]:8080
        \t}
        }

        """
    static let v6Expected = f(
        "fd00:30::48", 80, name: "ns8/six",
        ["fd00:180::1", "fd00:180::2"].map { ServiceEndpoint(ip: $0, port: 8080, weight: 0.5) },
        ["masquerade traffic not from fd00::/8 (mark 0x4000)"])

    /// A service that is gone: its service chain (still dispatching) and endpoint chain,
    /// plus a flushed endpoint chain of another one; nothing references them.
    static let goneService = KubeProxyNFTChainName.serviceChain(
        namespace: "ns5", service: "gone", protocol: "tcp", portName: "p80")
    static let goneEndpoint = KubeProxyNFTChainName.endpointChain(
        namespace: "ns5", service: "gone", protocol: "tcp", portName: "p80", ip: "10.180.0.9", port: 80)
    static let flushedEndpoint = KubeProxyNFTChainName.endpointChain(
        namespace: "ns6", service: "old", protocol: "tcp", portName: "", ip: "10.180.0.10", port: 80)
    static let staleChains: [(name: String, rules: [String])] = [
        (
            goneService,
            [
                "ip daddr 172.30.0.99 tcp dport 80 ip saddr != 10.0.0.0/8 jump mark-for-masquerade",
                "numgen random mod 1 vmap { 0 : goto \(goneEndpoint) }",
            ]
        ),
        (goneEndpoint, ["ip saddr 10.180.0.9 jump mark-for-masquerade", "meta l4proto tcp dnat to 10.180.0.9:80"]),
        (flushedEndpoint, []),
    ]
    static let staleExpected = f(
        "", 0, name: "ns5/gone:p80", [ServiceEndpoint(ip: "10.180.0.9", port: 80, weight: 1)],
        ["stale", "chain \(goneService) is referenced by nothing"])

    /// Everything in one ruleset, and the frontends in the decoder's documented order.
    static let full = KubeProxyNFTWriter(services: [one, two, three, nodePort, empty], staleChains: staleChains)
    static let fullExpected: [ServiceFrontend] =
        [threeExpected, oneExpected, twoExpected, nodePortExpected[0], nodePortExpected[1], nodePortExpected[2]]
        + emptyExpected + [staleExpected]
    static let fullStale = [flushedEndpoint, goneEndpoint, goneService].sorted().map { "ip kube-proxy " + $0 }
}
