import Foundation
import Glibc

/// Runs external commands and measures their wall time.
enum CommandTimer {
    /// The result of one timed command.
    struct Run {
        let seconds: Double
        let status: Int32
        let output: String
    }

    /// Runs `arguments` (first = program path) and returns its wall time, exit status and
    /// combined output.
    static func run(_ arguments: [String], environment: [String: String]? = nil) throws -> Run {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: arguments[0])
        process.arguments = Array(arguments.dropFirst())
        if let environment { process.environment = environment }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        let start = now()
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let elapsed = now() - start
        return Run(seconds: elapsed, status: process.terminationStatus, output: String(decoding: data, as: UTF8.self))
    }

    /// Runs and fails with the command's output when it exits non-zero.
    @discardableResult
    static func mustRun(_ arguments: [String]) throws -> Run {
        let result = try run(arguments)
        if result.status != 0 {
            throw BenchError("\(arguments.joined(separator: " ")) exited \(result.status): \(result.output)")
        }
        return result
    }

    static func now() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }

    /// The absolute path of `program` on PATH, or nil.
    static func which(_ program: String) -> String? {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/sbin:/usr/bin:/sbin:/bin").split(separator: ":") {
            let path = "\(dir)/\(program)"
            if access(path, X_OK) == 0 { return path }
        }
        return nil
    }
}

/// A benchmark could not run.
struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { description = message }
}

/// Medians and ratios.
enum Stats {
    static func median(_ values: [Double]) -> Double {
        guard !values.isEmpty else { return .nan }
        let sorted = values.sorted()
        let mid = sorted.count / 2
        return sorted.count % 2 == 0 ? (sorted[mid - 1] + sorted[mid]) / 2 : sorted[mid]
    }

    static func milliseconds(_ seconds: Double) -> String {
        String(format: "%.2f ms", seconds * 1000)
    }
}
