import ArgumentParser
import CKspyShim
import Foundation
import Glibc
import KspyKernel

/// Scenario: decoding a large service dataplane, in three parts (`--parts`). iptables:
/// loads kube-proxy-shaped nat rules (ClusterIP services × endpoints plus NodePorts)
/// into a throw-away network namespace and times `kspy svc --mode iptables -o json`
/// side by side with `iptables-nft-save -t nat`. nftables: loads the `ip kube-proxy`
/// table kube-proxy's nftables mode writes for the same services with `nft -f` into
/// that namespace and times `kspy svc --mode nftables -o json` against `nft -j list
/// table ip kube-proxy`. Cilium: pins Cilium's lb4 maps in a BPF filesystem of its own
/// and times `kspy svc --mode cilium -o json` against `bpftool map dump -j` of the
/// services and backends maps. Interleaved runs, medians, ratios, peak RSS from wait4,
/// targets.
struct SvcBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "svc",
        abstract:
            "kspy svc -o json vs iptables-nft-save -t nat (kube-proxy iptables rules), nft -j list table (kube-proxy nftables table) and bpftool map dump (Cilium lb4 maps).",
        discussion:
            "Rules are loaded only into a network namespace kspy-bench creates (kspy-bench-<hex>, deleted at the end); maps are pinned only in a BPF filesystem it mounts (/tmp/kspy-bench-bpffs-<hex>, unmounted and removed at the end)."
    )

    /// One part of the scenario.
    enum Part: String, CaseIterable {
        case iptables, nftables, cilium
    }

    @Option(help: "Parts to run, comma-separated: iptables, nftables, cilium.") var parts = "iptables,nftables,cilium"
    @Option(help: "ClusterIP services in the iptables and nftables parts.") var services = 10_000
    @Option(help: "Endpoints per service.") var endpointsPerService = 5
    @Option(help: "Services that also get a NodePort (30000 + index).") var nodePorts = 1_000
    @Option(help: "Cilium services (each 1 master entry + --cilium-slots slot entries).") var ciliumServices = 10_000
    @Option(help: "Backend slots per Cilium service.") var ciliumSlots = 4
    @Option(help: "Cilium backends (slots point at them round-robin).") var ciliumBackends = 20_000
    @Option(help: "Timed iterations per tool.") var iterations = 5
    @Option(help: "The kspy executable (default: the kspy next to kspy-bench).") var kspy: String?

    func validate() throws {
        guard services >= 1, services <= 60_000 else {
            throw ValidationError("--services must be 1…60000 (ClusterIPs in 10.96.0.0/16)")
        }
        guard endpointsPerService >= 1, services * endpointsPerService <= 65_000 else {
            throw ValidationError(
                "--endpoints-per-service must be at least 1, services × endpoints at most 65000 (pod IPs in 10.244.0.0/16)"
            )
        }
        guard nodePorts >= 0, nodePorts <= min(services, 2_768) else {
            throw ValidationError("--node-ports must be 0…min(--services, 2768) (ports 30000–32767)")
        }
        guard ciliumServices >= 1, ciliumServices <= 60_000, ciliumSlots >= 1, ciliumBackends >= 1,
            ciliumBackends <= 65_000
        else {
            throw ValidationError("--cilium-services must be 1…60000, --cilium-slots ≥ 1, --cilium-backends 1…65000")
        }
        guard iterations >= 1 else { throw ValidationError("--iterations must be at least 1") }
        guard let selected = selectedParts, !selected.isEmpty else {
            throw ValidationError(
                "--parts must list some of iptables, nftables, cilium (comma-separated), got \"\(parts)\"")
        }
    }

    /// `--parts` as parts, nil when it names an unknown one.
    private var selectedParts: Set<Part>? {
        var result: Set<Part> = []
        for word in parts.split(separator: ",") {
            guard let part = Part(rawValue: word.trimmingCharacters(in: .whitespaces)) else { return nil }
            result.insert(part)
        }
        return result
    }

    func run() throws {
        guard geteuid() == 0 else {
            throw BenchError("run as root: the scenario creates a network namespace and BPF maps")
        }
        let kspyPath = kspy ?? PodLifecycleBench.siblingExecutable("kspy")
        guard access(kspyPath, X_OK) == 0 else { throw BenchError("no kspy executable at \(kspyPath) (use --kspy)") }
        let parts = selectedParts ?? Set(Part.allCases)
        var needed = ["ip", "sh", "nsenter", "mount", "umount"]
        if parts.contains(.iptables) {
            needed += ["iptables-nft-restore", "iptables-nft-save", "iptables-legacy-save"]
        }
        if parts.contains(.nftables) { needed += ["nft"] }
        if parts.contains(.cilium) { needed += ["bpftool"] }
        var tools: [String: String] = [:]
        for name in needed {
            guard let path = CommandTimer.which(name) else { throw BenchError("\(name) not found on PATH") }
            tools[name] = path
        }

        let fixture = SvcFixture(tools: tools)
        defer { fixture.teardown() }
        try fixture.createNamespace()

        // Run order Cilium, nftables, iptables: the generated rule files grow kspy-bench,
        // and every child's ru_maxrss starts from its fork copy. Reported in Part order.
        var results: [Part: PartResult] = [:]
        if parts.contains(.cilium) { results[.cilium] = try ciliumPart(fixture, kspyPath: kspyPath) }
        if parts.contains(.nftables) {
            // kube-proxy's table alone in the namespace (nf_tables dumps are per family).
            try CommandTimer.mustRun(
                [tools["ip"]!, "netns", "exec", fixture.namespace, tools["nft"]!, "flush", "ruleset"],
                captureOutput: false)
            results[.nftables] = try nftablesPart(fixture, kspyPath: kspyPath)
        }
        if parts.contains(.iptables) { results[.iptables] = try iptablesPart(fixture, kspyPath: kspyPath) }
        let ran = Part.allCases.compactMap { results[$0] }
        let reports = ran.map(\.report)
        let verdicts = ran.map(\.verdicts)
        let sizes = ran.map(\.size)

        for (index, report) in reports.enumerated() {
            if index > 0 { print("") }
            report()
        }
        print("")
        print("targets:")
        for verdict in verdicts { verdict() }
        for part in Part.allCases where !parts.contains(part) {
            print("  " + part.rawValue.padding(toLength: 73, withPad: " ", startingAt: 0) + "skipped (--parts)")
        }
        print("(dump text: " + sizes.joined(separator: "; ") + ")")
        if (parts.contains(.iptables) || parts.contains(.nftables)) && services < 10_000
            || parts.contains(.cilium) && ciliumServices * (1 + ciliumSlots) < 50_000
        {
            print("note: below the issue's scale (10,000 services × 5 endpoints; 50,000 Cilium service entries)")
        }
    }

    /// What one part prints: its table and notes, its target lines, its dump size.
    struct PartResult {
        var report: () -> Void
        var verdicts: () -> Void
        var size: String
    }

    // MARK: - iptables

    private func iptablesPart(_ fixture: SvcFixture, kspyPath: String) throws -> PartResult {
        let tools = fixture.tools
        // Which nf_tables path this kspy has: the interim one runs iptables-nft-save and
        // parses its text; NFTIPTablesReader (a type name kept in the binary) reads netlink.
        let grep = CommandTimer.which("grep") ?? "/bin/grep"
        let netlinkNFT =
            (try? CommandTimer.run([grep, "-q", "-a", "NFTIPTablesReader", kspyPath], captureOutput: false))?.status
            == 0

        let generated = CommandTimer.now()
        let rules = try fixture.writeNatRules(services: services, endpoints: endpointsPerService, nodePorts: nodePorts)
        Self.releaseFreedMemory()  // the generator's text: children start from kspy-bench's fork copy
        let loadStart = CommandTimer.now()
        try CommandTimer.mustRun(
            [tools["ip"]!, "netns", "exec", fixture.namespace, tools["iptables-nft-restore"]!, rules.path],
            captureOutput: false)
        DiscoveryBench.progress(
            "svc: \(rules.ruleCount) nat rules in \(rules.chainCount) chains ("
                + String(format: "%.1f MiB", Double(rules.bytes) / 1_048_576) + " restore input) generated in "
                + String(format: "%.1f s", loadStart - generated) + ", loaded with iptables-nft-restore in "
                + String(format: "%.1f s", CommandTimer.now() - loadStart))
        // The dump once to a file: its size, and the input of kspy's decode-only row.
        let dumpPath = fixture.work + "/nat.save"
        try CommandTimer.mustRun(
            [
                tools["sh"]!, "-c", #"exec "$0" netns exec "$1" "$2" -t nat > "$3""#, tools["ip"]!, fixture.namespace,
                tools["iptables-nft-save"]!, dumpPath,
            ], captureOutput: false)
        let dumpBytes = Int(
            (try FileManager.default.attributesOfItem(atPath: dumpPath)[.size] as? NSNumber)?.intValue ?? 0)
        let ipt: [(label: String, arguments: [[String]])] = [
            (
                "kspy svc --mode iptables",
                [[kspyPath, "svc", "--mode", "iptables", "--netns", fixture.netnsPath, "-o", "json"]]
            ),
            (
                "iptables-nft-save -t nat",
                [[tools["ip"]!, "netns", "exec", fixture.namespace, tools["iptables-nft-save"]!, "-t", "nat"]]
            ),
            (
                "kspy --from-file (decode only)",
                [[kspyPath, "svc", "--mode", "iptables", "--from-file", dumpPath, "-o", "json"]]
            ),
        ]
        let iptResult = try Self.interleave(ipt, iterations: iterations)
        DiscoveryBench.progress("svc: timed \(iterations) iptables rounds")
        // Sanity after the timing (parsing grows kspy-bench, and with it every later child's fork copy).
        let iptSanity = try Self.checkIPTables(
            json: try CommandTimer.mustRun(ipt[0].arguments[0]).output, services: services,
            endpoints: endpointsPerService, nodePorts: nodePorts)

        let (services, endpointsPerService, nodePorts, iterations) = (
            services, endpointsPerService, nodePorts, iterations
        )
        let report = {
            print(
                "svc (iptables): \(services) ClusterIP services × \(endpointsPerService) endpoints + \(nodePorts) NodePorts = "
                    + "\(rules.ruleCount) nat rules in \(rules.chainCount) chains, loaded with iptables-nft-restore into netns "
                    + "\(fixture.namespace); \(iterations) iterations interleaved, medians")
            Self.table(labels: ipt.map(\.label), result: iptResult)
            if netlinkNFT {
                print(
                    "(this kspy reads the nf_tables backend over netlink (NFTIPTablesReader) and the legacy backend with "
                        + "iptables-legacy-save; its PEAK RSS is ru_maxrss over kspy and the programs it waited for.")
            } else {
                print(
                    "(this kspy reads the nf_tables backend through its interim text path: it runs iptables-nft-save itself (via nsenter) "
                        + "and also iptables-legacy-save, so its time includes a full iptables-nft-save; its PEAK RSS is ru_maxrss over "
                        + "kspy and the save programs it waited for.")
            }
            print(
                " The --from-file row decodes a saved copy of the same dump (no save program, no node discovery) and is not a "
                    + "target. Any child shows at least " + DiscoveryBench.mebibytes(iptResult.baselineKiB)
                    + ", kspy-bench's fork copy)")
            print(iptSanity)
        }
        let verdicts = {
            let iptRatio = iptResult.median(ipt[0].label) / iptResult.median(ipt[1].label)
            Self.verdict(
                "iptables: ≤ 1.5x iptables-save", String(format: "kspy/iptables-nft-save = %.2f", iptRatio),
                met: iptRatio <= 1.5,
                miss: String(format: "%.2fx, %.0f%% over the 1.5x budget", iptRatio, (iptRatio / 1.5 - 1) * 100))
            let iptRSS = iptResult.peak(ipt[0].label)
            let iptMemoryRatio = iptRSS * 1024 / Double(dumpBytes)
            Self.verdict(
                "iptables: RSS ≤ 4x dump text",
                DiscoveryBench.mebibytes(iptRSS) + " / " + DiscoveryBench.mebibytes(Double(dumpBytes) / 1024)
                    + String(format: " = %.2fx", iptMemoryRatio),
                met: iptMemoryRatio <= 4, miss: String(format: "%.2fx of the dump's size", iptMemoryRatio))
        }
        return PartResult(
            report: report, verdicts: verdicts, size: "iptables-nft-save -t nat output, \(dumpBytes) bytes")
    }

    // MARK: - nftables

    private func nftablesPart(_ fixture: SvcFixture, kspyPath: String) throws -> PartResult {
        let tools = fixture.tools
        let generated = CommandTimer.now()
        let rules = try fixture.writeNFTRuleset(
            services: services, endpoints: endpointsPerService, nodePorts: nodePorts)
        Self.releaseFreedMemory()  // the generator's text: children start from kspy-bench's fork copy
        let loadStart = CommandTimer.now()
        try CommandTimer.mustRun(
            [tools["ip"]!, "netns", "exec", fixture.namespace, tools["nft"]!, "-f", rules.path], captureOutput: false)
        DiscoveryBench.progress(
            "svc: table ip kube-proxy with \(rules.chainCount) chains, \(rules.ruleCount) rules ("
                + String(format: "%.1f MiB", Double(rules.bytes) / 1_048_576) + " nft -f input) generated in "
                + String(format: "%.1f s", loadStart - generated) + ", loaded with nft -f in "
                + String(format: "%.1f s", CommandTimer.now() - loadStart))
        // nft runs in the namespace through nsenter --net (no mount namespace, unlike ip netns exec).
        let nftList = [
            tools["nsenter"]!, "--net=" + fixture.netnsPath, tools["nft"]!, "-j", "list", "table", "ip", "kube-proxy",
        ]
        let nft: [(label: String, arguments: [[String]])] = [
            (
                "kspy svc --mode nftables",
                [[kspyPath, "svc", "--mode", "nftables", "--netns", fixture.netnsPath, "-o", "json"]]
            ),
            ("nft -j list table", [nftList]),
        ]
        let nftResult = try Self.interleave(nft, iterations: iterations)
        DiscoveryBench.progress("svc: timed \(iterations) nftables rounds")
        let dumpBytes = try CommandTimer.mustRun(nftList).output.utf8.count
        let nftSanity = try Self.checkNFTables(
            json: try CommandTimer.mustRun(nft[0].arguments[0]).output, services: services,
            endpoints: endpointsPerService, nodePorts: nodePorts)
        try CommandTimer.mustRun(
            [tools["ip"]!, "netns", "exec", fixture.namespace, tools["nft"]!, "delete", "table", "ip", "kube-proxy"],
            captureOutput: false)

        let (services, endpointsPerService, nodePorts, iterations) = (
            services, endpointsPerService, nodePorts, iterations
        )
        let report = {
            print(
                "svc (nftables): \(services) ClusterIP services × \(endpointsPerService) endpoints + \(nodePorts) NodePorts = "
                    + "table ip kube-proxy with \(rules.chainCount) chains and \(rules.ruleCount) rules, loaded with nft -f into netns "
                    + "\(fixture.namespace); \(iterations) iterations interleaved, medians")
            Self.table(labels: nft.map(\.label), result: nftResult)
            print(
                "(kspy reads the table over netlink (libnftnl) inside the namespace; nft runs there through nsenter --net. "
                    + "Any child shows at least " + DiscoveryBench.mebibytes(nftResult.baselineKiB)
                    + ", kspy-bench's fork copy)")
            print(nftSanity)
        }
        let verdicts = {
            let ratio = nftResult.median(nft[0].label) / nftResult.median(nft[1].label)
            Self.verdict(
                "nftables: faster than nft -j", String(format: "kspy/nft -j = %.2f", ratio), met: ratio < 1,
                miss: String(format: "%.0f%% slower than nft -j", (ratio - 1) * 100))
            let rss = nftResult.peak(nft[0].label)
            let memoryRatio = rss * 1024 / Double(dumpBytes)
            Self.verdict(
                "nftables: RSS ≤ 4x dump text",
                DiscoveryBench.mebibytes(rss) + " / " + DiscoveryBench.mebibytes(Double(dumpBytes) / 1024)
                    + String(format: " = %.2fx", memoryRatio),
                met: memoryRatio <= 4, miss: String(format: "%.2fx of nft -j's output", memoryRatio))
        }
        return PartResult(
            report: report, verdicts: verdicts, size: "nft -j list table ip kube-proxy output, \(dumpBytes) bytes")
    }

    // MARK: - Cilium

    private func ciliumPart(_ fixture: SvcFixture, kspyPath: String) throws -> PartResult {
        let tools = fixture.tools
        try fixture.mountBPFFS()
        let fillStart = CommandTimer.now()
        let maps = try fixture.pinCiliumMaps(services: ciliumServices, slots: ciliumSlots, backends: ciliumBackends)
        DiscoveryBench.progress(
            "svc: pinned \(maps.serviceEntries) service entries, \(maps.backendEntries) backends, \(maps.reverseNATEntries) reverse-NAT entries in "
                + String(format: "%.1f s", CommandTimer.now() - fillStart))
        let servicesPin = fixture.bpffs + "/cilium_lb4_services_v2"
        let backendsPin = fixture.bpffs + "/cilium_lb4_backends_v3"
        let cil: [(label: String, arguments: [[String]])] = [
            (
                "kspy svc --mode cilium",
                [[kspyPath, "svc", "--mode", "cilium", "--cilium-maps", fixture.bpffs, "-o", "json"]]
            ),
            (
                "bpftool map dump -j (2 maps)",
                [
                    [tools["bpftool"]!, "map", "dump", "-j", "pinned", servicesPin],
                    [tools["bpftool"]!, "map", "dump", "-j", "pinned", backendsPin],
                ]
            ),
        ]
        let cilResult = try Self.interleave(cil, iterations: iterations)
        DiscoveryBench.progress("svc: timed \(iterations) Cilium rounds")
        let bpftoolBytes = try cil[1].arguments.map { try CommandTimer.mustRun($0).output.utf8.count }.reduce(0, +)
        let cilSanity = try Self.checkCilium(
            json: try CommandTimer.mustRun(cil[0].arguments[0]).output, services: ciliumServices, slots: ciliumSlots)

        let (ciliumServices, ciliumSlots, iterations) = (ciliumServices, ciliumSlots, iterations)
        let report = {
            print(
                "svc (cilium): \(ciliumServices) services × (1 master + \(ciliumSlots) slots) = \(maps.serviceEntries) entries in "
                    + "cilium_lb4_services_v2, \(maps.backendEntries) in cilium_lb4_backends_v3, \(maps.reverseNATEntries) in "
                    + "cilium_lb4_reverse_nat (pinned in \(fixture.bpffs)); \(iterations) iterations interleaved, medians"
            )
            Self.table(labels: cil.map(\.label), result: cilResult)
            print(
                "(bpftool: the services and backends dumps run one after the other, timed together; PEAK RSS is the larger. "
                    + "≤: at or below the fork baseline of " + DiscoveryBench.mebibytes(cilResult.baselineKiB)
                    + ", an upper bound)")
            print(cilSanity)
        }
        let verdicts = {
            let cilRatio = cilResult.median(cil[0].label) / cilResult.median(cil[1].label)
            Self.verdict(
                "cilium: faster than bpftool", String(format: "kspy/bpftool = %.2f", cilRatio), met: cilRatio < 1,
                miss: String(format: "%.0f%% slower than bpftool", (cilRatio - 1) * 100))
            let cilRSS = cilResult.peak(cil[0].label)
            let cilMemoryRatio = cilRSS * 1024 / Double(bpftoolBytes)
            Self.verdict(
                "cilium: RSS ≤ 4x dump text",
                DiscoveryBench.mebibytes(cilRSS) + " / " + DiscoveryBench.mebibytes(Double(bpftoolBytes) / 1024)
                    + String(format: " = %.2fx", cilMemoryRatio),
                met: cilMemoryRatio <= 4, miss: String(format: "%.2fx of bpftool's JSON", cilMemoryRatio))
        }
        return PartResult(
            report: report, verdicts: verdicts, size: "bpftool -j output of both maps, \(bpftoolBytes) bytes")
    }

    // MARK: - Timing

    /// glibc's `malloc_trim(0)` (malloc.h is not in Swift's Glibc module): gives freed
    /// heap back to the kernel, so a child's fork copy — part of its ru_maxrss — holds
    /// only what kspy-bench still uses.
    static func releaseFreedMemory() {
        // Called directly: the release kspy-bench is a static executable, where dlsym
        // finds nothing (it used to look malloc_trim up, and silently did nothing there).
        _ = kspy_malloc_trim()
    }

    struct Timings {
        var wall: [String: [Double]] = [:]
        var peakKiB: [String: [Double]] = [:]
        var baselineKiB: Double = 0
        func median(_ label: String) -> Double { Stats.median(wall[label] ?? []) }
        func peak(_ label: String) -> Double { Stats.median(peakKiB[label] ?? []) }
    }

    /// One untimed round, then `iterations` rounds with the order alternating. A tool
    /// with several commands is timed as their sum, its peak RSS the largest.
    static func interleave(_ commands: [(label: String, arguments: [[String]])], iterations: Int) throws -> Timings {
        releaseFreedMemory()  // what earlier parts parsed and generated: not in the children's fork copy
        for command in commands {
            for arguments in command.arguments { try CommandTimer.mustRun(arguments, captureOutput: false) }
        }
        var result = Timings()
        var baseline = try CommandTimer.forkBaselineKiB()
        for i in 0..<iterations {
            for k in commands.indices {
                let command = commands[(i + k) % commands.count]
                var seconds = 0.0
                var peak = 0
                for arguments in command.arguments {
                    let run = try CommandTimer.mustRun(arguments, captureOutput: false)
                    seconds += run.seconds
                    peak = max(peak, run.maxResidentKiB)
                }
                result.wall[command.label, default: []].append(seconds)
                result.peakKiB[command.label, default: []].append(Double(peak))
            }
        }
        baseline = max(baseline, try CommandTimer.forkBaselineKiB())
        result.baselineKiB = Double(baseline)
        return result
    }

    static func table(labels: [String], result: Timings) {
        let kspyWall = result.median(labels[0])
        print("TOOL                           WALL         PEAK RSS     kspy/TOOL (wall)")
        for label in labels {
            let w = result.median(label)
            print(
                label.padding(toLength: 31, withPad: " ", startingAt: 0)
                    + Stats.milliseconds(w).padding(toLength: 13, withPad: " ", startingAt: 0)
                    + ((result.peak(label) <= result.baselineKiB ? "≤" : "")
                    + DiscoveryBench.mebibytes(result.peak(label)))
                    .padding(toLength: 13, withPad: " ", startingAt: 0)
                    + String(format: "%.2f", kspyWall / w))
        }
    }

    private static func verdict(_ target: String, _ measured: String, met: Bool, miss: String) {
        print(
            "  " + target.padding(toLength: 31, withPad: " ", startingAt: 0)
                + measured.padding(toLength: 42, withPad: " ", startingAt: 0)
                + (met ? "met" : "NOT met (\(miss))"))
    }

    // MARK: - Sanity

    private static func frontends(_ json: String, _ what: String) throws -> [[String: Any]] {
        guard let entries = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]] else {
            throw BenchError("\(what) did not print a JSON array")
        }
        return entries
    }

    /// Every ClusterIP frontend (and NodePort) has its endpoints, each with weight 1/N.
    static func checkIPTables(json: String, services: Int, endpoints: Int, nodePorts: Int) throws -> String {
        let entries = try frontends(json, "kspy svc --mode iptables")
        var byKind: [String: Int] = [:]
        var good: [String: Int] = [:]
        for entry in entries {
            let kind = entry["kind"] as? String ?? "?"
            byKind[kind, default: 0] += 1
            let eps = entry["endpoints"] as? [[String: Any]] ?? []
            let weightsOK = eps.allSatisfy { abs(($0["weight"] as? Double ?? 0) - 1 / Double(endpoints)) < 0.001 }
            if eps.count == endpoints && weightsOK { good[kind, default: 0] += 1 }
        }
        let clusterIPs = good["clusterIP"] ?? 0
        let nodes = good["nodePort"] ?? 0
        guard clusterIPs == services, nodes == nodePorts else {
            throw BenchError(
                "kspy svc --mode iptables: \(clusterIPs) of \(services) clusterIP and \(nodes) of \(nodePorts) nodePort frontends "
                    + "with \(endpoints) endpoints of weight 1/\(endpoints) (frontends by kind: \(byKind))")
        }
        return
            "sanity: kspy decoded \(clusterIPs) clusterIP + \(nodes) nodePort frontends, each with \(endpoints) endpoints of weight "
            + String(format: "%.2f", 1 / Double(endpoints)) + " (\(entries.count) frontends in all)"
    }

    /// Every ClusterIP service is one frontend and every NodePort one `0.0.0.0` frontend,
    /// each with its endpoints of weight 1/N, named `nsN/svcI:http`.
    static func checkNFTables(json: String, services: Int, endpoints: Int, nodePorts: Int) throws -> String {
        let entries = try frontends(json, "kspy svc --mode nftables")
        var byKind: [String: Int] = [:]
        var good: [String: Int] = [:]
        for entry in entries {
            let kind = entry["kind"] as? String ?? "?"
            byKind[kind, default: 0] += 1
            let eps = entry["endpoints"] as? [[String: Any]] ?? []
            let weightsOK = eps.allSatisfy { abs(($0["weight"] as? Double ?? 0) - 1 / Double(endpoints)) < 0.001 }
            let named = (entry["name"] as? String)?.hasSuffix(":http") ?? false
            if eps.count == endpoints && weightsOK && named { good[kind, default: 0] += 1 }
        }
        let clusterIPs = good["clusterIP"] ?? 0
        let nodes = good["nodePort"] ?? 0
        guard clusterIPs == services, nodes == nodePorts, entries.count == services + nodePorts else {
            throw BenchError(
                "kspy svc --mode nftables: \(clusterIPs) of \(services) clusterIP and \(nodes) of \(nodePorts) nodePort frontends "
                    + "named and with \(endpoints) endpoints of weight 1/\(endpoints) (frontends by kind: \(byKind))")
        }
        return
            "sanity: kspy decoded \(clusterIPs) clusterIP + \(nodes) nodePort frontends, each named and with \(endpoints) "
            + "endpoints of weight " + String(format: "%.2f", 1 / Double(endpoints))
            + " (\(entries.count) frontends in all)"
    }

    /// Every Cilium service is one frontend with its slots as endpoints of weight 1/slots.
    static func checkCilium(json: String, services: Int, slots: Int) throws -> String {
        let entries = try frontends(json, "kspy svc --mode cilium")
        let good = entries.filter { entry in
            let eps = entry["endpoints"] as? [[String: Any]] ?? []
            return eps.count == slots
                && eps.allSatisfy { abs(($0["weight"] as? Double ?? 0) - 1 / Double(slots)) < 0.001 }
        }.count
        guard entries.count == services, good == services else {
            throw BenchError(
                "kspy svc --mode cilium: \(entries.count) frontends (expected \(services)), \(good) with \(slots) endpoints of weight 1/\(slots)"
            )
        }
        return "sanity: kspy decoded \(entries.count) Cilium frontends, each with \(slots) endpoints of weight "
            + String(format: "%.2f", 1 / Double(slots))
    }
}

/// The throw-away network namespace and BPF filesystem of the svc scenario, and the
/// files generated for them. `teardown()` removes everything, also after a failure.
final class SvcFixture {
    let tools: [String: String]
    let namespace: String
    let bpffs: String
    let work: String
    private var namespaceCreated = false
    private var bpffsCreated = false
    private var bpffsMounted = false
    private var tornDown = false

    var netnsPath: String { "/run/netns/" + namespace }

    init(tools: [String: String]) {
        self.tools = tools
        let hex = DiscoveryFixture.hex(bytes: 4)
        namespace = "kspy-bench-" + hex
        bpffs = "/tmp/kspy-bench-bpffs-" + hex
        work = "/tmp/kspy-bench-svc-\(getpid())"
    }

    func createNamespace() throws {
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        try CommandTimer.mustRun([tools["ip"]!, "netns", "add", namespace])
        namespaceCreated = true
    }

    func mountBPFFS() throws {
        try FileManager.default.createDirectory(atPath: bpffs, withIntermediateDirectories: false)
        bpffsCreated = true
        try CommandTimer.mustRun([tools["mount"]!, "-t", "bpf", "bpf", bpffs])
        bpffsMounted = true
    }

    // MARK: kube-proxy nat rules

    struct Rules {
        let path: String
        let ruleCount: Int
        let chainCount: Int
        let bytes: Int
    }

    /// Writes an `iptables-restore` file for the nat table as kube-proxy's iptables mode
    /// lays it out for `services` ClusterIP services (`nsN/svcI:http`, tcp 80, ClusterIP
    /// 10.96.0.0 + I + 1) with `endpoints` endpoints each (10.244.0.0 + k + 1, port 8080)
    /// and a NodePort (30000 + I) for the first `nodePorts`. With more than 1,000
    /// endpoints kube-proxy omits the comments on SVC→SEP and SEP rules
    /// (large-cluster mode), so this does too. Chain names have kube-proxy's shape (16
    /// base32 characters) but are not its SHA-256: the decoder does not check them.
    func writeNatRules(services: Int, endpoints: Int, nodePorts: Int) throws -> Rules {
        let path = work + "/nat.rules"
        guard FileManager.default.createFile(atPath: path, contents: nil),
            let handle = FileHandle(forWritingAtPath: path)
        else {
            throw BenchError("cannot create \(path)")
        }
        defer { try? handle.close() }
        let largeCluster = services * endpoints > 1000
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
        func rule(_ line: String) {
            text += "-A " + line + "\n"
            rules += 1
            flush()
        }
        func chain(_ name: String) {
            text += ":" + name + " - [0:0]\n"
            chains += 1
            flush()
        }
        func name(_ i: Int) -> String { "ns\(i / 100)/svc\(i):http" }
        func clusterIP(_ i: Int) -> String { Self.ipv4(base: 10 << 24 | 96 << 16, offset: i + 1) }
        func podIP(_ i: Int, _ j: Int) -> String {
            Self.ipv4(base: 10 << 24 | 244 << 16, offset: i * endpoints + j + 1)
        }
        func svcHash(_ i: Int) -> String { Self.chainHash(name(i) + "tcp") }
        func sepHash(_ i: Int, _ j: Int) -> String { Self.chainHash(name(i) + "tcp" + podIP(i, j) + ":8080") }

        text += "*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n"
        for fixed in ["KUBE-MARK-MASQ", "KUBE-NODEPORTS", "KUBE-POSTROUTING", "KUBE-PROXY-CANARY", "KUBE-SERVICES"] {
            chain(fixed)
        }
        for i in 0..<services {
            let h = svcHash(i)
            chain("KUBE-SVC-" + h)
            if i < nodePorts { chain("KUBE-EXT-" + h) }
            for j in 0..<endpoints { chain("KUBE-SEP-" + sepHash(i, j)) }
        }
        rule("PREROUTING -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES")
        rule("OUTPUT -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES")
        rule("POSTROUTING -m comment --comment \"kubernetes postrouting rules\" -j KUBE-POSTROUTING")
        rule("KUBE-MARK-MASQ -j MARK --or-mark 0x4000")
        rule("KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN")
        rule("KUBE-POSTROUTING -j MARK --xor-mark 0x4000")
        rule(
            "KUBE-POSTROUTING -m comment --comment \"kubernetes service traffic requiring SNAT\" -j MASQUERADE --random-fully"
        )
        for i in 0..<nodePorts {
            rule(
                "KUBE-NODEPORTS -p tcp -m comment --comment \"\(name(i))\" -m tcp --dport \(30000 + i) -j KUBE-EXT-\(svcHash(i))"
            )
        }
        for i in 0..<services {
            rule(
                "KUBE-SERVICES -d \(clusterIP(i))/32 -p tcp -m comment --comment \"\(name(i)) cluster IP\" -m tcp --dport 80 "
                    + "-j KUBE-SVC-\(svcHash(i))")
        }
        rule(
            "KUBE-SERVICES -m comment --comment \"kubernetes service nodeports; NOTE: this must be the last rule in this chain\" "
                + "-m addrtype --dst-type LOCAL -j KUBE-NODEPORTS")
        for i in 0..<services {
            let h = svcHash(i)
            if i < nodePorts {
                rule(
                    "KUBE-EXT-\(h) -m comment --comment \"masquerade traffic for \(name(i)) external destinations\" -j KUBE-MARK-MASQ"
                )
                rule("KUBE-EXT-\(h) -j KUBE-SVC-\(h)")
            }
            rule(
                "KUBE-SVC-\(h) ! -s 10.244.0.0/16 -d \(clusterIP(i))/32 -p tcp -m comment --comment \"\(name(i)) cluster IP\" "
                    + "-m tcp --dport 80 -j KUBE-MARK-MASQ")
            for j in 0..<endpoints {
                let ip = podIP(i, j)
                let comment = largeCluster ? "" : "-m comment --comment \"\(name(i)) -> \(ip):8080\" "
                let remaining = endpoints - j
                let statistic =
                    remaining > 1
                    ? "-m statistic --mode random --probability " + String(format: "%0.10f", 1 / Double(remaining))
                        + " " : ""
                rule("KUBE-SVC-\(h) " + comment + statistic + "-j KUBE-SEP-\(sepHash(i, j))")
            }
            for j in 0..<endpoints {
                let s = sepHash(i, j)
                let ip = podIP(i, j)
                let comment = largeCluster ? "" : "-m comment --comment \"\(name(i))\" "
                rule("KUBE-SEP-\(s) -s \(ip)/32 " + comment + "-j KUBE-MARK-MASQ")
                rule("KUBE-SEP-\(s) -p tcp " + comment + "-m tcp -j DNAT --to-destination \(ip):8080")
            }
        }
        text += "COMMIT\n"
        flush(force: true)
        return Rules(path: path, ruleCount: rules, chainCount: chains, bytes: bytes)
    }

    static func ipv4(base: UInt32, offset: Int) -> String {
        let a = base &+ UInt32(offset)
        return "\(a >> 24).\(a >> 16 & 0xff).\(a >> 8 & 0xff).\(a & 0xff)"
    }

    /// 16 base32 characters (80 bits) from a 64-bit FNV-1a + splitmix of `input`:
    /// shaped like kube-proxy's chain hash, unique enough for the generated names.
    static func chainHash(_ input: String) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in input.utf8 { h = (h ^ UInt64(byte)) &* 0x100_0000_01b3 }
        func mix(_ x: UInt64) -> UInt64 {
            var z = x &+ 0x9e37_79b9_7f4a_7c15
            z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
            z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
            return z ^ (z >> 31)
        }
        let high = mix(h)
        let low = mix(h ^ 0x5555_5555_5555_5555)
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
        var result = ""
        for k in 0..<12 { result.append(alphabet[Int(high >> UInt64(k * 5) & 31)]) }
        for k in 0..<4 { result.append(alphabet[Int(low >> UInt64(k * 5) & 31)]) }
        return result
    }

    // MARK: Cilium maps

    struct CiliumMaps {
        let serviceEntries: Int
        let backendEntries: Int
        let reverseNATEntries: Int
    }

    /// Creates and pins `cilium_lb4_services_v2`, `cilium_lb4_backends_v3` and
    /// `cilium_lb4_reverse_nat` (HASH, 65,536 entries as the agent sizes them) with the
    /// byte layouts of dataplanes.md §4.2 / KspyDataplane's CiliumLayout: service I is
    /// ClusterIP 10.96.0.0 + I + 1 tcp/80 (scope external, flags ROUTABLE), a master
    /// entry (count = `slots`, rev-NAT index I + 1) and `slots` slot entries whose
    /// backend ids go round-robin over `backends` (10.0.0.0 + id, port 8080, active).
    func pinCiliumMaps(services: Int, slots: Int, backends: Int) throws -> CiliumMaps {
        let capacity = max(65_536, services * (1 + slots), backends)
        let servicesMap = try BPFMapDescriptor.create(
            type: .hash, name: "cilium_lb4_services_v2", keySize: 12, valueSize: 12, maxEntries: capacity)
        defer { servicesMap.close() }
        let backendsMap = try BPFMapDescriptor.create(
            type: .hash, name: "cilium_lb4_backends_v3", keySize: 4, valueSize: 12, maxEntries: capacity)
        defer { backendsMap.close() }
        let reverseMap = try BPFMapDescriptor.create(
            type: .hash, name: "cilium_lb4_reverse_nat", keySize: 2, valueSize: 6, maxEntries: 65_536)
        defer { reverseMap.close() }

        func be32(_ v: UInt32) -> [UInt8] {
            [UInt8(v >> 24), UInt8(v >> 16 & 0xff), UInt8(v >> 8 & 0xff), UInt8(v & 0xff)]
        }
        func be16(_ v: UInt16) -> [UInt8] { [UInt8(v >> 8), UInt8(v & 0xff)] }
        func le16(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xff), UInt8(v >> 8)] }
        func le32(_ v: UInt32) -> [UInt8] {
            [UInt8(v & 0xff), UInt8(v >> 8 & 0xff), UInt8(v >> 16 & 0xff), UInt8(v >> 24)]
        }
        let routable: UInt8 = 1 << 6
        let tcp: UInt8 = 6

        for id in 1...backends {
            // lb4_backend v3: address, port (be), proto, flags (0 active), cluster_id u16, zone, pad.
            let value = be32(10 << 24 &+ UInt32(id)) + be16(8080) + [tcp, 0] + le16(0) + [0, 0]
            try backendsMap.update(key: le32(UInt32(id)), value: value)
        }
        var serviceEntries = 0
        for i in 0..<services {
            let vip = be32(10 << 24 | 96 << 16 &+ UInt32(i + 1))
            let revNAT = UInt16(i + 1)
            // lb4_key: address, dport (be), backend_slot (host), proto, scope, pad.
            func key(_ slot: Int) -> [UInt8] { vip + be16(80) + le16(UInt16(slot)) + [tcp, 0, 0, 0] }
            // lb4_service master: affinity/algorithm word 0, count, rev_nat_index, flags, flags2, qcount.
            try servicesMap.update(
                key: key(0), value: le32(0) + le16(UInt16(slots)) + le16(revNAT) + [routable, 0] + le16(0))
            for slot in 1...slots {
                let backendID = UInt32((i * slots + slot - 1) % backends + 1)
                try servicesMap.update(
                    key: key(slot), value: le32(backendID) + le16(0) + le16(revNAT) + [routable, 0] + le16(0))
            }
            serviceEntries += 1 + slots
            // lb4_reverse_nat: address (be), port (be), packed.
            try reverseMap.update(key: le16(revNAT), value: vip + be16(80))
        }
        try servicesMap.pin(at: bpffs + "/cilium_lb4_services_v2")
        try backendsMap.pin(at: bpffs + "/cilium_lb4_backends_v3")
        try reverseMap.pin(at: bpffs + "/cilium_lb4_reverse_nat")
        return CiliumMaps(serviceEntries: serviceEntries, backendEntries: backends, reverseNATEntries: services)
    }

    // MARK: Teardown

    /// Deletes the namespace (its rules go with it), unpins the maps, unmounts and
    /// removes the BPF filesystem directory and the work directory. Idempotent.
    func teardown() {
        if tornDown { return }
        tornDown = true
        if namespaceCreated {
            do { try CommandTimer.mustRun([tools["ip"]!, "netns", "delete", namespace]) } catch {
                DiscoveryBench.progress("kspy-bench: could not delete netns \(namespace): \(error)")
            }
        }
        if bpffsMounted {
            for name in ["cilium_lb4_services_v2", "cilium_lb4_backends_v3", "cilium_lb4_reverse_nat"] {
                unlink(bpffs + "/" + name)
            }
            do { try CommandTimer.mustRun([tools["umount"]!, bpffs]) } catch {
                DiscoveryBench.progress("kspy-bench: could not unmount \(bpffs): \(error)")
            }
        }
        if bpffsCreated && rmdir(bpffs) != 0 {
            DiscoveryBench.progress("kspy-bench: could not remove \(bpffs): \(String(cString: strerror(errno)))")
        }
        try? FileManager.default.removeItem(atPath: work)
    }
}
