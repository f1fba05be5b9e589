import Glibc
import Synchronization

/// A NETLINK_GENERIC socket that sends one request at a time and returns the kernel's
/// reply as bytes (`GenericNetlinkTransport`). Each request gets the next sequence
/// number; replies with another sequence number or port id (left over from an
/// abandoned request) are skipped. The socket belongs to the network namespace it was
/// created in, for its whole life — generic netlink families such as IPVS answer for
/// that namespace.
///
/// Unlike `NetlinkSocket` (NETLINK_ROUTE) it sends the request's flags unchanged, so a
/// dump goes out as NLM_F_REQUEST | NLM_F_DUMP exactly as ipvsadm/libnl send it, and
/// `nlmsg_pid` as given (0: the kernel fills in the sender's port id).
public final class GenericNetlinkSocket: GenericNetlinkTransport {
    private struct State {
        var fd: Int32
        var sequence: UInt32
        var buffer: [UInt8]
    }

    private let state: Mutex<State>
    private static let netlinkProtocol = GenericNetlinkConstants.NETLINK_GENERIC
    private static let name = "NETLINK_GENERIC"
    /// The port id the kernel assigned at bind(2).
    public let portID: UInt32

    private init(descriptor: Int32) throws(NetlinkError) {
        portID = try NetlinkDescriptor.configure(descriptor, name: Self.name)
        state = Mutex(
            State(fd: descriptor, sequence: 0, buffer: [UInt8](repeating: 0, count: NetlinkSocket.initialBufferSize)))
    }

    /// Opens a NETLINK_GENERIC socket in the calling thread's network namespace.
    /// - Throws: `NetlinkError.system` when socket(2) or bind(2) fails.
    public convenience init() throws(NetlinkError) {
        try self.init(descriptor: NetlinkDescriptor.openBound(protocol: Self.netlinkProtocol, name: Self.name))
    }

    /// Opens the socket in the network namespace of `namespaceFD` (a netns fd or a
    /// pidfd) from a helper thread that joined it; the calling thread stays where it is.
    /// - Throws: `NetlinkError.system` from setns(2), socket(2) or bind(2).
    public convenience init(networkNamespaceFD namespaceFD: Int32) throws(NetlinkError) {
        try self.init(
            descriptor: NetlinkDescriptor.openBound(
                protocol: Self.netlinkProtocol, name: Self.name, networkNamespaceFD: namespaceFD))
    }

    /// Opens the socket in the network namespace at `netnsPath` (`/proc/<pid>/ns/net`,
    /// `/run/netns/<name>`).
    public convenience init(netnsPath: String) throws(NetlinkError) {
        try self.init(
            descriptor: NetlinkDescriptor.openBound(protocol: Self.netlinkProtocol, name: Self.name, netnsPath: netnsPath))
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

    /// See `GenericNetlinkTransport.exchange`. A dump whose reply is flagged
    /// NLM_F_DUMP_INTR is repeated (up to `NetlinkSocket.dumpAttempts` times).
    public func exchange(_ request: NetlinkMessage, description: String) throws(NetlinkError) -> [UInt8] {
        let isDump = request.has(flag: NetlinkConstants.NLM_F_DUMP)
        for _ in 0..<(isDump ? NetlinkSocket.dumpAttempts : 1) {
            let collector = try state.withLock { (state) throws(NetlinkError) in
                try exchange(request, name: description, state: &state)
            }
            if !collector.isInterrupted { return collector.bytes }
        }
        throw .kernel(errno: EINTR, request: description, message: "dump interrupted by concurrent changes")
    }

    private func exchange(_ request: NetlinkMessage, name: String, state: inout State) throws(NetlinkError)
        -> NetlinkReplyCollector
    {
        guard state.fd >= 0 else { throw .system(KernelError("send", name, errno: EBADF)) }
        state.sequence = state.sequence &+ 1
        var outgoing = request
        outgoing.sequence = state.sequence
        try NetlinkDescriptor.send(try outgoing.encoded(), fd: state.fd, name: name)
        var collector = NetlinkReplyCollector(sequence: state.sequence, portID: portID, request: name)
        while !collector.isComplete {
            let count = try NetlinkDescriptor.receive(fd: state.fd, into: &state.buffer, name: name)
            try collector.add(datagram: state.buffer[0..<count])
        }
        return collector
    }


}
