import Foundation
import KspyDataplane

extension SvcFixture {
    /// Writes an `nft -f` file with the `ip kube-proxy` table kube-proxy's nftables mode
    /// writes (dataplanes.md §2; kubernetes `pkg/proxy/nftables/proxier.go`) for the
    /// same services as `writeNatRules`: `services` ClusterIP services (`nsN/svcI:http`,
    /// tcp 80, ClusterIP 10.96.0.0 + I + 1) with `endpoints` endpoints each (10.244.0.0 +
    /// k + 1, port 8080) and a NodePort (30000 + I) for the first `nodePorts`.
    ///
    /// Fixed part: the base chains and their jumps, `services` looking up the
    /// `service-ips` and `service-nodeports` verdict maps (NodePorts on every local
    /// address but 127.0.0.0/8), `mark-for-masquerade`, `masquerading`, the check
    /// chains and their (empty) maps. Per service: a `service-<H>-nsN/svcI/tcp/http`
    /// chain (masquerade rule for traffic not from the pod CIDR, then `numgen random mod
    /// N vmap { k : goto endpoint-… }`), an `external-…` chain for a NodePort (`jump
    /// mark-for-masquerade`, `goto service-…`), and per endpoint an `endpoint-…` chain
    /// (`ip saddr <ip> jump mark-for-masquerade`, `meta l4proto tcp dnat to <ip>:8080`).
    /// Chain names carry kube-proxy's hash (first 8 base32 characters of the SHA-256 of
    /// the name), as kspy checks.
    func writeNFTRuleset(services: Int, endpoints: Int, nodePorts: Int) throws -> Rules {
        let path = work + "/kube-proxy.nft"
        guard FileManager.default.createFile(atPath: path, contents: nil),
            let handle = FileHandle(forWritingAtPath: path)
        else {
            throw BenchError("cannot create \(path)")
        }
        defer { try? handle.close() }
        var text = ""
        var bytes = 0
        var rules = 0
        var chains = 0
        func flush(force: Bool = false) {
            if force || text.utf8.count > 1 << 20 {
                let data = Data(text.utf8)
                handle.write(data)
                bytes += data.count
                text = ""
            }
        }
        func chain(_ name: String, _ lines: [String], base: String? = nil) {
            text += "\tchain \(name) {\n"
            if let base { text += "\t\t\(base)\n" }
            for line in lines { text += "\t\t\(line)\n" }
            text += "\t}\n"
            chains += 1
            rules += lines.count
            flush()
        }
        func map(_ name: String, _ type: String, _ elements: [String], comment: String? = nil) {
            text += "\tmap \(name) {\n\t\ttype \(type) : verdict\n"
            if let comment { text += "\t\tcomment \"\(comment)\"\n" }
            if !elements.isEmpty { text += "\t\telements = { " + elements.joined(separator: ",\n\t\t\t     ") + " }\n" }
            text += "\t}\n"
            flush()
        }
        func base(_ i: Int) -> String { "ns\(i / 100)/svc\(i)/tcp/http" }
        func named(_ prefix: String, _ name: String) -> String {
            prefix + "-" + KubeProxyNFTChainName.hash(name) + "-" + name
        }
        func clusterIP(_ i: Int) -> String { Self.ipv4(base: 10 << 24 | 96 << 16, offset: i + 1) }
        func podIP(_ i: Int, _ j: Int) -> String {
            Self.ipv4(base: 10 << 24 | 244 << 16, offset: i * endpoints + j + 1)
        }
        func endpointChain(_ i: Int, _ j: Int) -> String { named("endpoint", base(i) + "__" + podIP(i, j) + "/8080") }

        text += "table ip kube-proxy {\n\tcomment \"rules for kube-proxy\"\n"
        text += "\tset cluster-ips {\n\t\ttype ipv4_addr\n\t\tcomment \"Active ClusterIPs\"\n"
        text += "\t\telements = { " + (0..<services).map(clusterIP).joined(separator: ", ") + " }\n\t}\n"
        flush()
        map(
            "service-ips", "ipv4_addr . inet_proto . inet_service",
            (0..<services).map { "\(clusterIP($0)) . tcp . 80 : goto \(named("service", base($0)))" },
            comment: "ClusterIP, ExternalIP and LoadBalancer IP traffic")
        map(
            "service-nodeports", "inet_proto . inet_service",
            (0..<nodePorts).map { "tcp . \(30000 + $0) : goto \(named("external", base($0)))" },
            comment: "NodePort traffic")
        map(
            "firewall-ips", "ipv4_addr . inet_proto . inet_service", [],
            comment: "destinations that are subject to LoadBalancerSourceRanges")
        map(
            "no-endpoint-services", "ipv4_addr . inet_proto . inet_service", [],
            comment: "vmap to drop or reject packets to services with no endpoints")
        map(
            "no-endpoint-nodeports", "inet_proto . inet_service", [],
            comment: "vmap to drop or reject packets to service nodeports with no endpoints")

        let policy = "policy accept;"
        chain(
            "filter-prerouting", ["ct state new jump firewall-check"],
            base: "type filter hook prerouting priority -110; \(policy)")
        chain(
            "filter-input",
            ["ct state new jump nodeport-endpoints-check", "ct state new jump service-endpoints-check"],
            base: "type filter hook input priority -110; \(policy)")
        chain(
            "filter-forward", ["ct state new jump service-endpoints-check", "ct state new jump cluster-ips-check"],
            base: "type filter hook forward priority -110; \(policy)")
        chain(
            "filter-output", ["ct state new jump service-endpoints-check", "ct state new jump firewall-check"],
            base: "type filter hook output priority -110; \(policy)")
        chain(
            "filter-output-post-dnat", ["ct state new jump cluster-ips-check"],
            base: "type filter hook output priority -90; \(policy)")
        chain("nat-prerouting", ["jump services"], base: "type nat hook prerouting priority dstnat; \(policy)")
        chain("nat-output", ["jump services"], base: "type nat hook output priority -100; \(policy)")
        chain("nat-postrouting", ["jump masquerading"], base: "type nat hook postrouting priority srcnat; \(policy)")
        chain("firewall-check", ["ip daddr . meta l4proto . th dport vmap @firewall-ips"])
        chain("reject-chain", ["reject"])
        chain(
            "cluster-ips-check",
            ["ip daddr @cluster-ips reject comment \"Reject traffic to invalid ports of ClusterIPs\""])
        chain("mark-for-masquerade", ["mark set mark or 0x4000"])
        chain("masquerading", ["mark and 0x4000 == 0 return", "mark set mark xor 0x4000", "masquerade fully-random"])
        chain(
            "services",
            [
                "ip daddr . meta l4proto . th dport vmap @service-ips",
                "fib daddr type local ip daddr != 127.0.0.0/8 meta l4proto . th dport vmap @service-nodeports",
            ])
        chain("service-endpoints-check", ["ip daddr . meta l4proto . th dport vmap @no-endpoint-services"])
        chain(
            "nodeport-endpoints-check",
            ["fib daddr type local ip daddr != 127.0.0.0/8 meta l4proto . th dport vmap @no-endpoint-nodeports"])

        for i in 0..<services {
            let service = named("service", base(i))
            let dispatch = (0..<endpoints).map { "\($0) : goto \(endpointChain(i, $0))" }.joined(separator: ", ")
            chain(
                service,
                [
                    "ip daddr \(clusterIP(i)) tcp dport 80 ip saddr != 10.244.0.0/16 jump mark-for-masquerade",
                    "numgen random mod \(endpoints) vmap { \(dispatch) }",
                ])
            if i < nodePorts { chain(named("external", base(i)), ["jump mark-for-masquerade", "goto \(service)"]) }
            for j in 0..<endpoints {
                let ip = podIP(i, j)
                chain(
                    endpointChain(i, j),
                    ["ip saddr \(ip) jump mark-for-masquerade", "meta l4proto tcp dnat to \(ip):8080"])
            }
        }
        text += "}\n"
        flush(force: true)
        return Rules(path: path, ruleCount: rules, chainCount: chains, bytes: bytes)
    }
}
