import ArgumentParser
import KspyInspect
import KspyKernel

/// `kspy pid PID...`: which pod and container each process belongs to.
struct PidCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pid",
        abstract: "Show the pod and container of each PID, with its namespaces and cgroup.",
        discussion: "A PID that does not exist is reported on stderr; the others are still answered and kspy exits non-zero.")

    @Argument(help: "Host PIDs.")
    var pids: [Int32]

    @OptionGroup var discovery: DiscoveryOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        if pids.isEmpty { throw ValidationError("give at least one PID") }
        if let bad = pids.first(where: { $0 <= 0 }) { throw ValidationError("invalid PID \(bad)") }
    }

    func run() throws {
        let snapshot = try discovery.snapshot()
        var answers: [ProcessView] = []
        var failed = false
        for pid in pids {
            if let record = snapshot.process(pid: pid) {
                answers.append(ProcessView(record: record, in: snapshot))
                continue
            }
            // Started after the scan: read it on its own.
            do {
                let record = try ProcessTableScanner().record(pid: pid)
                answers.append(ProcessView(record: record, in: snapshot))
            } catch {
                Renderer.warn("kspy: pid \(pid): " + (error.isGone ? "no such process" : error.description))
                failed = true
            }
        }
        try Renderer.emit(answers, format: output.format) { wide in
            var table = ProcessTable.make(answers, wide: wide)
            if !wide {
                table.headers.append("SHARED-WITH-PAUSE")
                for (index, answer) in answers.enumerated() {
                    let shared = answer.namespaces.filter { $0.value.sharedWithPause == true }.keys.sorted()
                    table.rows[index].append(answer.role == .host ? "-" : shared.joined(separator: ","))
                }
            }
            return table
        }
        if failed { throw ExitCode.failure }
    }
}
