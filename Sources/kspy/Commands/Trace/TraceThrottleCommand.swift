import ArgumentParser
import KspyKernel
import KspyTrace

/// `kspy trace throttle`: containers the CFS bandwidth controller throttles.
struct TraceThrottleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "throttle",
        abstract: "Stream containers whose CPU quota throttles them, by pod and container.",
        discussion: "Samples every container cgroup's cpu.stat each interval and reports those throttled in at least --min-ratio of the interval's CFS periods. New containers are picked up without a restart.")

    @Option(help: ArgumentHelp("Sampling interval (e.g. 1s, 500ms).", valueName: "duration"))
    var interval: Duration = Duration(seconds: 1)

    @Option(help: ArgumentHelp("Report a container when throttled periods / periods in an interval is at least this.", valueName: "ratio"))
    var minRatio: Double = 0.05

    @OptionGroup var trace: TraceOptions
    @OptionGroup var discovery: DiscoveryOptions

    func validate() throws {
        if interval.seconds < 0.05 { throw ValidationError("--interval must be at least 50ms") }
        if !(0...1).contains(minRatio) { throw ValidationError("--min-ratio must be between 0 and 1") }
    }

    func run() throws {
        let signalFD = TraceRunner<CPUThrottleEvent>.stopSignals()
        let sampler: ThrottleSampler
        RereadableFile.raiseDescriptorLimit()  // one held cpu.stat per container
        do {
            sampler = try ThrottleSampler(
                system: try CgroupSystem.current(), intervalSeconds: interval.seconds, minRatio: minRatio)
        } catch {
            throw CLIError("cannot sample CPU throttling: \(error)")
        }
        let namer = CgroupEventNamer(sources: discovery.sources)
        let filter = trace.filter
        Renderer.warn("kspy: sampling cpu.stat of every container cgroup every \(interval.seconds)s")
        let runner = TraceRunner<CPUThrottleEvent>(
            options: trace, source: "cpu.stat",
            header: ["TIME", "POD", "CONTAINER", "RATIO", "THROTTLED", "QUOTA"],
            row: { event in
                let pod = event.pod.podUID.map { uid in
                    event.pod.podNamespace.flatMap { ns in event.pod.podName.map { ns + "/" + $0 } } ?? "<unnamed>/" + uid
                } ?? "-"
                let quota = event.cpuQuotaMicros.map { "\($0)/\(event.cpuPeriodMicros ?? 0)us" } ?? "-"
                return [
                    EventTime.rfc3339(event.timeNanoseconds), pod, event.pod.containerName ?? "-",
                    String(format2(event.throttledRatio)), String(format2(event.throttledSeconds)) + "s", quota,
                ]
            })
        let status = runner.run(
            signalFD: signalFD, produce: { queue, stop in sampler.run(into: queue, stop: stop) },
            prepare: { event in
                var named = event
                named.pod = namer.attribution(cgroupPath: event.cgroupPath)
                return filter.matches(named.pod) ? named : nil
            })
        if status != 0 { throw ExitCode(status) }
    }
}

/// `value` with two decimals.
private func format2(_ value: Double) -> String {
    let scaled = (value * 100).rounded()
    let whole = Int(scaled) / 100
    let fraction = abs(Int(scaled)) % 100
    return "\(whole)." + (fraction < 10 ? "0" : "") + String(fraction)
}
