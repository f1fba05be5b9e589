import Foundation
import Glibc
import KspyDataplane
import Testing

/// One Kubernetes service port as the kube-proxy-shaped rule generator sees it.
struct KPService {
    struct Endpoint {
        var ip: String
        var port: Int
        /// On this node (used by Local traffic policy).
        var local = true
    }
    var namespace: String
    var name: String
    /// nil for an unnamed single-port service (`ns/name`).
    var portName: String?
    var proto = "tcp"
    var clusterIP: String
    var port: Int
    var nodePort: Int?
    var externalIPs: [String] = []
    var loadBalancerIPs: [String] = []
    var sourceRanges: [String] = []
    var externalLocal = false
    var internalLocal = false
    var healthCheckNodePort: Int?
    var affinitySeconds: Int?
    var endpoints: [Endpoint]
    /// Written verbatim instead of kube-proxy's `1/(N-i)` (a deliberately uneven set).
    var probabilities: [String]?

    /// `ServicePortName.String()`.
    var portString: String { portName.map { "\(namespace)/\(name):\($0)" } ?? "\(namespace)/\(name)" }
    var svcChain: String { KubeProxyChainName.serviceChain(portString, protocol: proto) }
    var svlChain: String { KubeProxyChainName.serviceChain(portString, protocol: proto, prefix: "KUBE-SVL-") }
    var extChain: String { KubeProxyChainName.serviceChain(portString, protocol: proto, prefix: "KUBE-EXT-") }
    var fwChain: String { KubeProxyChainName.serviceChain(portString, protocol: proto, prefix: "KUBE-FW-") }
    func sepChain(_ e: Endpoint) -> String {
        KubeProxyChainName.endpointChain(portString, protocol: proto, endpoint: "\(e.ip):\(e.port)")
    }
}

/// Writes `iptables-restore` input the way kube-proxy's iptables proxier does
/// (kubernetes pkg/proxy/iptables/proxier.go, ≈1.30: syncProxyRules and
/// writeServiceToEndpointRules; dataplanes.md §1), including its jump rules.
struct KubeProxyRuleWriter {
    var services: [KPService]
    /// `largeClusterMode`: no comments on KUBE-SVC→KUBE-SEP and KUBE-SEP rules.
    var largeCluster = false
    /// Drop every comment (not something kube-proxy does; tests the comment-less path).
    var noComments = false
    var clusterCIDR = "10.244.0.0/16"
    var masqueradeBit = "0x4000"

    /// kube-proxy's `probability(n)`: `%0.10f` of 1/n.
    static func probability(_ n: Int) -> String { String(format: "%0.10f", 1.0 / Double(n)) }

    private func c(_ text: String) -> String { noComments ? "" : " -m comment --comment \"\(text)\"" }
    private func sc(_ text: String) -> String { largeCluster ? "" : c(text) }

    func restoreInput() -> String {
        let filterChains = [
            "KUBE-NODEPORTS", "KUBE-SERVICES", "KUBE-EXTERNAL-SERVICES", "KUBE-FORWARD", "KUBE-PROXY-FIREWALL",
        ]
        var filterRules: [String] = [
            "-A INPUT -m conntrack --ctstate NEW\(c("kubernetes load balancer firewall")) -j KUBE-PROXY-FIREWALL",
            "-A INPUT\(c("kubernetes health check service ports")) -j KUBE-NODEPORTS",
            "-A INPUT -m conntrack --ctstate NEW\(c("kubernetes externally-visible service portals")) -j KUBE-EXTERNAL-SERVICES",
            "-A FORWARD -m conntrack --ctstate NEW\(c("kubernetes load balancer firewall")) -j KUBE-PROXY-FIREWALL",
            "-A FORWARD\(c("kubernetes forwarding rules")) -j KUBE-FORWARD",
            "-A FORWARD -m conntrack --ctstate NEW\(c("kubernetes service portals")) -j KUBE-SERVICES",
            "-A FORWARD -m conntrack --ctstate NEW\(c("kubernetes externally-visible service portals")) -j KUBE-EXTERNAL-SERVICES",
            "-A OUTPUT -m conntrack --ctstate NEW\(c("kubernetes load balancer firewall")) -j KUBE-PROXY-FIREWALL",
            "-A OUTPUT -m conntrack --ctstate NEW\(c("kubernetes service portals")) -j KUBE-SERVICES",
            "-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP",
            "-A KUBE-FORWARD\(c("kubernetes forwarding rules")) -m mark --mark \(masqueradeBit)/\(masqueradeBit) -j ACCEPT",
            "-A KUBE-FORWARD\(c("kubernetes forwarding conntrack rule")) -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
        ]
        var natChains = ["KUBE-SERVICES", "KUBE-NODEPORTS", "KUBE-POSTROUTING", "KUBE-MARK-MASQ"]
        var natRules: [String] = [
            "-A PREROUTING\(c("kubernetes service portals")) -j KUBE-SERVICES",
            "-A OUTPUT\(c("kubernetes service portals")) -j KUBE-SERVICES",
            "-A POSTROUTING\(c("kubernetes postrouting rules")) -j KUBE-POSTROUTING",
            "-A KUBE-POSTROUTING -m mark ! --mark \(masqueradeBit)/\(masqueradeBit) -j RETURN",
            "-A KUBE-POSTROUTING -j MARK --xor-mark \(masqueradeBit)",
            "-A KUBE-POSTROUTING\(c("kubernetes service traffic requiring SNAT")) -j MASQUERADE --random-fully",
            "-A KUBE-MARK-MASQ -j MARK --or-mark \(masqueradeBit)",
        ]

        for svc in services {
            let s = svc.portString
            let p = svc.proto
            let hasEndpoints = !svc.endpoints.isEmpty
            let localEndpoints = svc.endpoints.filter(\.local)
            let externallyAccessible = svc.nodePort != nil || !svc.externalIPs.isEmpty || !svc.loadBalancerIPs.isEmpty
            let hasInternalEndpoints = hasEndpoints && (!svc.internalLocal || !localEndpoints.isEmpty)
            let hasExternalEndpoints = hasEndpoints && (!svc.externalLocal || !localEndpoints.isEmpty)
            let usesCluster = hasEndpoints && (!svc.internalLocal || (externallyAccessible && !svc.externalLocal))
            let usesLocal =
                !localEndpoints.isEmpty && (svc.internalLocal || (externallyAccessible && svc.externalLocal))
            let internalChain = svc.internalLocal ? svc.svlChain : svc.svcChain
            let externalPolicyChain = svc.externalLocal ? svc.svlChain : svc.svcChain
            let usesExt = hasEndpoints && externallyAccessible
            let usesFW = hasEndpoints && !svc.loadBalancerIPs.isEmpty && !svc.sourceRanges.isEmpty
            let lbChain = usesFW ? svc.fwChain : svc.extChain
            var internalFilterTarget = ""
            var internalFilterComment = ""
            var externalFilterTarget = ""
            var externalFilterComment = ""
            if !hasEndpoints {
                internalFilterTarget = "REJECT"
                internalFilterComment = "\(s) has no endpoints"
                externalFilterTarget = "REJECT"
                externalFilterComment = internalFilterComment
            } else {
                if !hasInternalEndpoints {
                    internalFilterTarget = "DROP"
                    internalFilterComment = "\(s) has no local endpoints"
                }
                if !hasExternalEndpoints {
                    externalFilterTarget = "DROP"
                    externalFilterComment = "\(s) has no local endpoints"
                }
            }
            let portMatch = "-m \(p) -p \(p)"
            if hasInternalEndpoints {
                natRules.append(
                    "-A KUBE-SERVICES\(c("\(s) cluster IP")) \(portMatch) -d \(svc.clusterIP) --dport \(svc.port) -j \(internalChain)"
                )
            } else {
                filterRules.append(
                    "-A KUBE-SERVICES\(c(internalFilterComment)) \(portMatch) -d \(svc.clusterIP) --dport \(svc.port) -j \(internalFilterTarget)"
                )
            }
            for ip in svc.externalIPs {
                if hasEndpoints {
                    natRules.append(
                        "-A KUBE-SERVICES\(c("\(s) external IP")) \(portMatch) -d \(ip) --dport \(svc.port) -j \(svc.extChain)"
                    )
                }
                if !hasExternalEndpoints {
                    filterRules.append(
                        "-A KUBE-EXTERNAL-SERVICES\(c(externalFilterComment)) \(portMatch) -d \(ip) --dport \(svc.port) -j \(externalFilterTarget)"
                    )
                }
            }
            for ip in svc.loadBalancerIPs {
                if hasEndpoints {
                    natRules.append(
                        "-A KUBE-SERVICES\(c("\(s) loadbalancer IP")) \(portMatch) -d \(ip) --dport \(svc.port) -j \(lbChain)"
                    )
                }
                if usesFW {
                    filterRules.append(
                        "-A KUBE-PROXY-FIREWALL\(c("\(s) traffic not accepted by \(svc.fwChain)")) \(portMatch) -d \(ip) --dport \(svc.port) -j DROP"
                    )
                }
            }
            if !hasExternalEndpoints {
                for ip in svc.loadBalancerIPs {
                    filterRules.append(
                        "-A KUBE-EXTERNAL-SERVICES\(c(externalFilterComment)) \(portMatch) -d \(ip) --dport \(svc.port) -j \(externalFilterTarget)"
                    )
                }
            }
            if let nodePort = svc.nodePort {
                if hasEndpoints {
                    natRules.append("-A KUBE-NODEPORTS\(c(s)) \(portMatch) --dport \(nodePort) -j \(svc.extChain)")
                }
                if !hasExternalEndpoints {
                    filterRules.append(
                        "-A KUBE-EXTERNAL-SERVICES\(c(externalFilterComment)) -m addrtype --dst-type LOCAL \(portMatch) --dport \(nodePort) -j \(externalFilterTarget)"
                    )
                }
            }
            if let hc = svc.healthCheckNodePort {
                filterRules.append(
                    "-A KUBE-NODEPORTS\(c("\(s) health check node port")) -m tcp -p tcp --dport \(hc) -j ACCEPT")
            }
            if hasInternalEndpoints {
                natRules.append(
                    "-A \(internalChain)\(c("\(s) cluster IP")) \(portMatch) -d \(svc.clusterIP) --dport \(svc.port) ! -s \(clusterCIDR) -j KUBE-MARK-MASQ"
                )
            }
            if usesExt {
                natChains.append(svc.extChain)
                if !svc.externalLocal {
                    natRules.append(
                        "-A \(svc.extChain)\(c("masquerade traffic for \(s) external destinations")) -j KUBE-MARK-MASQ")
                } else {
                    natRules.append(
                        "-A \(svc.extChain)\(c("pod traffic for \(s) external destinations")) -s \(clusterCIDR) -j \(svc.svcChain)"
                    )
                    natRules.append(
                        "-A \(svc.extChain)\(c("masquerade LOCAL traffic for \(s) external destinations")) -m addrtype --src-type LOCAL -j KUBE-MARK-MASQ"
                    )
                    natRules.append(
                        "-A \(svc.extChain)\(c("route LOCAL traffic for \(s) external destinations")) -m addrtype --src-type LOCAL -j \(svc.svcChain)"
                    )
                }
                if hasExternalEndpoints {
                    natRules.append("-A \(svc.extChain) -j \(externalPolicyChain)")
                }
            }
            if usesFW {
                natChains.append(svc.fwChain)
                for cidr in svc.sourceRanges {
                    natRules.append("-A \(svc.fwChain)\(c("\(s) loadbalancer IP")) -s \(cidr) -j \(svc.extChain)")
                }
                natRules.append("-A \(svc.fwChain)\(c("other traffic to \(s) will be dropped by KUBE-PROXY-FIREWALL"))")
            }
            var reachable: [KPService.Endpoint] = []
            if usesCluster {
                natChains.append(svc.svcChain)
                natRules += endpointRules(svc, chain: svc.svcChain, endpoints: svc.endpoints)
                reachable = svc.endpoints
            }
            if usesLocal {
                natChains.append(svc.svlChain)
                natRules += endpointRules(svc, chain: svc.svlChain, endpoints: localEndpoints)
                for e in localEndpoints where !reachable.contains(where: { $0.ip == e.ip }) { reachable.append(e) }
            }
            for e in reachable {
                let sep = svc.sepChain(e)
                natChains.append(sep)
                natRules.append("-A \(sep)\(sc(s)) -s \(e.ip) -j KUBE-MARK-MASQ")
                let recent = svc.affinitySeconds != nil ? " -m recent --name \(sep) --set" : ""
                natRules.append("-A \(sep)\(sc(s))\(recent) \(portMatch) -j DNAT --to-destination \(e.ip):\(e.port)")
            }
        }
        natRules.append(
            "-A KUBE-SERVICES\(c("kubernetes service nodeports; NOTE: this must be the last rule in this chain")) -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS"
        )
        var out =
            "*filter\n" + filterChains.map { ":\($0) - [0:0]\n" }.joined() + filterRules.map { $0 + "\n" }.joined()
            + "COMMIT\n"
        out +=
            "*nat\n" + natChains.map { ":\($0) - [0:0]\n" }.joined() + natRules.map { $0 + "\n" }.joined() + "COMMIT\n"
        return out
    }

    private func endpointRules(_ svc: KPService, chain: String, endpoints: [KPService.Endpoint]) -> [String] {
        var rules: [String] = []
        if let seconds = svc.affinitySeconds {
            for e in endpoints {
                let sep = svc.sepChain(e)
                rules.append(
                    "-A \(chain)\(sc("\(svc.portString) -> \(e.ip):\(e.port)")) -m recent --name \(sep) --rcheck --seconds \(seconds) --reap -j \(sep)"
                )
            }
        }
        let n = endpoints.count
        for (i, e) in endpoints.enumerated() {
            var rule = "-A \(chain)\(sc("\(svc.portString) -> \(e.ip):\(e.port)"))"
            if i < n - 1 {
                let p = svc.probabilities?[i] ?? Self.probability(n - i)
                rule += " -m statistic --mode random --probability \(p)"
            }
            rules.append(rule + " -j \(svc.sepChain(e))")
        }
        return rules
    }
}

/// The expected view of one frontend.
struct IPTExpectedFrontend {
    var kind: ServiceKind
    var vip: String
    var port: Int
    var proto = "tcp"
    var name: String?
    var endpoints: [(String, Int, Double)]
    var affinity: SessionAffinity? = nil
    var notes: [String] = []
}

enum IPTablesTest {
    /// Checks `decoded` holds exactly `expected` (order-free; weights within 1e-6).
    static func check(
        _ decoded: [ServiceFrontend], equal expected: [IPTExpectedFrontend], _ label: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        func key(_ kind: ServiceKind, _ vip: String, _ port: Int, _ proto: String) -> String {
            "\(kind.rawValue) \(vip):\(port)/\(proto)"
        }
        let byKey = Dictionary(
            decoded.map { (key($0.kind, $0.vip, $0.port, $0.protocol), $0) }, uniquingKeysWith: { a, _ in a })
        #expect(
            decoded.count == expected.count,
            "\(label): \(decoded.count) frontends decoded, \(expected.count) expected: \(byKey.keys.sorted())",
            sourceLocation: sourceLocation)
        for e in expected {
            let k = key(e.kind, e.vip, e.port, e.proto)
            guard let f = byKey[k] else {
                Issue.record(
                    "\(label): frontend \(k) not decoded; have \(byKey.keys.sorted())", sourceLocation: sourceLocation)
                continue
            }
            #expect(f.mode == .iptables, sourceLocation: sourceLocation)
            #expect(f.name == e.name, "\(label) \(k) name", sourceLocation: sourceLocation)
            #expect(f.affinity == e.affinity, "\(label) \(k) affinity", sourceLocation: sourceLocation)
            #expect(f.notes == e.notes, "\(label) \(k) notes", sourceLocation: sourceLocation)
            #expect(
                f.endpoints.count == e.endpoints.count, "\(label) \(k) endpoints \(f.endpoints)",
                sourceLocation: sourceLocation)
            for (got, want) in zip(f.endpoints, e.endpoints) {
                #expect(
                    got.ip == want.0 && got.port == want.1,
                    "\(label) \(k): \(got.ip):\(got.port) vs \(want.0):\(want.1)", sourceLocation: sourceLocation)
                #expect(
                    abs(got.weight - want.2) < 1e-6, "\(label) \(k) \(got.ip) weight \(got.weight) vs \(want.2)",
                    sourceLocation: sourceLocation)
            }
        }
    }

    /// Runs `arguments` (no shell); returns stdout, throws with stderr on failure.
    @discardableResult
    static func run(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: arguments[0])
        process.arguments = Array(arguments.dropFirst())
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        if process.terminationStatus != 0 {
            throw IPTablesTestFailure(
                "\(arguments.joined(separator: " ")) failed (\(process.terminationStatus)): \(String(decoding: stderr, as: UTF8.self))"
            )
        }
        return String(decoding: stdout, as: UTF8.self)
    }

    /// Creates a throw-away network namespace `kspy-t-<hex>` (`ip netns add`), runs
    /// `body` with its path, and deletes it afterwards, also when `body` throws.
    static func withNetns<T>(_ body: (String) throws -> T) throws -> T {
        let name = "kspy-t-" + String(UInt64.random(in: 0...UInt64.max), radix: 16)
        try run(["/usr/sbin/ip", "netns", "add", name])
        defer { _ = try? run(["/usr/sbin/ip", "netns", "delete", name]) }
        return try body("/run/netns/\(name)")
    }

    /// Loads `rules` with `iptables-<backend>-restore` (`ip6tables-…` for IPv6) inside
    /// the namespace at `netns`.
    static func restore(_ rules: String, backend: IPTablesBackend, netns: String, family: IPTablesFamily = .ipv4)
        throws
    {
        let file = "/tmp/kspy-t-rules-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).txt"
        try rules.write(toFile: file, atomically: true, encoding: .utf8)
        defer { unlink(file) }
        let program = "/usr/sbin/\(family.command)-\(backend.rawValue)-restore"
        try run(["/usr/bin/nsenter", "--net=\(netns)", program, "-w", "10", file])
    }

    /// The text of fixture `Fixtures/iptables/<name>`.
    static func fixture(_ name: String) throws -> String {
        String(decoding: try DataplaneTest.fixture("iptables/" + name), as: UTF8.self)
    }
}

struct IPTablesTestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}
