import Synchronization

/// A `GenericNetlinkTransport` that answers from recorded exchanges instead of the
/// kernel: each request is encoded, matched byte for byte against the recorded
/// requests (ignoring `nlmsg_seq` and `nlmsg_pid`, which change from run to run), and
/// the recorded reply goes through the same `NetlinkReplyCollector` as a live reply.
/// A request that was not recorded fails, so code using it proves it sends exactly
/// the recorded bytes.
public final class GenericNetlinkReplay: GenericNetlinkTransport {
    /// One recorded request and every byte received for it.
    public struct Exchange: Sendable {
        /// The request exactly as sent (an encoded netlink message).
        public var request: [UInt8]
        /// The reply bytes, all messages concatenated in order.
        public var reply: [UInt8]

        /// Creates an exchange.
        public init(request: [UInt8], reply: [UInt8]) {
            self.request = request
            self.reply = reply
        }
    }

    private let exchanges: [Exchange]
    private let state = Mutex<(used: Set<Int>, sent: [[UInt8]])>(([], []))

    /// Answers from `exchanges`.
    public init(exchanges: [Exchange]) {
        self.exchanges = exchanges
    }

    /// The requests sent so far, encoded with sequence number 0 and port id as given.
    public var sentRequests: [[UInt8]] { state.withLock { $0.sent } }

    /// An encoded message with `nlmsg_seq` and `nlmsg_pid` (bytes 8…15) zeroed, the form
    /// in which requests are compared with the recorded ones.
    public static func normalized(_ request: [UInt8]) -> [UInt8] {
        var bytes = request
        for index in 8..<min(16, bytes.count) { bytes[index] = 0 }
        return bytes
    }

    /// Finds the first unused recorded exchange whose request equals `request` (seq and
    /// pid ignored; a used one when every match was used) and replays its reply.
    /// - Throws: `NetlinkError.invalidArgument` when no recorded request matches; what
    ///   the collector throws for the reply (kernel errors, framing); `.malformed` when
    ///   the recorded reply ends before its NLMSG_DONE / ACK.
    public func exchange(_ request: NetlinkMessage, description: String) throws(NetlinkError) -> [UInt8] {
        var outgoing = request
        outgoing.sequence = 0
        let key = GenericNetlinkReplay.normalized(try outgoing.encoded())
        let index: Int? = state.withLock { state in
            state.sent.append(key)
            let matches = exchanges.indices.filter { GenericNetlinkReplay.normalized(exchanges[$0].request) == key }
            guard let chosen = matches.first(where: { !state.used.contains($0) }) ?? matches.first else { return nil }
            state.used.insert(chosen)
            return chosen
        }
        guard let index else {
            throw .invalidArgument("\(description): request not in the recording (\(key.count) bytes)")
        }
        let exchange = exchanges[index]
        let sequence = NetlinkBytes.load(UInt32.self, from: exchange.request, at: 8) ?? 0
        var collector = NetlinkReplyCollector(sequence: sequence, portID: nil, request: description)
        try collector.add(datagram: exchange.reply)
        guard collector.isComplete else {
            throw .malformed("reply ends at offset \(exchange.reply.count) before its NLMSG_DONE or ACK")
        }
        return collector.bytes
    }
}
