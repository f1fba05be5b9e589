import Foundation
import Glibc
import KspyDataplane
import Testing

/// One Kubernetes service port as the kube-proxy nftables-mode rule writer sees it.
struct NFTService {
    var namespace: String
    var name: String
    /// "" for an unnamed port.
    var portName: String
    var proto = "tcp"
    var clusterIP: String
    var port: Int
    var nodePort: Int?
    var externalIPs: [String] = []
    var loadBalancerIPs: [String] = []
    var sourceRanges: [String] = []
    var affinitySeconds: Int?
    var endpoints: [(ip: String, port: Int)]
    /// externalTrafficPolicy Local: external traffic goes to `local-…` with the first
    /// `localEndpoints` endpoints (those on this node).
    var externalLocal = false
    var localEndpoints = 0

    var base: String { "\(namespace)/\(name)/\(proto)/\(portName)" }
    var serviceChain: String {
        KubeProxyNFTChainName.serviceChain(
            namespace: namespace, service: name, protocol: proto, portName: portName)
    }
    var externalChain: String {
        KubeProxyNFTChainName.serviceChain(
            prefix: "external", namespace: namespace, service: name, protocol: proto, portName: portName)
    }
    var firewallChain: String {
        KubeProxyNFTChainName.serviceChain(
            prefix: "firewall", namespace: namespace, service: name, protocol: proto, portName: portName)
    }
    var localChain: String {
        KubeProxyNFTChainName.serviceChain(
            prefix: "local", namespace: namespace, service: name, protocol: proto, portName: portName)
    }
    func endpointChain(_ e: (ip: String, port: Int)) -> String {
        KubeProxyNFTChainName.endpointChain(
            namespace: namespace, service: name, protocol: proto, portName: portName, ip: e.ip, port: e.port)
    }
    func affinitySet(_ e: (ip: String, port: Int)) -> String {
        "affinity-" + String(endpointChain(e).dropFirst("endpoint-".count))
    }
    /// `ServicePortName.String()`.
    var portString: String { portName.isEmpty ? "\(namespace)/\(name)" : "\(namespace)/\(name):\(portName)" }
}

/// Writes an `nft -f` file shaped like kube-proxy's nftables proxier output
/// (dataplanes.md §2: tables, base chains, maps, per-service chains).
struct KubeProxyNFTWriter {
    var services: [NFTService]
    /// Chains written but referenced by nothing (a service that is gone): name → rules.
    var staleChains: [(name: String, rules: [String])] = []
    var podCIDR = "10.0.0.0/8"
    var mark = "0x4000"

    func ruleset() -> String {
        var serviceIPs: [String] = []
        var nodePorts: [String] = []
        var noEndpointServices: [String] = []
        var noEndpointNodePorts: [String] = []
        var firewallIPs: [String] = []
        var clusterIPs: [String] = []
        var sets: [String] = []
        var chains: [String] = []
        for s in services {
            clusterIPs.append(s.clusterIP)
            let hasEndpoints = !s.endpoints.isEmpty
            if hasEndpoints {
                serviceIPs.append("\(s.clusterIP) . \(s.proto) . \(s.port) : goto \(s.serviceChain)")
                for ip in s.externalIPs {
                    serviceIPs.append("\(ip) . \(s.proto) . \(s.port) : goto \(s.externalChain)")
                }
                for ip in s.loadBalancerIPs {
                    serviceIPs.append("\(ip) . \(s.proto) . \(s.port) : goto \(s.externalChain)")
                    if !s.sourceRanges.isEmpty {
                        firewallIPs.append("\(ip) . \(s.proto) . \(s.port) : goto \(s.firewallChain)")
                    }
                }
                if !s.loadBalancerIPs.isEmpty && !s.sourceRanges.isEmpty {
                    chains.append(
                        chain(s.firewallChain, ["ip saddr != { \(s.sourceRanges.joined(separator: ", ")) } drop"]))
                }
                if let np = s.nodePort { nodePorts.append("\(s.proto) . \(np) : goto \(s.externalChain)") }
            } else {
                noEndpointServices.append(
                    "\(s.clusterIP) . \(s.proto) . \(s.port) comment \"\(s.portString)\" : goto reject-chain")
                for ip in s.externalIPs {
                    noEndpointServices.append(
                        "\(ip) . \(s.proto) . \(s.port) comment \"\(s.portString)\" : goto reject-chain")
                }
                if let np = s.nodePort {
                    noEndpointNodePorts.append("\(s.proto) . \(np) comment \"\(s.portString)\" : goto reject-chain")
                }
                continue
            }
            var svcRules = [
                "ip daddr \(s.clusterIP) \(s.proto) dport \(s.port) ip saddr != \(podCIDR) jump mark-for-masquerade"
            ]
            if s.affinitySeconds != nil {
                for e in s.endpoints { svcRules.append("ip saddr @\(s.affinitySet(e)) goto \(s.endpointChain(e))") }
            }
            let vmap = s.endpoints.enumerated().map { "\($0.offset) : goto \(s.endpointChain($0.element))" }
            svcRules.append("numgen random mod \(s.endpoints.count) vmap { \(vmap.joined(separator: ", ")) }")
            chains.append(chain(s.serviceChain, svcRules))
            if s.nodePort != nil || !s.externalIPs.isEmpty || !s.loadBalancerIPs.isEmpty {
                if s.externalLocal {
                    chains.append(
                        chain(s.externalChain, [
                            "ip saddr \(podCIDR) goto \(s.serviceChain) comment \"short-circuit pod traffic\"",
                            "fib saddr type local jump mark-for-masquerade comment \"masquerade local traffic\"",
                            "fib saddr type local goto \(s.serviceChain) comment \"short-circuit local traffic\"",
                            "goto \(s.localChain)",
                        ]))
                    let local = s.endpoints.prefix(s.localEndpoints).enumerated().map {
                        "\($0.offset) : goto \(s.endpointChain($0.element))"
                    }
                    chains.append(
                        chain(s.localChain, [
                            "numgen random mod \(local.count) vmap { \(local.joined(separator: ", ")) }"
                        ]))
                } else {
                    chains.append(chain(s.externalChain, ["jump mark-for-masquerade", "goto \(s.serviceChain)"]))
                }
            }
            for e in s.endpoints {
                var rules = ["ip saddr \(e.ip) jump mark-for-masquerade"]
                if let seconds = s.affinitySeconds {
                    sets.append(
                        "\tset \(s.affinitySet(e)) {\n\t\ttype ipv4_addr\n\t\tflags dynamic,timeout\n\t\ttimeout \(seconds)s\n\t}")
                    rules.append("update @\(s.affinitySet(e)) { ip saddr }")
                }
                rules.append("meta l4proto \(s.proto) dnat to \(e.ip):\(e.port)")
                chains.append(chain(s.endpointChain(e), rules))
            }
        }
        for st in staleChains { chains.append(chain(st.name, st.rules)) }

        func map(_ name: String, _ type: String, _ elements: [String], comment: String? = nil) -> String {
            var lines = ["\tmap \(name) {", "\t\ttype \(type) : verdict"]
            if let comment { lines.append("\t\tcomment \"\(comment)\"") }
            if !elements.isEmpty { lines.append("\t\telements = { \(elements.joined(separator: ",\n\t\t\t")) }") }
            lines.append("\t}")
            return lines.joined(separator: "\n")
        }
        let clusterSet =
            "\tset cluster-ips {\n\t\ttype ipv4_addr\n\t\tcomment \"Active ClusterIPs\""
            + (clusterIPs.isEmpty ? "" : "\n\t\telements = { \(clusterIPs.joined(separator: ", ")) }") + "\n\t}"
        let fixed: [String] = [
            base("filter-prerouting", "filter", "prerouting", "-110", ["ct state new jump firewall-check"]),
            base(
                "filter-input", "filter", "input", "-110",
                ["ct state new jump nodeport-endpoints-check", "ct state new jump service-endpoints-check"]),
            base(
                "filter-forward", "filter", "forward", "-110",
                ["ct state new jump service-endpoints-check", "ct state new jump cluster-ips-check"]),
            base(
                "filter-output", "filter", "output", "-110",
                ["ct state new jump service-endpoints-check", "ct state new jump firewall-check"]),
            base("filter-output-post-dnat", "filter", "output", "-90", ["ct state new jump cluster-ips-check"]),
            base("nat-prerouting", "nat", "prerouting", "dstnat", ["jump services"]),
            base("nat-output", "nat", "output", "-100", ["jump services"]),
            base("nat-postrouting", "nat", "postrouting", "srcnat", ["jump masquerading"]),
            chain("firewall-check", ["ip daddr . meta l4proto . th dport vmap @firewall-ips"]),
            chain("reject-chain", ["reject"]),
            chain("cluster-ips-check", [
                "ip daddr @cluster-ips reject comment \"Reject traffic to invalid ports of ClusterIPs\""
            ]),
            chain("mark-for-masquerade", ["mark set mark or \(mark)"]),
            chain("masquerading", [
                "mark and \(mark) == 0 return", "mark set mark xor \(mark)", "masquerade fully-random",
            ]),
            chain("services", [
                "ip daddr . meta l4proto . th dport vmap @service-ips",
                "fib daddr type local ip daddr != 127.0.0.0/8 meta l4proto . th dport vmap @service-nodeports",
            ]),
            chain("service-endpoints-check", [
                "ip daddr . meta l4proto . th dport vmap @no-endpoint-services"
            ]),
            chain("nodeport-endpoints-check", [
                "fib daddr type local ip daddr != 127.0.0.0/8 meta l4proto . th dport vmap @no-endpoint-nodeports"
            ]),
        ]
        return (["table ip kube-proxy {", "\tcomment \"rules for kube-proxy\""]
            + [
                clusterSet,
                map(
                    "service-ips", "ipv4_addr . inet_proto . inet_service", serviceIPs,
                    comment: "ClusterIP, ExternalIP and LoadBalancer IP traffic"),
                map("service-nodeports", "inet_proto . inet_service", nodePorts, comment: "NodePort traffic"),
                map("firewall-ips", "ipv4_addr . inet_proto . inet_service", firewallIPs),
                map("no-endpoint-services", "ipv4_addr . inet_proto . inet_service", noEndpointServices),
                map("no-endpoint-nodeports", "inet_proto . inet_service", noEndpointNodePorts),
            ] + sets + fixed + chains + ["}"]).joined(separator: "\n") + "\n"
    }

    private func chain(_ name: String, _ rules: [String]) -> String {
        (["\tchain \(name) {"] + rules.map { "\t\t" + $0 } + ["\t}"]).joined(separator: "\n")
    }

    private func base(_ name: String, _ type: String, _ hook: String, _ prio: String, _ rules: [String]) -> String {
        chain(name, ["type \(type) hook \(hook) priority \(prio); policy accept;"] + rules)
    }
}

enum NFTablesTest {
    /// Creates a throw-away network namespace `kspy-nft-<hex>`, runs `body` with its name
    /// and deletes it afterwards, also when `body` throws.
    static func withNetns<T>(_ body: (String) throws -> T) throws -> T {
        let name = "kspy-nft-" + String(UInt64.random(in: 0...UInt64.max), radix: 16)
        try IPTablesTest.run(["/usr/sbin/ip", "netns", "add", name])
        defer { _ = try? IPTablesTest.run(["/usr/sbin/ip", "netns", "del", name]) }
        return try body(name)
    }

    /// Loads `ruleset` with `nft -f` inside netns `name`.
    static func load(_ ruleset: String, netns name: String) throws {
        let file = "/tmp/kspy-nft-rules-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).nft"
        try ruleset.write(toFile: file, atomically: true, encoding: .utf8)
        defer { unlink(file) }
        try IPTablesTest.run(["/usr/sbin/ip", "netns", "exec", name, "/usr/sbin/nft", "-f", file])
    }

    /// `nft -j list ruleset` inside netns `name`.
    static func listJSON(netns name: String) throws -> String {
        try IPTablesTest.run(["/usr/sbin/ip", "netns", "exec", name, "/usr/sbin/nft", "-j", "list", "ruleset"])
    }

    /// Loads `ruleset` into a fresh namespace and returns what `nft -j` prints back.
    static func roundTripJSON(_ ruleset: String) throws -> String {
        try withNetns { ns in
            try load(ruleset, netns: ns)
            return try listJSON(netns: ns)
        }
    }

    /// Expects `actual == expected`, reporting each differing frontend on its own.
    static func check(_ actual: [ServiceFrontend], equal expected: [ServiceFrontend], _ label: String) {
        #expect(actual.count == expected.count, "\(label): \(actual.count) frontends, expected \(expected.count)")
        for (a, e) in zip(actual, expected) where a != e {
            Issue.record("\(label):\n  got      \(a)\n  expected \(e)")
        }
    }
}
