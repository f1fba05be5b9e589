import Glibc

/// Something that sends one generic netlink request and returns the kernel's reply as
/// bytes: the live `GenericNetlinkSocket`, or `GenericNetlinkReplay` fed by recorded
/// exchanges. Decoders take the reply bytes, so the live socket and a recording go
/// through the same parsing code.
public protocol GenericNetlinkTransport: Sendable {
    /// Sends `request` with its flags as given (a non-dump request should carry
    /// NLM_F_ACK so the end of its reply is known) and the transport's next sequence
    /// number, and returns every message of the reply — up to and including the
    /// NLMSG_DONE of a dump or the ACK (NLMSG_ERROR with error 0) — as bytes, each
    /// message 4-byte aligned, in the order received.
    /// - Parameter description: names the request in errors.
    /// - Throws: `NetlinkError.kernel` when the kernel answered with an error (e.g.
    ///   ENOENT for an unknown family, EPERM without CAP_NET_ADMIN), `.malformed` when
    ///   the reply cannot be framed, `.system` when a syscall fails.
    func exchange(_ request: NetlinkMessage, description: String) throws(NetlinkError) -> [UInt8]
}

/// Collects the reply to one request from the datagrams a netlink socket receives
/// (or from recorded bytes): keeps the messages with the request's sequence number
/// (and port id, when known), stops at the NLMSG_DONE of a dump or at the ACK, and
/// turns an NLMSG_ERROR / negative NLMSG_DONE into `NetlinkError.kernel`. Shared by
/// the live socket and the replay so both end a reply the same way.
public struct NetlinkReplyCollector: Sendable {
    /// The sequence number of the request.
    public let sequence: UInt32
    /// The port id replies must carry; nil accepts any (replays).
    public let portID: UInt32?
    /// Names the request in errors.
    public let request: String
    /// The reply's messages so far, re-encoded (identical to the received bytes except
    /// for padding bytes, which are written as zeros).
    public private(set) var bytes: [UInt8] = []
    /// True once the NLMSG_DONE or the ACK arrived.
    public private(set) var isComplete = false
    /// True when a message of the reply had NLM_F_DUMP_INTR (the dump was inconsistent).
    public private(set) var isInterrupted = false

    /// Starts collecting the reply to the request with `sequence`.
    public init(sequence: UInt32, portID: UInt32?, request: String) {
        self.sequence = sequence
        self.portID = portID
        self.request = request
    }

    /// Adds one received datagram (or a whole recorded reply).
    /// - Throws: `NetlinkError.malformed` when the bytes cannot be framed into messages
    ///   (offsets are relative to `datagram`) or a message follows the end of the reply;
    ///   `.kernel` for an error reply.
    public mutating func add<C: Collection<UInt8>>(datagram: C) throws(NetlinkError) where C.Index == Int {
        let messages = try NetlinkMessage.parseAll(datagram)
        var offset = 0
        for message in messages {
            let here = offset
            offset += NetlinkBytes.align(NetlinkConstants.NLMSG_HDRLEN + message.payload.count)
            // Replies to an earlier request that was abandoned (e.g. after a timeout).
            guard message.sequence == sequence, portID == nil || message.portID == portID else { continue }
            if isComplete {
                throw .malformed("message type \(message.type) after the end of the reply at offset \(here)")
            }
            switch message.type {
            case NetlinkConstants.NLMSG_NOOP:
                continue
            case NetlinkConstants.NLMSG_ERROR:
                let status = try NetlinkSocket.errorStatus(of: message)
                guard status.error == 0 else {
                    throw .kernel(errno: -status.error, request: request, message: status.message)
                }
                isComplete = true
            case NetlinkConstants.NLMSG_DONE:
                if let error = NetlinkBytes.load(Int32.self, from: message.payload, at: 0), error < 0 {
                    throw .kernel(errno: -error, request: request, message: nil)
                }
                isComplete = true
            case NetlinkConstants.NLMSG_OVERRUN:
                throw .kernel(errno: ENOBUFS, request: request, message: "NLMSG_OVERRUN: data lost")
            default:
                if message.has(flag: NetlinkConstants.NLM_F_DUMP_INTR) { isInterrupted = true }
            }
            bytes.append(contentsOf: try message.encoded())
        }
    }
}
