import KspyDataplane

/// kube-proxy-shaped rulesets with what a decoder must find in them.
enum IPTablesScenarios {
    static let masqOffCluster = "masquerade traffic not from 10.244.0.0/16 (mark 0x4000)"
    static let masqAll = "masquerade all traffic (mark 0x4000)"
    static let masqLocal = "masquerade traffic from node-local addresses (mark 0x4000)"
    static let anyLocal = "NodePort on every local address"

    static func ep(_ ip: String, _ port: Int, local: Bool = true) -> KPService.Endpoint {
        KPService.Endpoint(ip: ip, port: port, local: local)
    }

    // MARK: services

    static let one = KPService(
        namespace: "default", name: "one", portName: "http", clusterIP: "10.96.0.11", port: 80,
        endpoints: [ep("10.244.1.11", 8080)])
    static let two = KPService(
        namespace: "default", name: "two", portName: "http", clusterIP: "10.96.0.12", port: 80,
        endpoints: [ep("10.244.1.21", 8080), ep("10.244.2.22", 8080)])
    static let three = KPService(
        namespace: "default", name: "three", portName: "http", clusterIP: "10.96.0.13", port: 80,
        endpoints: [ep("10.244.1.31", 8080), ep("10.244.2.32", 8080), ep("10.244.3.33", 8080)])
    static let ten = KPService(
        namespace: "default", name: "ten", portName: nil, proto: "udp", clusterIP: "10.96.0.14", port: 53,
        endpoints: (1...10).map { ep("10.244.3.\($0)", 5353) })
    static let nodePort = KPService(
        namespace: "shop", name: "web", portName: "http", clusterIP: "10.96.0.15", port: 80, nodePort: 30080,
        endpoints: [ep("10.244.1.51", 8080), ep("10.244.2.52", 8080)])
    static let externalIP = KPService(
        namespace: "shop", name: "ext", portName: "https", clusterIP: "10.96.0.16", port: 443,
        externalIPs: ["192.0.2.10"], endpoints: [ep("10.244.1.61", 8443)])
    static let loadBalancer = KPService(
        namespace: "shop", name: "lb", portName: "http", clusterIP: "10.96.0.17", port: 80, nodePort: 30081,
        loadBalancerIPs: ["203.0.113.7"], sourceRanges: ["198.51.100.0/24", "203.0.113.128/25"],
        endpoints: [ep("10.244.1.71", 80), ep("10.244.2.72", 80)])
    static let localPolicy = KPService(
        namespace: "shop", name: "local", portName: "http", clusterIP: "10.96.0.18", port: 80, nodePort: 30082,
        loadBalancerIPs: ["203.0.113.8"], externalLocal: true, healthCheckNodePort: 32000,
        endpoints: [ep("10.244.1.81", 80), ep("10.244.2.82", 80, local: false), ep("10.244.1.83", 80)])
    static let sticky = KPService(
        namespace: "default", name: "sticky", portName: "http", clusterIP: "10.96.0.19", port: 80,
        affinitySeconds: 10800,
        endpoints: [ep("10.244.1.91", 80), ep("10.244.2.92", 80)])
    static let empty = KPService(
        namespace: "default", name: "empty", portName: "http", clusterIP: "10.96.0.20", port: 80, nodePort: 30083,
        externalIPs: ["192.0.2.20"], endpoints: [])
    static let noLocal = KPService(
        namespace: "shop", name: "nolocal", portName: "http", clusterIP: "10.96.0.21", port: 80, nodePort: 30084,
        externalLocal: true, endpoints: [ep("10.244.2.101", 80, local: false)])
    static let internalLocal = KPService(
        namespace: "default", name: "intlocal", portName: "http", clusterIP: "10.96.0.22", port: 80,
        internalLocal: true,
        endpoints: [ep("10.244.1.111", 80), ep("10.244.2.112", 80, local: false)])

    // MARK: scenario A: every service shape, as kube-proxy writes it

    static let allServices = [
        one, two, three, ten, nodePort, externalIP, loadBalancer, localPolicy, sticky, empty, noLocal, internalLocal,
    ]

    static var fullRules: String { KubeProxyRuleWriter(services: allServices).restoreInput() }

    /// The three kube-proxy rulesets (every service shape; large-cluster mode; no
    /// comments at all), labelled for test messages.
    static var labelledRules: [(label: String, rules: String)] {
        [("full", fullRules), ("large-cluster", largeClusterRules), ("no-comments", noCommentRules)]
    }

    static func localNotes(_ svc: KPService) -> [String] {
        [
            "traffic from 10.244.0.0/16 goes to \(svc.svcChain)", masqLocal,
            "traffic from node-local addresses goes to \(svc.svcChain)",
        ]
    }

    static var fullExpected: [IPTExpectedFrontend] {
        let third = 1.0 / 3
        var e: [IPTExpectedFrontend] = [
            .init(
                kind: .clusterIP, vip: "10.96.0.11", port: 80, name: "default/one:http",
                endpoints: [("10.244.1.11", 8080, 1)], notes: [masqOffCluster]),
            .init(
                kind: .clusterIP, vip: "10.96.0.12", port: 80, name: "default/two:http",
                endpoints: [("10.244.1.21", 8080, 0.5), ("10.244.2.22", 8080, 0.5)], notes: [masqOffCluster]),
            .init(
                kind: .clusterIP, vip: "10.96.0.13", port: 80, name: "default/three:http",
                endpoints: [("10.244.1.31", 8080, third), ("10.244.2.32", 8080, third), ("10.244.3.33", 8080, third)],
                notes: [masqOffCluster]),
            .init(
                kind: .clusterIP, vip: "10.96.0.14", port: 53, proto: "udp", name: "default/ten",
                endpoints: (1...10).map { ("10.244.3.\($0)", 5353, 0.1) }, notes: [masqOffCluster]),
            // NodePort
            .init(
                kind: .clusterIP, vip: "10.96.0.15", port: 80, name: "shop/web:http",
                endpoints: [("10.244.1.51", 8080, 0.5), ("10.244.2.52", 8080, 0.5)], notes: [masqOffCluster]),
            .init(
                kind: .nodePort, vip: "0.0.0.0", port: 30080, name: "shop/web:http",
                endpoints: [("10.244.1.51", 8080, 0.5), ("10.244.2.52", 8080, 0.5)], notes: [anyLocal, masqAll]),
            // externalIP
            .init(
                kind: .clusterIP, vip: "10.96.0.16", port: 443, name: "shop/ext:https",
                endpoints: [("10.244.1.61", 8443, 1)], notes: [masqOffCluster]),
            .init(
                kind: .externalIP, vip: "192.0.2.10", port: 443, name: "shop/ext:https",
                endpoints: [("10.244.1.61", 8443, 1)], notes: [masqAll]),
            // LoadBalancer with source ranges
            .init(
                kind: .clusterIP, vip: "10.96.0.17", port: 80, name: "shop/lb:http",
                endpoints: [("10.244.1.71", 80, 0.5), ("10.244.2.72", 80, 0.5)], notes: [masqOffCluster]),
            .init(
                kind: .loadBalancer, vip: "203.0.113.7", port: 80, name: "shop/lb:http",
                endpoints: [("10.244.1.71", 80, 0.5), ("10.244.2.72", 80, 0.5)],
                notes: ["source ranges: 198.51.100.0/24, 203.0.113.128/25 (other sources are dropped)", masqAll]),
            .init(
                kind: .nodePort, vip: "0.0.0.0", port: 30081, name: "shop/lb:http",
                endpoints: [("10.244.1.71", 80, 0.5), ("10.244.2.72", 80, 0.5)], notes: [anyLocal, masqAll]),
            // Local external traffic policy: cluster IP uses all endpoints, external only local ones
            .init(
                kind: .clusterIP, vip: "10.96.0.18", port: 80, name: "shop/local:http",
                endpoints: [("10.244.1.81", 80, third), ("10.244.2.82", 80, third), ("10.244.1.83", 80, third)],
                notes: [masqOffCluster]),
            .init(
                kind: .loadBalancer, vip: "203.0.113.8", port: 80, name: "shop/local:http",
                endpoints: [("10.244.1.81", 80, 0.5), ("10.244.1.83", 80, 0.5)],
                notes: localNotes(localPolicy) + [
                    "local traffic policy: only node-local endpoints (\(localPolicy.svlChain))",
                    "health check node port 32000",
                ]),
            .init(
                kind: .nodePort, vip: "0.0.0.0", port: 30082, name: "shop/local:http",
                endpoints: [("10.244.1.81", 80, 0.5), ("10.244.1.83", 80, 0.5)],
                notes: [anyLocal] + localNotes(localPolicy) + [
                    "local traffic policy: only node-local endpoints (\(localPolicy.svlChain))",
                    "health check node port 32000",
                ]),
            // session affinity
            .init(
                kind: .clusterIP, vip: "10.96.0.19", port: 80, name: "default/sticky:http",
                endpoints: [("10.244.1.91", 80, 0.5), ("10.244.2.92", 80, 0.5)],
                affinity: SessionAffinity(type: "ClientIP", timeoutSeconds: 10800), notes: [masqOffCluster]),
            // no endpoints: only filter REJECT rules
            .init(
                kind: .clusterIP, vip: "10.96.0.20", port: 80, name: "default/empty:http", endpoints: [],
                notes: ["no endpoints (REJECT)"]),
            .init(
                kind: .externalIP, vip: "192.0.2.20", port: 80, name: "default/empty:http", endpoints: [],
                notes: ["external or load-balancer IP (the filter rule does not say which)", "no endpoints (REJECT)"]),
            .init(
                kind: .nodePort, vip: "0.0.0.0", port: 30083, name: "default/empty:http", endpoints: [],
                notes: ["no endpoints (REJECT)"]),
            // Local policy without local endpoints: external traffic is dropped in filter
            .init(
                kind: .clusterIP, vip: "10.96.0.21", port: 80, name: "shop/nolocal:http",
                endpoints: [("10.244.2.101", 80, 1)], notes: [masqOffCluster]),
            .init(
                kind: .nodePort, vip: "0.0.0.0", port: 30084, name: "shop/nolocal:http", endpoints: [],
                notes: [anyLocal] + localNotes(noLocal) + ["no local endpoints (DROP)"]),
            // internal traffic policy Local
            .init(
                kind: .clusterIP, vip: "10.96.0.22", port: 80, name: "default/intlocal:http",
                endpoints: [("10.244.1.111", 80, 1)],
                notes: ["local traffic policy: only node-local endpoints (\(internalLocal.svlChain))", masqOffCluster]),
        ]
        e.sort { ($0.kind.rawValue, $0.vip, $0.port) < ($1.kind.rawValue, $1.vip, $1.port) }
        return e
    }

    // MARK: scenario B: large-cluster mode (no comments on SVC→SEP and SEP rules)

    static var largeClusterRules: String {
        KubeProxyRuleWriter(services: [three, nodePort, sticky], largeCluster: true).restoreInput()
    }

    static var largeClusterExpected: [IPTExpectedFrontend] {
        fullExpected.filter { ["default/three:http", "shop/web:http", "default/sticky:http"].contains($0.name) }
    }

    // MARK: scenario C: no comments at all, and a deliberately uneven probability set

    static let uneven = KPService(
        namespace: "default", name: "uneven", portName: "http", clusterIP: "10.96.0.30", port: 80, nodePort: 30090,
        endpoints: [ep("10.244.5.1", 80), ep("10.244.5.2", 80), ep("10.244.5.3", 80), ep("10.244.5.4", 80)],
        probabilities: ["0.1000000000", "0.2500000000", "0.5000000000"])
    static let quietLB = KPService(
        namespace: "default", name: "lbq", portName: "http", clusterIP: "10.96.0.31", port: 80,
        loadBalancerIPs: ["203.0.113.9"], sourceRanges: ["198.51.100.0/24"], endpoints: [ep("10.244.5.11", 80)])
    static let quietExternal = KPService(
        namespace: "default", name: "exq", portName: "http", clusterIP: "10.96.0.32", port: 80,
        externalIPs: ["192.0.2.32"], endpoints: [ep("10.244.5.21", 80)])
    static let quietEmpty = KPService(
        namespace: "default", name: "noep", portName: "http", clusterIP: "10.96.0.33", port: 80, endpoints: [])

    static var noCommentRules: String {
        KubeProxyRuleWriter(services: [uneven, quietLB, quietExternal, quietEmpty], noComments: true).restoreInput()
    }

    static var noCommentExpected: [IPTExpectedFrontend] {
        let unevenEndpoints: [(String, Int, Double)] = [
            ("10.244.5.1", 80, 0.1), ("10.244.5.2", 80, 0.225), ("10.244.5.3", 80, 0.3375), ("10.244.5.4", 80, 0.3375),
        ]
        return [
            .init(
                kind: .clusterIP, vip: "10.96.0.30", port: 80, name: nil, endpoints: unevenEndpoints,
                notes: [masqOffCluster]),
            .init(
                kind: .nodePort, vip: "0.0.0.0", port: 30090, name: nil, endpoints: unevenEndpoints,
                notes: [anyLocal, masqAll]),
            .init(
                kind: .clusterIP, vip: "10.96.0.31", port: 80, name: nil, endpoints: [("10.244.5.11", 80, 1)],
                notes: [masqOffCluster]),
            .init(
                kind: .loadBalancer, vip: "203.0.113.9", port: 80, name: nil, endpoints: [("10.244.5.11", 80, 1)],
                notes: ["source ranges: 198.51.100.0/24 (other sources are dropped)", masqAll]),
            .init(
                kind: .clusterIP, vip: "10.96.0.32", port: 80, name: nil, endpoints: [("10.244.5.21", 80, 1)],
                notes: [masqOffCluster]),
            .init(
                kind: .externalIP, vip: "192.0.2.32", port: 80, name: nil, endpoints: [("10.244.5.21", 80, 1)],
                notes: ["external or load-balancer IP (no comment says which)", masqAll]),
            .init(
                kind: .clusterIP, vip: "10.96.0.33", port: 80, name: nil, endpoints: [],
                notes: ["no endpoints (REJECT)"]),
        ]
    }
}
