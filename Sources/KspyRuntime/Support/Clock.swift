import Foundation
import Glibc

/// Seconds on CLOCK_MONOTONIC, for timeouts and back-off that wall-clock changes must
/// not disturb.
enum Monotonic {
    static func seconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }
}

/// RFC 3339 timestamps in UTC, as Kubernetes shows them.
enum Timestamp {
    static func now() -> String {
        Date().formatted(.iso8601)
    }
}

/// The node's memory capacity (MemTotal of /proc/meminfo), which kubelet's
/// oom_score_adj formula for Burstable pods divides by.
enum NodeMemory {
    static func capacityBytes() -> Int64 {
        guard let text = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8) else { return 1 << 34 }
        for line in text.split(separator: "\n") where line.hasPrefix("MemTotal:") {
            let fields = line.split(separator: " ")
            if fields.count >= 2, let kib = Int64(fields[1]) { return kib * 1024 }
        }
        return 1 << 34
    }
}
