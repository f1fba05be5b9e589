/// Decodes kube-proxy's nftables-mode ruleset (dataplanes.md §2; kubernetes
/// `pkg/proxy/nftables/proxier.go`) into `ServiceFrontend`s (mode `.nftables`).
///
/// Per table `ip kube-proxy` / `ip6 kube-proxy`: every `service-ips` element
/// `addr . proto . port : goto C` is a frontend — `C` = `service-…`/`local-…` is a
/// ClusterIP, `external-…` an external or load-balancer IP (load balancer when
/// `firewall-ips` holds the same key or `C` is `firewall-…`; the `firewall-…` chain's
/// `ip saddr != { ranges } drop` gives a `source ranges: …` note); every `service-nodeports`
/// element `proto . port : goto external-…` a NodePort on the addresses the rule that
/// looks the map up admits (`0.0.0.0`/`::` with a note for `fib daddr type local`, the
/// `nodeport-ips` elements with `--nodeport-addresses`). Verdicts are followed
/// generically: `jump mark-for-masquerade` gives a masquerade note, `ip saddr
/// @affinity-X goto endpoint-X` ClientIP affinity with the set's timeout, `numgen
/// random mod N vmap { k : goto endpoint-… }` the endpoint shares (each endpoint gets its
/// number of reachable entries / N), `dnat to ip:port` in `endpoint-…` the endpoint.
/// `no-endpoint-services` / `no-endpoint-nodeports` elements add `no endpoints (REJECT)`
/// / `no local endpoints (DROP)` (name from the element comment). Names come from the
/// chain name (`ns/svc/proto/portName` → `ns/svc:portName`, `ns/svc` for an unnamed port).
///
/// Per-service chains nothing reaches are `staleChains`; a non-empty stale `service-…` /
/// `local-…` chain also becomes a frontend with notes `stale` and `chain … is referenced
/// by nothing`, `vip` "" and `port` 0 (the map element that named them is gone).
/// Decoding never fails: odd shapes become notes.
public struct KubeProxyNFTablesDecoder: Sendable {
    public let ruleset: NFTRuleset

    public init(_ ruleset: NFTRuleset) { self.ruleset = ruleset }

    /// The frontends (see `decode()`).
    public func frontends() -> [ServiceFrontend] { decode().frontends }

    /// Decodes `ip kube-proxy` then `ip6 kube-proxy`.
    public func decode() -> KubeProxyNFTablesDecoding {
        var result = KubeProxyNFTablesDecoding(frontends: [], staleChains: [], masqueradeMark: nil)
        for family in ["ip", "ip6"] {
            guard let table = ruleset.table(family: family, name: "kube-proxy") else { continue }
            var run = NFTRun(table: table)
            run.decode()
            result.frontends += run.frontends
            result.staleChains += run.stale.map { "\(family) kube-proxy \($0)" }
            if result.masqueradeMark == nil { result.masqueradeMark = run.mark }
        }
        return result
    }
}

/// What `KubeProxyNFTablesDecoder` found.
public struct KubeProxyNFTablesDecoding: Hashable, Sendable {
    /// Per table (`ip` first): `service-ips` frontends, NodePorts, no-endpoint-only
    /// frontends, then stale-chain frontends; each group sorted by VIP, protocol, port.
    public var frontends: [ServiceFrontend]
    /// `<family> kube-proxy <chain>` for every per-service chain (`service-`, `local-`,
    /// `external-`, `firewall-`, `endpoint-`) no frontend reaches, sorted per table.
    public var staleChains: [String]
    /// The bits `mark-for-masquerade` sets (`mark set mark or 0x4000`), nil when unknown.
    public var masqueradeMark: UInt32?

    public init(frontends: [ServiceFrontend], staleChains: [String], masqueradeMark: UInt32?) {
        self.frontends = frontends
        self.staleChains = staleChains
        self.masqueradeMark = masqueradeMark
    }
}

// MARK: - One table

private struct NFTRun {
    let table: NFTTable
    let index: NFTTableIndex
    let mark: UInt32?
    let anyAddress: String
    var frontends: [ServiceFrontend] = []
    var reached: Set<String> = []
    var stale: [String] = []

    init(table: NFTTable) {
        self.table = table
        index = NFTTableIndex(table)
        var m: UInt32?
        for rule in index.chain("mark-for-masquerade")?.rules ?? [] {
            for s in rule.statements {
                if case .markOr(let bits) = s, m == nil { m = bits }
            }
        }
        mark = m
        anyAddress = table.family == "ip6" ? "::" : "0.0.0.0"
    }

    static func isServiceChain(_ name: String) -> Bool { name.contains("/") }

    /// VIP, port and protocol: what a no-endpoint map element names.
    struct FrontendAddress: Hashable {
        var vip: String
        var port: Int
        var `protocol`: String
    }

    /// The rule (and its chain) that looks up the named map with `vmap @map`.
    func ruleLooking(up map: String) -> NFTRule? {
        for chain in table.chains {
            for rule in chain.rules {
                for s in rule.statements {
                    if case .vmap(_, let m?, _) = s, m == map { return rule }
                }
            }
        }
        return nil
    }

    static func port(_ s: String) -> Int { Int(s) ?? 0 }

    static func sorted(_ list: [ServiceFrontend]) -> [ServiceFrontend] {
        list.sorted { a, b in
            if a.vip != b.vip { return a.vip < b.vip }
            if a.protocol != b.protocol { return a.protocol < b.protocol }
            if a.port != b.port { return a.port < b.port }
            return a.kind.rawValue < b.kind.rawValue
        }
    }

    mutating func decode() {
        var main: [ServiceFrontend] = []
        // service-ips: cluster, external and load-balancer IPs.
        var firewallByKey: [[String]: NFTElement] = [:]
        for element in index.set("firewall-ips")?.elements ?? [] where firewallByKey[element.key] == nil {
            firewallByKey[element.key] = element
        }
        let clusterIPs = Set((index.set("cluster-ips")?.elements ?? []).compactMap(\.key.first))
        var mapNotes: [String] = []
        if index.set("service-ips") != nil && ruleLooking(up: "service-ips") == nil {
            mapNotes.append("no rule looks up service-ips")
        }
        for element in index.set("service-ips")?.elements ?? [] {
            guard element.key.count == 3 else {
                main.append(
                    ServiceFrontend(
                        vip: element.key.first ?? "", port: 0, protocol: "", kind: .clusterIP, name: nil,
                        mode: .nftables, endpoints: [],
                        notes: [
                            "service-ips element \(element.key.joined(separator: " . ")) is not addr . proto . port"
                        ]))
                continue
            }
            var notes = mapNotes
            let target = element.verdict?.chain ?? ""
            if let fw = firewallByKey[element.key] {
                notes += firewallNotes(fw.verdict)
            }
            var kind = ServiceKind.clusterIP
            if let comment = element.comment, let k = Self.kind(fromComment: comment) {
                kind = k
            } else if target.hasPrefix("firewall-") || firewallByKey[element.key] != nil {
                kind = .loadBalancer
            } else if target.hasPrefix("external-") {
                kind = .externalIP
                if !clusterIPs.contains(element.key[0]) {
                    notes.append("external or load-balancer IP (no comment says which)")
                }
            }
            main.append(
                frontend(
                    vip: element.key[0], port: Self.port(element.key[2]), protocol: element.key[1], kind: kind,
                    verdict: element.verdict, notes: notes))
        }
        // service-nodeports.
        var nodePortVIPs: [(vip: String, notes: [String])] = []
        var nodePorts: [ServiceFrontend] = []
        if let map = index.set("service-nodeports") {
            nodePortVIPs = nodePortAddresses()
            for element in map.elements {
                guard element.key.count == 2 else { continue }
                for t in nodePortVIPs {
                    nodePorts.append(
                        frontend(
                            vip: t.vip, port: Self.port(element.key[1]), protocol: element.key[0], kind: .nodePort,
                            verdict: element.verdict, notes: t.notes))
                }
            }
        }
        main = Self.sorted(main)
        nodePorts = Self.sorted(nodePorts)
        var all = main + nodePorts
        // Services without (local) endpoints: marked on the frontends with their address.
        var byAddress: [FrontendAddress: [Int]] = [:]
        for (position, f) in all.enumerated() {
            byAddress[FrontendAddress(vip: f.vip, port: f.port, protocol: f.protocol), default: []].append(position)
        }
        var extra: [ServiceFrontend] = []
        for element in index.set("no-endpoint-services")?.elements ?? [] where element.key.count == 3 {
            let vip = element.key[0]
            let kind: ServiceKind = clusterIPs.contains(vip) || clusterIPs.isEmpty ? .clusterIP : .externalIP
            noEndpoint(
                element, vip: vip, proto: element.key[1], port: Self.port(element.key[2]), kinds: nil,
                newKind: kind, all: &all, byAddress: byAddress, extra: &extra)
        }
        if index.set("no-endpoint-nodeports") != nil && nodePortVIPs.isEmpty { nodePortVIPs = nodePortAddresses() }
        for element in index.set("no-endpoint-nodeports")?.elements ?? [] where element.key.count == 2 {
            for t in nodePortVIPs {
                noEndpoint(
                    element, vip: t.vip, proto: element.key[0], port: Self.port(element.key[1]), kinds: [.nodePort],
                    newKind: .nodePort, all: &all, byAddress: byAddress, extra: &extra, extraNotes: t.notes)
            }
        }
        all += Self.sorted(extra)

        // Stale chains: per-service chains no frontend reached.
        let owned = table.chains.map(\.name).filter(Self.isServiceChain)
        stale = owned.filter { !reached.contains($0) }.sorted()
        var staleFrontends: [ServiceFrontend] = []
        for name in stale where name.hasPrefix("service-") || name.hasPrefix("local-") {
            guard let chain = index.chain(name), !chain.rules.isEmpty else { continue }
            let parsed = KubeProxyNFTChainName(name)
            var f = frontend(
                vip: "", port: 0, protocol: parsed?.protocol ?? "", kind: .clusterIP, verdict: .goto(name),
                notes: ["stale", "chain \(name) is referenced by nothing"])
            f.name = parsed?.servicePortName
            staleFrontends.append(f)
        }
        // (`stale` was fixed before these walks: endpoint chains reached only from stale
        // chains stay in it.)
        frontends = all + staleFrontends
    }

    /// `firewall-…` (loadBalancerSourceRanges): `ip saddr != { ranges } drop`.
    mutating func firewallNotes(_ verdict: NFTVerdict?) -> [String] {
        guard let name = verdict?.chain else { return verdict.map { ["firewall-ips verdict \($0)"] } ?? [] }
        reached.insert(name)
        guard let chain = index.chain(name) else { return ["chain \(name) is missing"] }
        var ranges: [String] = []
        for rule in chain.rules where rule.verdict == .drop {
            for m in rule.matches where (m.left == "ip saddr" || m.left == "ip6 saddr") && m.negated {
                var r = m.right
                if r.hasPrefix("{ ") && r.hasSuffix(" }") { r = String(r.dropFirst(2).dropLast(2)) }
                ranges.append(r)
            }
        }
        if ranges.isEmpty { return ["no load-balancer source range is allowed (\(name))"] }
        return ["source ranges: \(ranges.joined(separator: ", ")) (other sources are dropped)"]
    }

    /// The addresses NodePorts answer on, from the rule that looks up `service-nodeports`.
    func nodePortAddresses() -> [(vip: String, notes: [String])] {
        guard let rule = ruleLooking(up: "service-nodeports") else {
            return [(anyAddress, ["no rule looks up service-nodeports"])]
        }
        var local = false
        var except: [String] = []
        var sets: [String] = []
        var addresses: [String] = []
        for m in rule.matches {
            if m.left == "fib daddr type", m.op == "==", m.right == "local" { local = true }
            if m.left == "ip daddr" || m.left == "ip6 daddr" {
                if m.right.hasPrefix("@") {
                    if !m.negated { sets.append(String(m.right.dropFirst())) }
                } else if m.negated {
                    except.append(m.right)
                } else {
                    addresses.append(m.right)
                }
            }
        }
        for s in sets {
            addresses += (index.set(s)?.elements ?? []).compactMap(\.key.first)
        }
        if !addresses.isEmpty { return addresses.map { ($0, []) } }
        if !sets.isEmpty {
            return [(anyAddress, ["NodePort addresses set \(sets.joined(separator: ", ")) is empty"])]
        }
        var note = local ? "NodePort on every local address" : "NodePort on every address"
        if !except.isEmpty { note += " except \(except.joined(separator: ", "))" }
        return [(anyAddress, [note])]
    }

    static func kind(fromComment comment: String) -> ServiceKind? {
        if comment.hasSuffix(" cluster IP") { return .clusterIP }
        if comment.hasSuffix(" external IP") { return .externalIP }
        if comment.hasSuffix(" loadbalancer IP") { return .loadBalancer }
        return nil
    }

    mutating func noEndpoint(
        _ element: NFTElement, vip: String, proto: String, port: Int, kinds: [ServiceKind]?, newKind: ServiceKind,
        all: inout [ServiceFrontend], byAddress: [FrontendAddress: [Int]], extra: inout [ServiceFrontend],
        extraNotes: [String] = []
    ) {
        var note: String
        switch element.verdict {
        case .drop?:
            note = "no local endpoints (DROP)"
        case .goto(let c)?, .jump(let c)?:
            reached.insert(c)
            let rejects = index.chain(c)?.rules.contains { $0.statements.contains(.reject) } ?? false
            note = rejects ? "no endpoints (REJECT)" : "no endpoints (\(c))"
        case let v?:
            note = "no endpoints (\(v))"
        case nil:
            note = "no endpoints"
        }
        let name = element.comment.flatMap { $0.contains(" ") ? nil : $0 }
        var matched = false
        for i in byAddress[FrontendAddress(vip: vip, port: port, protocol: proto)] ?? [] {
            if let kinds, !kinds.contains(all[i].kind) { continue }
            if !all[i].notes.contains(note) { all[i].notes.append(note) }
            if all[i].name == nil { all[i].name = name }
            matched = true
        }
        if matched { return }
        extra.append(
            ServiceFrontend(
                vip: vip, port: port, protocol: proto, kind: newKind, name: name, mode: .nftables, endpoints: [],
                notes: extraNotes + [note]))
    }

    /// Walks from a map element's verdict to the endpoints.
    mutating func frontend(
        vip: String, port: Int, protocol: String, kind: ServiceKind, verdict: NFTVerdict?, notes: [String]
    ) -> ServiceFrontend {
        var walk = NFTWalk(index: index, vip: vip, mark: mark)
        walk.notes = notes
        var name: String?
        switch verdict {
        case .goto(let c)?, .jump(let c)?:
            if let parsed = KubeProxyNFTChainName(c) {
                name = parsed.servicePortName
                if !parsed.hashMatches { walk.note("chain name hash \(parsed.hash) does not match \(parsed.base)") }
            }
            _ = walk.walk(chain: c, depth: 0, mass: 1, counting: true)
        case .drop?:
            walk.note("dropped by the map")
        case let v?:
            walk.note("map verdict \(v)")
        case nil:
            walk.note("map element has no verdict")
        }
        reached.formUnion(walk.visited)
        let total = walk.endpoints.reduce(0) { $0 + $1.weight }
        if !walk.endpoints.isEmpty && 1 - total > 1e-9 {
            walk.note("\(NFTWalk.percent(1 - total)) of new connections reach no endpoint")
        }
        return ServiceFrontend(
            vip: vip, port: port, protocol: `protocol`, kind: kind, name: name, mode: .nftables,
            endpoints: walk.endpoints, affinity: walk.affinity, notes: walk.notes)
    }
}

// MARK: - One frontend's walk

private struct NFTWalk {
    let index: NFTTableIndex
    let vip: String
    let mark: UInt32?
    var notes: [String] = []
    var endpoints: [ServiceEndpoint] = []
    var affinity: SessionAffinity?
    var visited: Set<String> = []

    init(index: NFTTableIndex, vip: String, mark: UInt32?) {
        self.index = index
        self.vip = vip
        self.mark = mark
    }

    mutating func note(_ s: String) { if !notes.contains(s) { notes.append(s) } }

    static func percent(_ share: Double) -> String {
        let p = (share * 10000).rounded() / 100
        return p == p.rounded() ? "\(Int(p))%" : "\(p)%"
    }

    static let destinationSides: Set<String> = [
        "ip daddr", "ip6 daddr", "tcp dport", "udp dport", "sctp dport", "th dport", "meta l4proto",
    ]

    /// Source-side conditions in words ("" for none).
    static func sourceWords(_ rule: NFTRule) -> String {
        var parts: [String] = []
        for m in rule.matches where !destinationSides.contains(m.left) {
            switch m.left {
            case "ip saddr", "ip6 saddr":
                parts.append((m.negated ? "not from " : "from ") + m.right)
            case "fib saddr type":
                parts.append(
                    (m.negated ? "not from " : "from ") + (m.right == "local" ? "node-local addresses" : m.right))
            case "iifname", "meta iifname":
                parts.append((m.negated ? "not in on " : "in on ") + m.right)
            default:
                parts.append("matching: \(m.left) \(m.op) \(m.right)")
            }
        }
        return parts.joined(separator: ", ")
    }

    func appliesToFrontend(_ rule: NFTRule) -> Bool {
        for m in rule.matches where (m.left == "ip daddr" || m.left == "ip6 daddr") && m.op == "==" {
            if !m.right.contains("/") && !m.right.hasPrefix("@") && m.right != vip { return false }
        }
        return true
    }

    func masqueradeNote(_ rule: NFTRule) -> String {
        let who = Self.sourceWords(rule)
        let suffix = mark.map { " (mark 0x\(String($0, radix: 16)))" } ?? ""
        return "masquerade \(who.isEmpty ? "all traffic" : "traffic \(who)")\(suffix)"
    }

    static func isUnconditional(_ rule: NFTRule) -> Bool {
        !rule.statements.contains { s in
            switch s {
            case .match, .vmap: return true
            default: return false
            }
        }
    }

    /// Walks `name` carrying `mass` of the frontend's new connections (recorded only
    /// when `counting`); returns the mass that leaves the chain without an endpoint.
    mutating func walk(chain name: String, depth: Int, mass: Double, counting: Bool) -> Double {
        guard let chain = index.chain(name) else {
            if counting { note("chain \(name) is missing") }
            return mass
        }
        if visited.contains(name) && !counting { return mass }
        visited.insert(name)
        if depth > 16 {
            if counting { note("chain \(name) nests too deep; stopped") }
            return mass
        }
        if name.hasPrefix("endpoint-") {
            if counting { addEndpoint(chain, weight: mass) }
            return 0
        }
        if counting && name.hasPrefix("local-") { note("local traffic policy: only node-local endpoints (\(name))") }
        if counting && chain.rules.isEmpty { note("chain \(name) is empty") }
        var left = mass
        var live = counting
        for rule in chain.rules {
            var stop = false
            // A numgen verdict map: the endpoint dispatch.
            for s in rule.statements {
                guard case .vmap(.numgen(_, let modulus, let offset), nil, let entries) = s else { continue }
                var counts: [String: Int] = [:]
                var order: [String] = []
                var covered = 0
                var seen: Set<Int> = []
                // Key order (= kube-proxy's endpoint order), whatever order the dump gave.
                let ordered = entries.sorted {
                    (Int($0.key.first ?? "") ?? Int.max) < (Int($1.key.first ?? "") ?? Int.max)
                }
                for e in ordered {
                    guard let target = e.verdict?.chain, let k = e.key.first.flatMap({ Int($0) }) else {
                        if live { note("numgen entry \(e.key.joined(separator: " . ")) in \(name) is not a goto") }
                        continue
                    }
                    guard k >= offset, k < offset + modulus, !seen.contains(k) else {
                        _ = walk(chain: target, depth: depth + 1, mass: 0, counting: false)
                        continue
                    }
                    seen.insert(k)
                    covered += 1
                    if counts[target] == nil { order.append(target) }
                    counts[target, default: 0] += 1
                }
                for target in order {
                    let share = left * Double(counts[target] ?? 0) / Double(modulus)
                    let back = walk(chain: target, depth: depth + 1, mass: live ? share : 0, counting: live)
                    _ = back
                }
                if covered < modulus {
                    if live {
                        note("\(modulus - covered) of \(modulus) numgen values in \(name) map to no endpoint")
                    }
                    left = left * Double(modulus - covered) / Double(modulus)
                } else {
                    left = 0
                    stop = true
                }
            }
            if stop {
                live = false
                break
            }
            guard let verdict = rule.verdict else { continue }
            let unconditional = Self.isUnconditional(rule)
            switch verdict {
            case .jump("mark-for-masquerade"), .goto("mark-for-masquerade"):
                if live && appliesToFrontend(rule) { note(masqueradeNote(rule)) }
            case .jump(let target), .goto(let target):
                if let aff = rule.matches.first(where: { $0.right.hasPrefix("@affinity-") }) {
                    // ClientIP affinity: returning clients go to the endpoint they had.
                    if live {
                        let set = index.set(String(aff.right.dropFirst()))
                        affinity = SessionAffinity(type: "ClientIP", timeoutSeconds: set?.timeoutSeconds)
                    }
                    _ = walk(chain: target, depth: depth + 1, mass: 0, counting: false)
                } else if unconditional {
                    let back = walk(chain: target, depth: depth + 1, mass: live ? left : 0, counting: live)
                    if case .goto = verdict {
                        left = 0
                        stop = true
                    } else {
                        left = back
                    }
                } else {
                    if live { note("traffic \(Self.sourceWords(rule)) goes to \(target)") }
                    _ = walk(chain: target, depth: depth + 1, mass: 0, counting: false)
                }
            case .drop, .accept:
                if unconditional {
                    if live && left > 1e-12 {
                        note("the rest is \(verdict == .drop ? "dropped" : "accepted") (\(name))")
                    }
                    left = 0
                    stop = true
                }
            case .return:
                if unconditional { stop = true }
            default:
                break
            }
            if unconditional && rule.statements.contains(.reject) {
                if live && left > 1e-12 { note("the rest is rejected (\(name))") }
                left = 0
                stop = true
            }
            if stop { break }
        }
        return left
    }

    /// `endpoint-…`: its `dnat to` becomes the endpoint.
    mutating func addEndpoint(_ chain: NFTChain, weight: Double) {
        for rule in chain.rules {
            for s in rule.statements {
                guard case .dnat(let address, let port) = s else { continue }
                guard let ip = address else {
                    note("\(chain.name) DNATs to a port only")
                    return
                }
                let p = port ?? 0
                if let i = endpoints.firstIndex(where: { $0.ip == ip && $0.port == p }) {
                    endpoints[i].weight += weight
                } else {
                    endpoints.append(ServiceEndpoint(ip: ip, port: p, weight: weight))
                }
                return
            }
        }
        note("endpoint chain \(chain.name) has no dnat rule")
    }
}
