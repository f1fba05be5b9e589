import Glibc

/// Wall-clock timestamps for trace events: RFC 3339 in UTC with nanoseconds
/// (`2026-11-26T12:00:00.123456789Z`), and the conversion of the kernel's boot-time
/// based clocks (BPF `bpf_ktime_get_ns` is CLOCK_MONOTONIC, /dev/kmsg records carry
/// microseconds of CLOCK_MONOTONIC too) into wall time.
public enum EventTime {
    /// Nanoseconds since the epoch now (CLOCK_REALTIME).
    public static func nowNanoseconds() -> Int64 { read(CLOCK_REALTIME) }

    /// Nanoseconds of CLOCK_MONOTONIC now.
    public static func monotonicNanoseconds() -> Int64 { read(CLOCK_MONOTONIC) }

    /// The wall time of a CLOCK_MONOTONIC instant, using the current offset between
    /// the two clocks (good to the precision a log needs; NTP steps in between shift it).
    public static func wallNanoseconds(fromMonotonic monotonic: Int64) -> Int64 {
        nowNanoseconds() - (monotonicNanoseconds() - monotonic)
    }

    /// `nanoseconds` since the epoch as RFC 3339 UTC with nine fractional digits.
    public static func rfc3339(_ nanoseconds: Int64) -> String {
        var seconds = time_t(nanoseconds / 1_000_000_000)
        let fraction = Int(nanoseconds % 1_000_000_000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        let digits = String(fraction)
        return pad(parts.tm_year + 1900, 4) + "-" + pad(parts.tm_mon + 1, 2) + "-" + pad(parts.tm_mday, 2) + "T"
            + pad(parts.tm_hour, 2) + ":" + pad(parts.tm_min, 2) + ":" + pad(parts.tm_sec, 2) + "."
            + String(repeating: "0", count: 9 - digits.count) + digits + "Z"
    }

    private static func read(_ clock: clockid_t) -> Int64 {
        var now = timespec()
        clock_gettime(clock, &now)
        return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
    }
}
