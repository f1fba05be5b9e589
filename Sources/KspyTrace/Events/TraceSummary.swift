/// The last line of every trace stream: how many events were written, how many were
/// dropped (the reader fell behind, or the BPF ring buffer overran), and the source.
public struct TraceSummary: Encodable, Hashable, Sendable {
    /// Events written.
    public var events: Int
    /// Events lost.
    public var dropped: Int
    /// The source used (`bpf`, `cgroup`, `kmsg`, `cpu.stat`).
    public var source: String

    /// Creates a summary from its fields.
    public init(events: Int, dropped: Int, source: String) {
        self.events = events
        self.dropped = dropped
        self.source = source
    }

    private enum CodingKeys: String, CodingKey { case kind, events, dropped, source }

    /// Encodes `{kind: "summary", events, dropped, source}`.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode("summary", forKey: .kind)
        try c.encode(events, forKey: .events)
        try c.encode(dropped, forKey: .dropped)
        try c.encode(source, forKey: .source)
    }
}
