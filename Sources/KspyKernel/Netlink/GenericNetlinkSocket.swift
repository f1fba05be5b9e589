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
        var on: Int32 = 1
        _ = setsockopt(descriptor, NetlinkConstants.SOL_NETLINK, NetlinkConstants.NETLINK_EXT_ACK, &on, 4)
        _ = setsockopt(descriptor, NetlinkConstants.SOL_NETLINK, NetlinkConstants.NETLINK_CAP_ACK, &on, 4)
        var timeout = timeval(tv_sec: 30, tv_usec: 0)
        _ = setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = [UInt8](repeating: 0, count: 12)
        var length = socklen_t(address.count)
        let rc = address.withUnsafeMutableBytes { raw -> Int32 in
            guard let base = raw.baseAddress else { return -1 }
            return getsockname(descriptor, base.assumingMemoryBound(to: sockaddr.self), &length)
        }
        if rc != 0 {
            let error = KernelError.fromErrno("getsockname", "generic netlink socket")
            Glibc.close(descriptor)
            throw .system(error)
        }
        portID = NetlinkBytes.load(UInt32.self, from: address, at: 4) ?? 0
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
        try send(try outgoing.encoded(), fd: state.fd, name: name)
        var collector = NetlinkReplyCollector(sequence: state.sequence, portID: portID, request: name)
        while !collector.isComplete {
            let count = try receive(into: &state, name: name)
            try collector.add(datagram: state.buffer[0..<count])
        }
        return collector
    }

    private func send(_ bytes: [UInt8], fd: Int32, name: String) throws(NetlinkError) {
        let destination = NetlinkDescriptor.kernelAddress()
        while true {
            let sent = bytes.withUnsafeBytes { raw in
                destination.withUnsafeBytes { address -> Int in
                    guard let base = address.baseAddress else { return -1 }
                    return sendto(
                        fd, raw.baseAddress, raw.count, 0, base.assumingMemoryBound(to: sockaddr.self),
                        socklen_t(address.count))
                }
            }
            if sent < 0 && errno == EINTR { continue }
            if sent < 0 { throw .system(.fromErrno("sendto", name)) }
            if sent != bytes.count { throw .system(KernelError("short sendto", name, errno: EMSGSIZE)) }
            return
        }
    }

    /// Receives one datagram from the kernel into `state.buffer` (grown to the size
    /// MSG_PEEK | MSG_TRUNC reports) and returns its length; datagrams from senders
    /// other than the kernel are dropped.
    private func receive(into state: inout State, name: String) throws(NetlinkError) -> Int {
        while true {
            let fd = state.fd
            let needed = state.buffer.withUnsafeMutableBytes { raw in
                recv(fd, raw.baseAddress, raw.count, Int32(MSG_PEEK) | Int32(MSG_TRUNC))
            }
            if needed < 0 {
                if errno == EINTR { continue }
                throw .system(.fromErrno("recv", name))
            }
            if needed > state.buffer.count {
                state.buffer = [UInt8](repeating: 0, count: NetlinkBytes.align(needed))
            }
            var sender = [UInt8](repeating: 0, count: 12)
            var senderLength = socklen_t(sender.count)
            let received = state.buffer.withUnsafeMutableBytes { raw in
                sender.withUnsafeMutableBytes { address -> Int in
                    guard let base = address.baseAddress else { return -1 }
                    return recvfrom(
                        fd, raw.baseAddress, raw.count, Int32(MSG_TRUNC), base.assumingMemoryBound(to: sockaddr.self),
                        &senderLength)
                }
            }
            if received < 0 {
                if errno == EINTR { continue }
                throw .system(.fromErrno("recvfrom", name))
            }
            if received > state.buffer.count {
                throw .malformed("datagram of \(received) bytes truncated to \(state.buffer.count)")
            }
            if let senderPort = NetlinkBytes.load(UInt32.self, from: sender, at: 4), senderPort != 0 { continue }
            return received
        }
    }
}
