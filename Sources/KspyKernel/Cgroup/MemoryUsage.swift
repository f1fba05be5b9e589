/// Memory usage of a cgroup: v1 `memory.usage_in_bytes`, `memory.max_usage_in_bytes`,
/// `memory.failcnt` (cgroup-v1/memory.rst; failcnt counts limit hits, not kills) or
/// v2 `memory.current`, `memory.peak` (cgroup-v2.rst; `memory.peak` since 5.19).
public struct MemoryUsage: Hashable, Sendable {
    /// Current usage in bytes.
    public var usageBytes: UInt64?
    /// Highest usage recorded (v1 max_usage_in_bytes, v2 memory.peak when present).
    public var peakBytes: UInt64?
    /// v1 only: how often usage hit the limit.
    public var failCount: UInt64?

    /// Creates a usage value from its parts.
    public init(usageBytes: UInt64? = nil, peakBytes: UInt64? = nil, failCount: UInt64? = nil) {
        self.usageBytes = usageBytes
        self.peakBytes = peakBytes
        self.failCount = failCount
    }

    /// Parses a single-number cgroup file (`memory.current`, `memory.failcnt`, …);
    /// nil for empty or non-numeric text. v2 `memory.peak` is a single number too.
    public static func parseValue(_ text: String) -> UInt64? {
        UInt64(ProcText.trim(text))
    }
}
