import ArgumentParser
import KspyDataplane

/// `kspy nat`: kube-proxy's KUBE- nat chains, decoded into the path a packet takes.
struct NatCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nat",
        abstract: "Explain kube-proxy's iptables nat chains rule by rule.",
        discussion: """
            For each service frontend (or the one named by VIP[:PORT] or --chain): the chains a new \
            connection walks from KUBE-SERVICES to the DNAT, with matches, marks, probabilities and \
            the effective share of each endpoint, in words. Reads the nf_tables backend (iptables-nft) \
            and the legacy backend, or a saved iptables-save file.
            """)

    @Argument(help: "Only this frontend: VIP[:PORT].")
    var frontend: String?

    @Option(help: ArgumentHelp("Only paths through this chain (e.g. KUBE-SVC-…).", valueName: "name"))
    var chain: String?

    @Option(help: ArgumentHelp("Read the rules of this network namespace.", valueName: "path"))
    var netns: String?

    @Option(help: ArgumentHelp("Read the rules of this pod's network namespace (its pause's).", valueName: "pod"))
    var pod: String?

    @Option(help: ArgumentHelp("Decode a saved iptables-save file instead.", valueName: "file"))
    var fromFile: String?

    @OptionGroup var discovery: DiscoveryOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        if pod != nil && netns != nil { throw ValidationError("--pod and --netns exclude each other") }
        if let frontend, ServiceSelector(frontend)?.vip == nil {
            throw ValidationError("frontend must be VIP[:PORT], got \"\(frontend)\"")
        }
    }

    func run() throws {
        var paths: [NatChainPath] = []
        let netns = try self.netns ?? pod.map { try PodNetworkNamespace.path(of: $0, discovery: discovery) }
        if let fromFile {
            paths = KubeProxyIPTablesDecoder(try IPTablesReader.readFile(fromFile)).chainPaths()
        } else {
            var problems: [String] = []
            for (backend, family) in IPTablesReader.liveSources {
                do {
                    let rules = try IPTablesReader.readLive(backend: backend, netnsPath: netns, family: family)
                    paths += KubeProxyIPTablesDecoder(rules).chainPaths()
                } catch {
                    problems.append(error.description)
                }
            }
            if paths.isEmpty && problems.count == IPTablesReader.liveSources.count {
                throw CLIError(problems.joined(separator: "; "))
            }
        }
        if let selector = frontend.flatMap(ServiceSelector.init) {
            paths = paths.filter { path in
                path.vip == selector.vip && (selector.port == nil || path.port == selector.port)
                    && (selector.proto == nil || path.protocol == selector.proto)
            }
        }
        if let chain { paths = paths.filter { $0.steps.contains { $0.chain == chain } } }
        try Renderer.emit(paths, format: output.format) { _ in Self.text(paths) }
    }

    static func text(_ paths: [NatChainPath]) -> String {
        var out = ""
        for path in paths {
            out += "\(AddressPort.text(path.vip, port: path.port))/\(path.protocol) \(path.kind.rawValue)" + (path.name.map { " \($0)" } ?? "") + "\n"
            for step in path.steps {
                let indent = String(repeating: "  ", count: step.depth + 1)
                let share = step.share.map { " [\(Int(($0 * 1000).rounded()) / 10)%]" } ?? ""
                out += "\(indent)\(step.table)/\(step.chain) #\(step.ruleNumber): \(step.words)\(share)\n"
            }
        }
        return out.isEmpty ? "no kube-proxy nat chains found\n" : out
    }
}
