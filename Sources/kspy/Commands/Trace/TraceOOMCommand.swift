import ArgumentParser
import KspyInspect
import KspyKernel
import KspyTrace

/// `kspy trace oom`: what the OOM killer kills, by pod and container.
struct TraceOOMCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "oom",
        abstract: "Stream OOM kills with pod, container and the memory limit that was hit.",
        discussion: """
            Sources, tried in this order unless --source picks one: bpf (the oom:mark_victim \
            tracepoint, with the victim's memory figures), cgroup (memory.events / \
            memory.oom_control notifications of every pod cgroup), kmsg (the kernel's OOM report \
            in /dev/kmsg). The source used is stated once on stderr.
            """)

    enum Source: String, ExpressibleByArgument, CaseIterable {
        case auto, bpf, cgroup, kmsg
    }

    @Option(help: "Event source: auto, bpf, cgroup or kmsg.")
    var source: Source = .auto

    @Option(help: ArgumentHelp("Replay the OOM kills of this long ago from the kernel log first (e.g. 1h); uses the kmsg source.", valueName: "duration"))
    var since: Duration?

    @OptionGroup var trace: TraceOptions
    @OptionGroup var discovery: DiscoveryOptions

    func validate() throws {
        if since != nil, source != .auto, source != .kmsg {
            throw ValidationError("--since replays the kernel log: it works with --source kmsg (or auto) only")
        }
    }

    func run() throws {
        let signalFD = TraceRunner<OOMKillEvent>.stopSignals()
        let chosen = try openSource()
        let system = try? CgroupSystem.current()
        let enricher = OOMEventEnricher(namer: CgroupEventNamer(sources: discovery.sources), system: system)
        let filter = trace.filter
        let runner = TraceRunner<OOMKillEvent>(
            options: trace, source: chosen.name,
            header: ["TIME", "POD", "CONTAINER", "PID", "COMM", "LIMIT", "SOURCE"],
            row: { event in
                let pod = event.pod.podUID.map { uid in
                    event.pod.podNamespace.flatMap { ns in event.pod.podName.map { ns + "/" + $0 } } ?? "<unnamed>/" + uid
                } ?? "-"
                return [
                    EventTime.rfc3339(event.timeNanoseconds), pod, event.pod.containerName ?? "-",
                    event.pid.map(String.init) ?? "-", event.comm ?? "-",
                    event.memoryLimitBytes.map(String.init) ?? "-", event.source,
                ]
            })
        let source = chosen
        let status = runner.run(
            signalFD: signalFD, produce: { queue, stop in source.run(into: queue, stop: stop) },
            prepare: { event in
                let named = enricher.enrich(event)
                return filter.matches(named.pod) ? named : nil
            })
        if status != 0 { throw ExitCode(status) }
    }

    /// The source to use: the forced one, or the first of bpf, cgroup, kmsg that opens.
    /// States the choice (and why earlier ones were skipped) once on stderr.
    private func openSource() throws -> any OOMEventSource {
        var order: [Source] = source == .auto ? [.bpf, .cgroup, .kmsg] : [source]
        if since != nil { order = [.kmsg] }
        var skipped: [String] = []
        for candidate in order {
            do {
                let opened: any OOMEventSource
                switch candidate {
                case .bpf: opened = try BPFOOMSource()
                case .cgroup: opened = try CgroupOOMSource(system: CgroupSystem.current())
                case .kmsg, .auto: opened = try KmsgOOMSource(since: since?.seconds)
                }
                let why = skipped.isEmpty ? "" : " (" + skipped.joined(separator: "; ") + ")"
                Renderer.warn("kspy: tracing OOM kills with source \(opened.name)\(why)")
                return opened
            } catch {
                skipped.append("\(candidate.rawValue) unavailable: \(error)")
            }
        }
        throw CLIError("no OOM event source could be opened: " + skipped.joined(separator: "; "))
    }
}
