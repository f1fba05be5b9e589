import Glibc
import Synchronization

/// A NETLINK_ROUTE socket (netlink(7), rtnetlink(7)) that sends one request at a time
/// and collects the kernel's replies. Each request gets the next sequence number; the
/// kernel copies it (and our port id) into every reply, so stale replies are skipped.
/// The socket belongs to the network namespace it was created in, for its whole life.
///
/// Requests are serialized by a mutex, so one socket may be shared between threads.
public final class NetlinkSocket: Sendable {
    /// Receive buffer size to start with; grown when the kernel queues a larger datagram
    /// (detected with MSG_PEEK | MSG_TRUNC, which returns the real datagram length).
    public static let initialBufferSize = 64 * 1024
    /// How errors name the socket's protocol.
    static let name = "NETLINK_ROUTE"
    /// How often a dump is repeated when the kernel flags it NLM_F_DUMP_INTR (the
    /// objects changed while it was being dumped).
    public static let dumpAttempts = 5

    private struct State {
        var fd: Int32
        var sequence: UInt32
        var buffer: [UInt8]
    }

    private let state: Mutex<State>
    /// The port id the kernel assigned at bind(2) (`nl_pid` of our `sockaddr_nl`).
    public let portID: UInt32

    private init(descriptor: Int32) throws(NetlinkError) {
        portID = try NetlinkDescriptor.configure(descriptor, name: Self.name)
        state = Mutex(
            State(fd: descriptor, sequence: 0, buffer: [UInt8](repeating: 0, count: NetlinkSocket.initialBufferSize)))
    }

    /// Opens a NETLINK_ROUTE socket in the calling thread's network namespace.
    /// - Throws: `NetlinkError.system` when socket(2) or bind(2) fails.
    public convenience init() throws(NetlinkError) {
        try self.init(descriptor: NetlinkDescriptor.openBound(protocol: NetlinkConstants.NETLINK_ROUTE, name: Self.name))
    }

    /// Opens the socket in the network namespace of `namespaceFD` (a `/proc/<pid>/ns/net`
    /// or `/run/netns/<name>` descriptor, or a pidfd) by creating it on a helper thread
    /// that joined that namespace (`NetworkNamespaceThread`); the calling thread stays
    /// where it is.
    /// - Throws: `NetlinkError.system` from setns(2) (EINVAL: not a netns), socket or bind.
    public convenience init(networkNamespaceFD namespaceFD: Int32) throws(NetlinkError) {
        try self.init(
            descriptor: NetlinkDescriptor.openBound(
                protocol: NetlinkConstants.NETLINK_ROUTE, name: Self.name, networkNamespaceFD: namespaceFD))
    }

    /// Opens the socket in the network namespace of the process behind `pidfd`
    /// (setns(2) accepts a pidfd with CLONE_NEWNET since Linux 5.8).
    public convenience init(inNetworkNamespaceOf pidfd: Pidfd) throws(NetlinkError) {
        try self.init(networkNamespaceFD: pidfd.fd)
    }

    /// Opens the socket in the network namespace at `netnsPath` (e.g.
    /// `/proc/1234/ns/net` or `/run/netns/blue`).
    /// - Throws: `NetlinkError.system` when the path cannot be opened or is no netns.
    public convenience init(netnsPath: String) throws(NetlinkError) {
        try self.init(
            descriptor: NetlinkDescriptor.openBound(
                protocol: NetlinkConstants.NETLINK_ROUTE, name: Self.name, netnsPath: netnsPath))
    }

    deinit {
        close()
    }

    /// Closes the socket (idempotent); later requests fail with EBADF.
    public func close() {
        state.withLock { state in
            if state.fd >= 0 {
                Glibc.close(state.fd)
                state.fd = -1
            }
        }
    }

    /// Sends `message` with NLM_F_REQUEST | NLM_F_ACK added and returns the kernel's
    /// replies: for a dump (NLM_F_DUMP) every message up to NLMSG_DONE, otherwise every
    /// message before the ACK (an NLMSG_ERROR with error 0), across as many recv(2)
    /// calls as it takes. A dump flagged NLM_F_DUMP_INTR is repeated.
    /// - Parameter description: names the request in errors ("add address 10.0.0.1/24 to
    ///   link 3"); defaults to the message type.
    /// - Throws: `NetlinkError.kernel` with the errno of a non-zero NLMSG_ERROR (or a
    ///   negative NLMSG_DONE status), `.malformed` for unparsable replies, `.system` when
    ///   sendto/recv fail (EAGAIN after a 30 s receive timeout).
    public func request(_ message: NetlinkMessage, description: String? = nil) throws(NetlinkError)
        -> [NetlinkMessage]
    {
        let name = description ?? "netlink request type \(message.type)"
        let isDump = message.has(flag: NetlinkConstants.NLM_F_DUMP)
        for _ in 0..<(isDump ? NetlinkSocket.dumpAttempts : 1) {
            let (replies, interrupted) = try state.withLock { (state) throws(NetlinkError) in
                try exchange(message, name: name, state: &state)
            }
            if !interrupted { return replies }
        }
        throw .kernel(errno: EINTR, request: name, message: "dump interrupted by concurrent changes")
    }

    /// One send and the receive loop, under the lock.
    private func exchange(_ message: NetlinkMessage, name: String, state: inout State)
        throws(NetlinkError) -> (replies: [NetlinkMessage], interrupted: Bool)
    {
        guard state.fd >= 0 else { throw .system(KernelError("send", name, errno: EBADF)) }
        state.sequence = state.sequence &+ 1
        let sequence = state.sequence
        var outgoing = message
        outgoing.flags |= NetlinkConstants.NLM_F_REQUEST | NetlinkConstants.NLM_F_ACK
        outgoing.sequence = sequence
        outgoing.portID = portID
        try NetlinkDescriptor.send(try outgoing.encoded(), fd: state.fd, name: name)

        var replies: [NetlinkMessage] = []
        var interrupted = false
        while true {
            let count = try NetlinkDescriptor.receive(fd: state.fd, into: &state.buffer, name: name)
            for reply in try NetlinkMessage.parseAll(state.buffer[0..<count]) {
                // Replies to an earlier request that was abandoned (e.g. after a timeout).
                guard reply.sequence == sequence, reply.portID == portID else { continue }
                switch reply.type {
                case NetlinkConstants.NLMSG_NOOP:
                    continue
                case NetlinkConstants.NLMSG_ERROR:
                    let status = try NetlinkSocket.errorStatus(of: reply)
                    if status.error == 0 { return (replies, interrupted) }
                    throw .kernel(errno: -status.error, request: name, message: status.message)
                case NetlinkConstants.NLMSG_DONE:
                    if let error = NetlinkBytes.load(Int32.self, from: reply.payload, at: 0), error < 0 {
                        let message = try? NetlinkSocket.extendedAckMessage(in: reply, at: 4)
                        throw .kernel(errno: -error, request: name, message: message ?? nil)
                    }
                    return (replies, interrupted)
                case NetlinkConstants.NLMSG_OVERRUN:
                    throw .kernel(errno: ENOBUFS, request: name, message: "NLMSG_OVERRUN: data lost")
                default:
                    if reply.has(flag: NetlinkConstants.NLM_F_DUMP_INTR) { interrupted = true }
                    replies.append(reply)
                }
            }
        }
    }



    /// The error field of an NLMSG_ERROR (`struct nlmsgerr`: int error, then the
    /// request's nlmsghdr) and the NLMSGERR_ATTR_MSG text when the kernel added one.
    static func errorStatus(of reply: NetlinkMessage) throws(NetlinkError) -> (error: Int32, message: String?) {
        guard let error = NetlinkBytes.load(Int32.self, from: reply.payload, at: 0) else {
            throw .malformed("NLMSG_ERROR with \(reply.payload.count) bytes of payload")
        }
        if error == 0 { return (0, nil) }
        // The TLVs follow the echoed request: only its header when capped.
        var offset = 4 + NetlinkConstants.NLMSG_HDRLEN
        if !reply.has(flag: NetlinkConstants.NLM_F_CAPPED),
            let echoedLength = NetlinkBytes.load(UInt32.self, from: reply.payload, at: 4)
        {
            offset = 4 + NetlinkBytes.align(Int(echoedLength))
        }
        let message = try? extendedAckMessage(in: reply, at: offset)
        return (error, message ?? nil)
    }

    /// NLMSGERR_ATTR_MSG from the extended-ACK TLVs at `offset`, when NLM_F_ACK_TLVS is set.
    private static func extendedAckMessage(in reply: NetlinkMessage, at offset: Int) throws(NetlinkError) -> String? {
        guard reply.has(flag: NetlinkConstants.NLM_F_ACK_TLVS), offset < reply.payload.count else { return nil }
        let attributes = try NetlinkAttribute.parseAll(reply.payload[offset...])
        return attributes.attribute(NetlinkConstants.NLMSGERR_ATTR_MSG)?.string
    }
}
