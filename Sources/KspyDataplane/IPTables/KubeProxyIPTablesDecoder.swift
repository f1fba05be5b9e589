import Foundation

/// Decodes kube-proxy's iptables-mode rules (dataplanes.md §1; kubernetes
/// `pkg/proxy/iptables/proxier.go`) into `ServiceFrontend`s (mode `.iptables`).
///
/// The walk: nat `KUBE-SERVICES` → per service IP a jump to `KUBE-SVC-`/`KUBE-SVL-`
/// (cluster IP), `KUBE-EXT-` (external IP, load-balancer IP) or `KUBE-FW-` (load-balancer
/// IP with source ranges); its last rule → `KUBE-NODEPORTS` → `KUBE-EXT-` per NodePort.
/// `KUBE-EXT-` masquerades and falls through to `KUBE-SVC-` (Cluster policy) or
/// `KUBE-SVL-` (Local policy). `KUBE-SVC-`/`KUBE-SVL-` pick a `KUBE-SEP-` per endpoint
/// with `-m statistic --probability p_i`, rule after rule; the `KUBE-SEP-` DNAT target is
/// the endpoint. Weights are the effective shares `p_i × Π_{j<i}(1 − p_j)` from the
/// probabilities the kernel stores (kube-proxy writes `1/(N−i)` rounded to 10 digits,
/// the kernel keeps `round(p × 2^31)`), never assumed 1/N; the last rule (no statistic)
/// takes what is left. `-m recent --rcheck --seconds S` rules give ClientIP affinity.
/// Service names come from comments (`ns/svc:port cluster IP` …); in large-cluster mode
/// kube-proxy drops the comments on `KUBE-SVC-`→`KUBE-SEP-` and `KUBE-SEP-` rules but
/// keeps the `KUBE-SERVICES` ones; with no comments at all the name is nil and the kind
/// comes from the chain prefix. The filter table adds services without endpoints
/// (`REJECT` in `KUBE-SERVICES`/`KUBE-EXTERNAL-SERVICES`) and those without local
/// endpoints (`DROP`).
///
/// A NodePort frontend's `vip` is the node address `KUBE-SERVICES` sends to
/// `KUBE-NODEPORTS` (`-d nodeIP` with `--nodeport-addresses`), or `0.0.0.0` (`::` for
/// IPv6 rules) with the note `NodePort on every local address` for kube-proxy's default
/// `-m addrtype --dst-type LOCAL`. Decoding never fails: odd shapes become notes.
public struct KubeProxyIPTablesDecoder: Sendable {
    /// The rules read (should hold `nat`, and `filter` for services without endpoints).
    public let ruleset: IPTablesRuleset

    public init(_ ruleset: IPTablesRuleset) { self.ruleset = ruleset }

    /// The frontends (see `decode()`); the chain paths are not built (their rule texts
    /// and words are most of the decoding work on a large ruleset).
    public func frontends() -> [ServiceFrontend] { decode(recordingPaths: false).frontends }

    /// The chain path of every frontend (see `decode()`).
    public func chainPaths() -> [NatChainPath] { decode().chainPaths }

    /// Decodes everything.
    public func decode() -> KubeProxyIPTablesDecoding { decode(recordingPaths: true) }

    /// Decodes; without `recordingPaths` every chain path has no steps. The frontends of
    /// `KUBE-SERVICES` are walked on `threads` threads (by default two when the machine
    /// has them and there are enough services to gain from it), each taking a stretch of
    /// its rules; the result is the same.
    func decode(recordingPaths: Bool, threads: Int? = nil) -> KubeProxyIPTablesDecoding {
        var run = Run(nat: ruleset.table("nat"), filter: ruleset.table("filter"), recordingPaths: recordingPaths)
        run.decodeNat(threads: threads)
        run.decodeFilter()
        return KubeProxyIPTablesDecoding(
            frontends: run.results.map(\.frontend), chainPaths: run.results.map(\.path),
            staleChains: run.staleChains(), masqueradeMark: run.masqueradeMark)
    }
}

// MARK: - The walk

/// One decoding pass.
private struct Run {
    let nat: IPTablesTable?
    let filter: IPTablesTable?
    let masqueradeMark: UInt32?
    let isIPv6: Bool
    /// False when only the frontends are wanted: no `NatChainStep` is built.
    let recordingPaths: Bool
    var results: [(frontend: ServiceFrontend, path: NatChainPath)] = []
    /// Every chain some frontend walked into.
    var reached: Set<String> = []

    init(nat: IPTablesTable?, filter: IPTablesTable?, recordingPaths: Bool) {
        self.recordingPaths = recordingPaths
        self.nat = nat
        self.filter = filter
        var mark: UInt32?
        if let chain = nat?.chain("KUBE-MARK-MASQ") {
            for rule in chain.rules {
                if case .mark(let m)? = rule.target?.decoded, let bits = m.orBits {
                    mark = bits
                    break
                }
            }
        }
        masqueradeMark = mark
        isIPv6 = nat?.hasIPv6Addresses ?? false
    }

    static let serviceChainPrefixes = ["KUBE-SVC-", "KUBE-SVL-", "KUBE-EXT-", "KUBE-FW-", "KUBE-XLB-"]

    static func isServiceChain(_ name: String) -> Bool { serviceChainPrefixes.contains { name.hasPrefix($0) } }
    static func isOwnedChain(_ name: String) -> Bool { isServiceChain(name) || name.hasPrefix("KUBE-SEP-") }

    var anyAddress: String { isIPv6 ? "::" : "0.0.0.0" }

    // MARK: nat

    /// `KUBE-SERVICES` rules above which two threads walk the frontends by default.
    static let parallelWalkMinimum = 2_000

    mutating func decodeNat(threads: Int? = nil) {
        guard let services = nat?.chain("KUBE-SERVICES") else { return }
        reached.insert("KUBE-SERVICES")
        let count = services.ruleCount
        let threads =
            threads ?? (count >= Self.parallelWalkMinimum && ProcessInfo.processInfo.activeProcessorCount > 1 ? 2 : 1)
        var nodePortEntries: [(number: Int, rule: IPTablesRule)]
        if threads > 1 && count > 1 {
            // The second half on a thread of its own, into a copy of this run; its
            // frontends follow this half's, so the order is that of one thread.
            let other = ParallelWalk(run: self)
            let thread = Thread {
                other.nodePortEntries = other.run.walkServices(of: services, in: (count / 2)..<count)
                other.done.signal()
            }
            thread.start()
            nodePortEntries = walkServices(of: services, in: 0..<(count / 2))
            other.done.wait()
            results += other.run.results
            reached.formUnion(other.run.reached)
            nodePortEntries += other.nodePortEntries
        } else {
            nodePortEntries = walkServices(of: services, in: 0..<count)
        }
        decodeNodePorts(nodePortEntries)
    }

    /// A copy of a run walked on another thread, what it found, and the signal that it is
    /// done (nothing here is read again before the signal).
    final class ParallelWalk: @unchecked Sendable {
        var run: Run
        var nodePortEntries: [(number: Int, rule: IPTablesRule)] = []
        let done = DispatchSemaphore(value: 0)
        init(run: Run) { self.run = run }
    }

    /// Walks the frontend of each service jump among the rules `range` of `services`
    /// (`KUBE-SERVICES`), built a few hundred at a time, and returns its jumps to
    /// `KUBE-NODEPORTS`.
    mutating func walkServices(of services: IPTablesChain, in range: Range<Int>) -> [(number: Int, rule: IPTablesRule)] {
        var nodePortEntries: [(number: Int, rule: IPTablesRule)] = []
        var start = range.lowerBound
        while start < range.upperBound {
            let end = min(start + 256, range.upperBound)
            for (offset, rule) in services.rules(in: start..<end).enumerated() {
                let number = start + offset + 1
                guard let target = rule.targetChain else { continue }
                if target == "KUBE-NODEPORTS" {
                    nodePortEntries.append((number, rule))
                } else if Self.isServiceChain(target) {
                    walkService(rule, number: number, chain: target)
                }
            }
            start = end
        }
        return nodePortEntries
    }

    /// Walks the frontend of `rule`, rule `number` of `KUBE-SERVICES`, jumping to `target`.
    mutating func walkService(_ rule: IPTablesRule, number: Int, chain target: String) {
        var notes: [String] = []
        let (kind, name) = classify(comment: rule.comment, chain: target, notes: &notes)
        var vip = anyAddress
        if let d = rule.destination, !d.negated {
            vip = IPTablesRule.address(d.value)
        } else {
            notes.append("matches any destination address")
        }
        let entry = Entry(table: "nat", chain: "KUBE-SERVICES", number: number, rule: rule, depth: 0)
        walkFrontend(
            vip: vip, port: rule.destinationPort ?? 0, protocol: protocolOf(rule), kind: kind, name: name,
            entries: [entry], chain: target, notes: notes)
    }

    mutating func decodeNodePorts(_ entries: [(number: Int, rule: IPTablesRule)]) {
        guard let nat, let nodePorts = nat.chain("KUBE-NODEPORTS") else { return }
        reached.insert("KUBE-NODEPORTS")
        // Which destinations reach KUBE-NODEPORTS: `-d nodeIP` per --nodeport-addresses,
        // else every local address (`-m addrtype --dst-type LOCAL`).
        var targets: [(vip: String, entry: (number: Int, rule: IPTablesRule)?, notes: [String])] = []
        for e in entries {
            if let d = e.rule.destination, !d.negated {
                targets.append((IPTablesRule.address(d.value), e, []))
            } else {
                var note = "NodePort on every local address"
                if let d = e.rule.destination, d.negated { note += " except \(IPTablesRule.address(d.value))" }
                targets.append((anyAddress, e, [note]))
            }
        }
        if targets.isEmpty { targets = [(anyAddress, nil, ["KUBE-NODEPORTS is not reached from KUBE-SERVICES"])] }

        var pendingMasquerade: [String: [String]] = [:]
        for (i, rule) in nodePorts.rules.enumerated() {
            guard let chain = rule.targetChain else { continue }
            let key = "\(protocolOf(rule))/\(rule.destinationPort ?? 0)"
            if chain == "KUBE-MARK-MASQ" {
                // kube-proxy < 1.24 marked NodePort traffic here, before the service jump.
                pendingMasquerade[key, default: []].append(Walk.masqueradeNote(rule, mark: masqueradeMark))
                continue
            }
            guard Self.isServiceChain(chain) else { continue }
            let name = rule.comment.flatMap(Self.servicePortName)
            for t in targets {
                var path: [Entry] = []
                if let e = t.entry {
                    path.append(Entry(table: "nat", chain: "KUBE-SERVICES", number: e.number, rule: e.rule, depth: 0))
                }
                path.append(Entry(table: "nat", chain: "KUBE-NODEPORTS", number: i + 1, rule: rule, depth: path.count))
                walkFrontend(
                    vip: t.vip, port: rule.destinationPort ?? 0, protocol: protocolOf(rule), kind: .nodePort,
                    name: name,
                    entries: path, chain: chain, notes: t.notes + (pendingMasquerade[key] ?? []))
            }
        }
    }

    /// Kind and name from a `KUBE-SERVICES` comment (`S cluster IP`, `S external IP`,
    /// `S loadbalancer IP`), else from the chain prefix.
    func classify(comment: String?, chain: String, notes: inout [String]) -> (ServiceKind, String?) {
        if let comment {
            for (suffix, kind) in [
                (" cluster IP", ServiceKind.clusterIP), (" external IP", .externalIP),
                (" loadbalancer IP", .loadBalancer),
            ]
            where comment.hasSuffix(suffix) {
                return (kind, String(comment.dropLast(suffix.count)))
            }
        }
        if chain.hasPrefix("KUBE-FW-") { return (.loadBalancer, nil) }
        if chain.hasPrefix("KUBE-EXT-") || chain.hasPrefix("KUBE-XLB-") {
            notes.append("external or load-balancer IP (no comment says which)")
            return (.externalIP, nil)
        }
        return (.clusterIP, nil)
    }

    /// `ns/svc[:port]` when `comment` looks like one (no spaces, one slash).
    static func servicePortName(_ comment: String) -> String? {
        let s = comment.split(separator: " ").first.map(String.init) ?? comment
        guard !s.isEmpty, s == comment, s.filter({ $0 == "/" }).count == 1 else { return nil }
        return s
    }

    func protocolOf(_ rule: IPTablesRule) -> String {
        if let p = rule.protocol, !p.negated { return p.value.lowercased() }
        return rule.ports?.protocol ?? ""
    }

    // MARK: frontends

    struct Entry {
        var table: String
        var chain: String
        var number: Int
        var rule: IPTablesRule
        var depth: Int
    }

    mutating func walkFrontend(
        vip: String, port: Int, protocol: String, kind: ServiceKind, name: String?, entries: [Entry], chain: String,
        notes: [String]
    ) {
        var walk = Walk(frontendVIP: vip, masqueradeMark: masqueradeMark, recordingSteps: recordingPaths)
        walk.notes = notes
        for e in entries where recordingPaths {
            walk.steps.append(
                NatChainStep(
                    depth: e.depth, table: e.table, chain: e.chain, ruleNumber: e.number, rule: e.rule.text,
                    words: e.rule.words, share: nil))
        }
        if let nat {
            walk.walk(chain: chain, in: nat, depth: entries.count, mass: 1, counting: true)
        }
        reached.formUnion(walk.expanded)
        let unplaced = 1 - walk.endpoints.reduce(0) { $0 + $1.weight }
        if unplaced > 1e-9 && !walk.endpoints.isEmpty {
            walk.note("\(Walk.percent(unplaced)) of new connections reach no endpoint rule")
        }
        var resolvedName = name
        if resolvedName == nil {
            // No KUBE-SERVICES comment: the `S -> ip:port` comments of the endpoint rules,
            // when present (kube-proxy drops them in large-cluster mode).
            resolvedName = walk.endpointRuleNames.first
        }
        let frontend = ServiceFrontend(
            vip: vip, port: port, protocol: `protocol`, kind: kind, name: resolvedName, mode: .iptables,
            endpoints: walk.endpoints.map { ServiceEndpoint(ip: $0.ip, port: $0.port, weight: $0.weight) },
            affinity: walk.affinity, notes: walk.notes)
        results.append(
            (
                frontend,
                NatChainPath(
                    vip: vip, port: port, protocol: `protocol`, kind: kind, name: resolvedName, steps: walk.steps)
            ))
    }

    // MARK: filter

    mutating func decodeFilter() {
        guard let filter else { return }
        for chainName in ["KUBE-SERVICES", "KUBE-EXTERNAL-SERVICES"] {
            guard let chain = filter.chain(chainName) else { continue }
            for (i, rule) in chain.rules.enumerated() {
                switch rule.target?.decoded {
                case .reject?:
                    noEndpointRule(rule, number: i + 1, chain: chainName, verdict: "REJECT")
                case .verdict("DROP")?:
                    noEndpointRule(rule, number: i + 1, chain: chainName, verdict: "DROP")
                default:
                    continue
                }
            }
        }
        if let nodePorts = filter.chain("KUBE-NODEPORTS") {
            for rule in nodePorts.rules {
                guard let comment = rule.comment, comment.hasSuffix(" health check node port"),
                    let port = rule.destinationPort
                else { continue }
                let name = String(comment.dropLast(" health check node port".count))
                for i in results.indices
                where results[i].frontend.name == name && results[i].frontend.kind != .clusterIP {
                    append(note: "health check node port \(port)", to: i)
                }
            }
        }
    }

    /// A `REJECT` (no endpoints) or `DROP` (no local endpoints) rule of filter
    /// `KUBE-SERVICES` / `KUBE-EXTERNAL-SERVICES`.
    mutating func noEndpointRule(_ rule: IPTablesRule, number: Int, chain: String, verdict: String) {
        var name: String?
        var reason = verdict == "REJECT" ? "no endpoints" : "no local endpoints"
        if let comment = rule.comment {
            for suffix in [" has no endpoints", " has no local endpoints"] where comment.hasSuffix(suffix) {
                name = String(comment.dropLast(suffix.count))
                reason = String(suffix.dropFirst(" has ".count))
            }
        }
        let note = "\(reason) (\(verdict))"
        let proto = protocolOf(rule)
        let port = rule.destinationPort ?? 0
        let step =
            recordingPaths
            ? NatChainStep(
                depth: 0, table: "filter", chain: chain, ruleNumber: number, rule: rule.text, words: rule.words,
                share: nil) : nil

        var kinds: [ServiceKind]
        var vips: [String]
        var extraNotes: [String] = []
        if let d = rule.destination, !d.negated {
            vips = [IPTablesRule.address(d.value)]
            if chain == "KUBE-SERVICES" {
                kinds = [.clusterIP]
            } else {
                kinds = [.externalIP, .loadBalancer]
                extraNotes = ["external or load-balancer IP (the filter rule does not say which)"]
            }
        } else if chain == "KUBE-EXTERNAL-SERVICES", rule.addrtype?.destinationType == "LOCAL" {
            kinds = [.nodePort]
            let known = results.filter { $0.frontend.kind == .nodePort }.map(\.frontend.vip)
            vips = known.isEmpty ? [anyAddress] : Array(Set(known)).sorted()
        } else {
            return
        }

        var matched = false
        for i in results.indices {
            let f = results[i].frontend
            guard kinds.contains(f.kind), f.port == port, f.protocol == proto else { continue }
            guard f.kind == .nodePort || vips.contains(f.vip) else { continue }
            append(note: note, to: i)
            if let step { results[i].path.steps.append(step) }
            if results[i].frontend.name == nil {
                results[i].frontend.name = name
                results[i].path.name = name
            }
            matched = true
        }
        if matched { return }
        for vip in vips {
            let kind = kinds[0]
            let frontend = ServiceFrontend(
                vip: vip, port: port, protocol: proto, kind: kind, name: name, mode: .iptables, endpoints: [],
                notes: extraNotes + [note])
            results.append(
                (
                    frontend,
                    NatChainPath(
                        vip: vip, port: port, protocol: proto, kind: kind, name: name, steps: step.map { [$0] } ?? [])
                ))
        }
    }

    mutating func append(note: String, to index: Int) {
        if !results[index].frontend.notes.contains(note) { results[index].frontend.notes.append(note) }
    }

    func staleChains() -> [String] {
        guard let nat else { return [] }
        return nat.chains.map(\.name).filter { Self.isOwnedChain($0) && !reached.contains($0) }.sorted()
    }
}

/// The walk from one frontend's first per-service chain down to its endpoints.
private struct Walk {
    let frontendVIP: String
    let masqueradeMark: UInt32?
    var steps: [NatChainStep] = []
    var notes: [String] = []
    var endpoints: [(ip: String, port: Int, weight: Double)] = []
    var affinity: SessionAffinity?
    /// Chains whose rules are already on `steps`.
    var expanded: Set<String> = []
    /// `S` of `S -> ip:port` comments met on endpoint rules.
    var endpointRuleNames: [String] = []

    /// False when no `NatChainStep` is wanted (only the frontend).
    let recordingSteps: Bool
    /// The rules of the chain read last: an endpoint chain is read for its DNAT target,
    /// then walked, and a parsed table builds a chain's rules on each read.
    private var lastChainRules: (name: String, rules: [IPTablesRule])?

    init(frontendVIP: String, masqueradeMark: UInt32?, recordingSteps: Bool) {
        self.frontendVIP = frontendVIP
        self.masqueradeMark = masqueradeMark
        self.recordingSteps = recordingSteps
    }

    mutating func note(_ s: String) { if !notes.contains(s) { notes.append(s) } }

    /// The rules of `chain`, built once for consecutive reads of the same chain.
    mutating func rules(of chain: IPTablesChain) -> [IPTablesRule] {
        if let last = lastChainRules, last.name == chain.name { return last.rules }
        let rules = chain.rules
        lastChainRules = (chain.name, rules)
        return rules
    }

    static func percent(_ share: Double) -> String {
        let p = (share * 10000).rounded() / 100
        return p == p.rounded() ? "\(Int(p))%" : "\(p)%"
    }

    /// Walks `chain`. With `counting`, the `mass` of new connections entering it is split
    /// over endpoints and notes are kept; without, only the steps are recorded (a
    /// special-case branch such as pod traffic in a Local-policy `KUBE-EXT-`).
    /// Returns the mass that left the chain without picking an endpoint.
    @discardableResult
    mutating func walk(chain name: String, in nat: IPTablesTable, depth: Int, mass: Double, counting: Bool) -> Double {
        guard let chain = nat.chain(name) else {
            if counting { note("chain \(name) is missing") }
            return mass
        }
        let showSteps = !expanded.contains(name)
        if showSteps { expanded.insert(name) } else if !counting { return mass }
        if depth > 16 {
            if counting { note("chain \(name) nests too deep; stopped") }
            return mass
        }
        if counting && name.hasPrefix("KUBE-SVL-") { note("local traffic policy: only node-local endpoints (\(name))") }
        if counting && name.hasPrefix("KUBE-XLB-") { note("local traffic policy: only node-local endpoints (\(name))") }
        if name.hasPrefix("KUBE-FW-") {
            return walkFirewall(chain, in: nat, depth: depth, mass: mass, counting: counting, showSteps: showSteps)
        }
        if !counting && !recordingSteps {
            // Nothing to count or show: only the chains it leads to are reached (the rule
            // loop below recurses into the same ones; callers ignore what it returns).
            for target in chain.chainJumps where target.hasPrefix("KUBE-SEP-") || Run.isServiceChain(target) {
                walk(chain: target, in: nat, depth: depth + 1, mass: 0, counting: false)
            }
            return mass
        }
        var left = mass
        var live = counting
        var returned = false
        var carried = 0.0
        for (i, rule) in rules(of: chain).enumerated() {
            var share: Double?
            var recurse: (chain: String, mass: Double, counting: Bool)?
            switch rule.target?.decoded {
            case .chain(let target)? where target.hasPrefix("KUBE-SEP-"):
                if let r = rule.recent, r.action == .rcheck || r.action == .update {
                    // Session affinity: returning clients go to the endpoint they had.
                    if live { affinity = SessionAffinity(type: "ClientIP", timeoutSeconds: r.seconds) }
                    recurse = (target, 0, false)
                } else {
                    let p = rule.statistic?.takenShare ?? 1
                    let w = left * p
                    if live {
                        share = w
                        if rule.conditionCount(ignoringStatistic: true) > 0 {
                            note("endpoint rule \(i + 1) of \(name) has conditions besides its probability")
                        }
                        if let comment = rule.comment, let name = Self.nameBeforeArrow(comment) {
                            endpointRuleNames.append(name)
                        }
                        addEndpoint(chain: target, in: nat, weight: w)
                    }
                    left -= w
                    recurse = (target, 0, false)
                }
            case .chain("KUBE-MARK-MASQ")?:
                if live && appliesToFrontend(rule) { note(Self.masqueradeNote(rule, mark: masqueradeMark)) }
            case .chain(let target)? where Run.isServiceChain(target):
                if rule.isUnconditional {
                    recurse = (target, left, live)
                    left = 0
                } else {
                    if live { note("traffic \(Self.sourceWords(rule)) goes to \(target)") }
                    recurse = (target, 0, false)
                }
            case .verdict("DROP")?:
                if rule.isUnconditional {
                    if live && left > 1e-12 { note("the rest is dropped (\(name))") }
                    left = 0
                    live = false
                }
            case .verdict("RETURN")?:
                // What is left goes back to the calling chain, which carries on.
                if rule.isUnconditional && live { returned = true }
            case .reject?:
                if rule.isUnconditional {
                    if live { note("the rest is rejected (\(name))") }
                    left = 0
                    live = false
                }
            default:
                break
            }
            if showSteps && recordingSteps {
                steps.append(
                    NatChainStep(
                        depth: depth, table: "nat", chain: name, ruleNumber: i + 1, rule: rule.text, words: rule.words,
                        share: share))
            }
            if let r = recurse {
                let back = walk(chain: r.chain, in: nat, depth: depth + 1, mass: r.mass, counting: r.counting)
                if r.counting { left += back }
            }
            if returned && live {
                carried = left
                left = 0
                live = false
            }
            if left <= 1e-15 { live = false }
        }
        return left + carried
    }

    /// `KUBE-FW-`: `-s range -j KUBE-EXT-…` per loadBalancerSourceRange, then a rule with no
    /// target (traffic falling out is dropped by filter `KUBE-PROXY-FIREWALL`).
    mutating func walkFirewall(
        _ chain: IPTablesChain, in nat: IPTablesTable, depth: Int, mass: Double, counting: Bool, showSteps: Bool
    ) -> Double {
        func isAllowJump(_ rule: IPTablesRule) -> Bool {
            guard let target = rule.targetChain else { return false }
            return Run.isServiceChain(target) || target.hasPrefix("KUBE-SEP-")
        }
        let rules = rules(of: chain)
        if counting {
            let ranges = rules.filter(isAllowJump).map { rule in
                rule.source.map { ($0.negated ? "not " : "") + IPTablesRule.address($0.value) } ?? "any"
            }
            if ranges.isEmpty {
                note("no load-balancer source range is allowed (\(chain.name))")
            } else {
                note("source ranges: \(ranges.joined(separator: ", ")) (other sources are dropped)")
            }
        }
        var followed = false
        var left = mass
        for (i, rule) in rules.enumerated() {
            if showSteps && recordingSteps {
                steps.append(
                    NatChainStep(
                        depth: depth, table: "nat", chain: chain.name, ruleNumber: i + 1, rule: rule.text,
                        words: rule.words, share: nil))
            }
            if case .chain("KUBE-MARK-MASQ")? = rule.target?.decoded, counting {
                note(Self.masqueradeNote(rule, mark: masqueradeMark))
            }
            guard isAllowJump(rule), let target = rule.targetChain else { continue }
            if followed {
                // Further ranges lead to the same chain: show it once.
                continue
            }
            followed = true
            if target.hasPrefix("KUBE-SEP-") {
                if counting { addEndpoint(chain: target, in: nat, weight: mass) }
                walk(chain: target, in: nat, depth: depth + 1, mass: 0, counting: false)
                left = 0
            } else {
                left = walk(chain: target, in: nat, depth: depth + 1, mass: mass, counting: counting)
            }
        }
        return left
    }

    /// `S` of an `S -> ip:port` comment.
    static func nameBeforeArrow(_ comment: String) -> String? {
        let parts = comment.split(separator: " ")
        guard parts.count == 3, parts[1] == "->" else { return nil }
        return String(parts[0])
    }

    /// True when a masquerade rule can match this frontend's traffic (a `-d` naming a
    /// different address, e.g. the cluster IP while walking an external IP, cannot).
    func appliesToFrontend(_ rule: IPTablesRule) -> Bool {
        guard let d = rule.destination, !d.negated else { return true }
        return IPTablesRule.address(d.value) == frontendVIP
    }

    /// `KUBE-SEP-…`: its DNAT destination becomes the endpoint.
    mutating func addEndpoint(chain name: String, in nat: IPTablesTable, weight: Double) {
        guard let chain = nat.chain(name) else {
            note("endpoint chain \(name) is missing")
            return
        }
        // A rule jumping to a chain is not a DNAT: without steps to show, only the others
        // are built (a kube-proxy endpoint chain's KUBE-MARK-MASQ jump is half its rules).
        for rule in recordingSteps ? rules(of: chain) : chain.rulesNotJumpingToChains {
            guard case .dnat(let d)? = rule.target?.decoded else { continue }
            guard let ip = d.address else {
                note("\(name) DNATs to port \(d.raw) only")
                return
            }
            let port = d.port ?? 0
            if let i = endpoints.firstIndex(where: { $0.ip == ip && $0.port == port }) {
                endpoints[i].weight += weight
            } else {
                endpoints.append((ip, port, weight))
            }
            return
        }
        note("endpoint chain \(name) has no DNAT rule")
    }

    /// "masquerade traffic not from 10.244.0.0/16 (mark 0x4000)" for a
    /// `-j KUBE-MARK-MASQ` rule, from its source-side conditions.
    static func masqueradeNote(_ rule: IPTablesRule, mark: UInt32?) -> String {
        let who = sourceWords(rule)
        let suffix = mark.map { " (mark \(IPTablesRule.hex($0)))" } ?? ""
        return "masquerade \(who == "" ? "all traffic" : "traffic \(who)")\(suffix)"
    }

    /// The source-side conditions of a rule in words: `from 10.244.0.0/16`,
    /// `not from …`, `from node-local addresses`, `not in on cni0`; "" when none.
    static func sourceWords(_ rule: IPTablesRule) -> String {
        var parts: [String] = []
        if let s = rule.source {
            parts.append((s.negated ? "not from " : "from ") + IPTablesRule.address(s.value))
        }
        if let i = rule.inInterface { parts.append((i.negated ? "not in on " : "in on ") + i.value) }
        if let a = rule.addrtype, let t = a.sourceType {
            let what = t == "LOCAL" ? "node-local addresses" : "\(t) addresses"
            parts.append((a.sourceNegated ? "not from " : "from ") + what)
        }
        if parts.isEmpty && rule.conditionCount(ignoringStatistic: false) > 0 {
            // Only destination-side selectors (the frontend's own VIP/port): all its traffic.
            let onlyFrontend =
                rule.matches.allSatisfy { m in
                    switch m.decoded {
                    case .comment, .ports: return true
                    default: return false
                    }
                } && rule.outInterface == nil && rule.fragment == nil
            if !onlyFrontend { parts.append("matching: \(rule.conditionWords.joined(separator: ", "))") }
        }
        return parts.joined(separator: ", ")
    }
}
