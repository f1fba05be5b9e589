import CKspyShim
import Foundation
import Glibc
import KspyTrace

/// Runs one trace: a producer thread fills a bounded queue, the main thread names,
/// filters and writes each event (NDJSON flushed per line, or a table row), and on
/// exit — count, timeout, SIGINT/SIGTERM/SIGHUP, closed output — the producer is
/// stopped and joined (so a BPF program is detached before kspy exits) and the summary
/// is written: as the last NDJSON line, and on stderr.
struct TraceRunner<Event: Encodable & Sendable> {
    var options: TraceOptions
    var source: String
    /// The table header and one row per event.
    var header: [String]
    var row: (Event) -> [String]

    /// Blocks SIGINT/SIGTERM/SIGHUP into a signalfd; call before any thread starts.
    static func stopSignals() -> Int32 {
        signal(SIGPIPE, SIG_IGN)
        return kspy_stop_signalfd()
    }

    /// Runs `produce` on its own thread and streams its events. Returns the exit status.
    func run(
        signalFD: Int32, produce: @escaping @Sendable (BoundedEventQueue<Event>, StopFlag) -> Void,
        prepare: @escaping (Event) -> Event?
    ) -> Int32 {
        let queue = BoundedEventQueue<Event>(capacity: options.buffer)
        let stop = StopFlag()
        let finished = DispatchSemaphore(value: 0)
        let producer = Thread {
            produce(queue, stop)
            queue.close()
            finished.signal()
        }
        producer.start()

        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var widths = header.map(\.count)
        if options.format != .json { writeLine(formatRow(header, widths: &widths)) }
        let stream = TraceStream(
            queue: queue, stop: stop, count: options.count, timeoutSeconds: options.timeout?.seconds,
            signalFD: signalFD)
        let (written, ending) = stream.run(prepare: prepare) { event in
            let line: String
            if options.format == .json {
                line = String(decoding: try encoder.encode(event), as: UTF8.self)
            } else {
                line = formatRow(row(event), widths: &widths)
            }
            if !writeLine(line) { throw CLIError("output closed") }
        }
        stop.stop()
        finished.wait()
        let summary = TraceSummary(events: written, dropped: queue.dropped, source: source)
        if options.format == .json, let data = try? encoder.encode(summary) {
            writeLine(String(decoding: data, as: UTF8.self))
        }
        Renderer.warn(
            "kspy: \(written) events, \(summary.dropped) dropped (source \(source); ended by \(ending.rawValue))")
        return 0
    }

    /// Table rows padded to the widths seen so far (a stream cannot wait for the widest).
    private func formatRow(_ cells: [String], widths: inout [Int]) -> String {
        var text = ""
        for (index, cell) in cells.enumerated() {
            if index < widths.count { widths[index] = max(widths[index], cell.count) }
            let width = index < widths.count ? widths[index] : cell.count
            text += index == cells.count - 1 ? cell : cell + String(repeating: " ", count: width - cell.count + 3)
        }
        return text
    }

    /// Writes `line` and a newline to stdout with write(2) (no buffering: one event is
    /// visible downstream as soon as it is written); false when stdout is closed.
    @discardableResult
    private func writeLine(_ line: String) -> Bool {
        var bytes = Array((line + "\n").utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeMutableBytes { Glibc.write(1, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                return false
            }
            offset += n
        }
        return true
    }
}
