import ArgumentParser
import KspyDataplane
import KspyInspect

/// `kspy svc`: where traffic to a service really goes on this node.
struct SvcCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "svc",
        abstract: "Show service frontends and their endpoints as the node's dataplanes implement them.",
        discussion: """
            Reads every dataplane present (kube-proxy iptables or nftables mode, IPVS, Cilium's eBPF \
            maps) into one model: frontend VIP:port/protocol, kind, name when the dataplane records it, \
            and endpoints with their effective weights. Endpoints that are pod IPs on this node are \
            marked with their pod. SELECTOR is VIP[:PORT][/PROTO] or NAMESPACE/NAME.
            """)

    enum Mode: String, ExpressibleByArgument, CaseIterable {
        case auto, iptables, nftables, ipvs, cilium
    }

    @Argument(help: "Only this frontend: VIP[:PORT][/PROTO] or NAMESPACE/NAME.")
    var selector: String?

    @Option(help: "Dataplane to read: auto, iptables, nftables, ipvs or cilium.")
    var mode: Mode = .auto

    @Option(
        help: ArgumentHelp("Read the rules of this network namespace (e.g. /proc/<pid>/ns/net).", valueName: "path"))
    var netns: String?

    @Option(help: ArgumentHelp("Read the rules of this pod's network namespace (its pause's).", valueName: "pod"))
    var pod: String?

    @Option(help: ArgumentHelp("Decode a saved dump instead of the kernel (needs --mode).", valueName: "file"))
    var fromFile: String?

    @Option(help: ArgumentHelp("Directory of Cilium's pinned maps.", valueName: "dir"))
    var ciliumMaps: String = "/sys/fs/bpf/tc/globals"

    @OptionGroup var discovery: DiscoveryOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        if let selector, ServiceSelector(selector) == nil {
            throw ValidationError("selector must be VIP[:PORT][/PROTO] or NAMESPACE/NAME, got \"\(selector)\"")
        }
        if fromFile != nil && mode == .auto { throw ValidationError("--from-file needs --mode (which dump is it?)") }
        if pod != nil && netns != nil { throw ValidationError("--pod and --netns exclude each other") }
    }

    func run() throws {
        let modes: [DataplaneMode] = mode == .auto ? DataplaneMode.allCases : [DataplaneMode(rawValue: mode.rawValue)!]
        let namespace = try netns ?? pod.map { try PodNetworkNamespace.path(of: $0, discovery: discovery) }
        let reader = ServiceTableReader(modes: modes, netnsPath: namespace, fromFile: fromFile, ciliumMaps: ciliumMaps)
        let result = reader.read()
        if mode != .auto, let problem = result.failures.first ?? result.absent.first { throw CLIError(problem) }
        for failure in result.failures { Renderer.warn("kspy: " + failure) }
        if result.frontends.isEmpty && !result.failures.isEmpty {
            throw CLIError("no dataplane could be read (\(result.failures.joined(separator: "; ")))")
        }
        if result.frontends.isEmpty && result.failures.isEmpty {
            let searched = result.absent.isEmpty ? "searched: " + modes.map(\.rawValue).joined(separator: ", ") : result.absent.joined(separator: "; ")
            Renderer.warn("kspy: no service dataplane found (" + searched + ")")
        }
        let podsByIP = fromFile == nil ? localPods() : [:]
        var frontends = result.frontends
        if let selector = selector.flatMap(ServiceSelector.init) { frontends = frontends.filter(selector.matches) }
        for index in frontends.indices { frontends[index].markLocal(podsByIP) }
        if output.format == .json {
            // Tens of thousands of frontends: streamed, byte-identical to Renderer.json.
            try ServiceFrontendJSON.write(frontends)
        } else {
            try Renderer.emit(frontends, format: output.format) { wide in Self.table(frontends, wide: wide) }
        }
        if !result.failures.isEmpty { throw ExitCode.failure }
    }

    /// Pod IPs on this node, from discovery.
    private func localPods() -> [String: LocalPod] {
        guard let snapshot = try? discovery.snapshot(readsNamespaces: false) else { return [:] }
        var result: [String: LocalPod] = [:]
        for (ip, pod) in PodAddressIndex(snapshot: snapshot).podsByIP {
            result[ip] = LocalPod(
                podUID: pod.uid, podName: pod.identity?.name, podNamespace: pod.identity?.namespace, containerName: nil)
        }
        return result
    }

    static func table(_ frontends: [ServiceFrontend], wide: Bool) -> Table {
        var headers = ["MODE", "FRONTEND", "KIND", "NAME", "ENDPOINTS"]
        if wide { headers += ["AFFINITY", "NOTES"] }
        var table = Table(headers: headers)
        for frontend in frontends {
            // An IPVS fwmark frontend (`fwmark:N`) is no address to bracket.
            let address =
                frontend.vip.hasPrefix("fwmark")
                ? "\(frontend.vip):\(frontend.port)" : AddressPort.text(frontend.vip, port: frontend.port)
            let endpoints = frontend.endpoints.map { endpoint in
                var text =
                    AddressPort.text(endpoint.ip, port: endpoint.port)
                    + " \(Int((endpoint.weight * 1000).rounded()) / 10)%"
                if let local = endpoint.local {
                    text +=
                        " ("
                        + (local.podNamespace.flatMap { ns in local.podName.map { ns + "/" + $0 } } ?? local.podUID)
                        + ")"
                }
                return text
            }
            var row = [
                frontend.mode.rawValue, "\(address)/\(frontend.protocol)", frontend.kind.rawValue,
                frontend.name ?? "-", endpoints.isEmpty ? "<none>" : endpoints.joined(separator: ", "),
            ]
            if wide {
                row += [
                    frontend.affinity.map { "\($0.type) \($0.timeoutSeconds.map { "\($0)s" } ?? "")" } ?? "-",
                    frontend.notes.joined(separator: "; "),
                ]
            }
            table.rows.append(row)
        }
        return table
    }
}
