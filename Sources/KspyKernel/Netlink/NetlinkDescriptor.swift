import Glibc

/// Opening netlink sockets, shared by every netlink client (rtnetlink, generic
/// netlink): socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, protocol) bound with nl_pid 0
/// so the kernel assigns the port id (netlink(7)), in the calling thread's network
/// namespace or — through a helper thread that joined it — in another one. A netlink
/// socket belongs to the namespace it was created in for its whole life.
public enum NetlinkDescriptor {
    /// A bound socket of `netlinkProtocol` (NETLINK_ROUTE, NETLINK_GENERIC, …) in the
    /// calling thread's network namespace; `name` labels errors.
    /// - Throws: `NetlinkError.system` when socket(2) or bind(2) fails.
    public static func openBound(protocol netlinkProtocol: Int32, name: String) throws(NetlinkError) -> Int32 {
        let fd = socket(NetlinkConstants.AF_NETLINK, Int32(SOCK_RAW.rawValue) | Int32(SOCK_CLOEXEC.rawValue), netlinkProtocol)
        if fd < 0 { throw .system(.fromErrno("socket", "AF_NETLINK \(name)")) }
        let address = kernelAddress()
        let rc = address.withUnsafeBytes { raw -> Int32 in
            guard let base = raw.baseAddress else { return -1 }
            return bind(fd, base.assumingMemoryBound(to: sockaddr.self), socklen_t(raw.count))
        }
        if rc != 0 {
            let error = KernelError.fromErrno("bind", "\(name) socket")
            Glibc.close(fd)
            throw .system(error)
        }
        return fd
    }

    /// A bound socket created in the network namespace of `namespaceFD` (a netns fd or a
    /// pidfd) by a helper thread that joined it; the calling thread stays where it is.
    /// - Throws: `NetlinkError.system` from setns(2), socket(2) or bind(2).
    public static func openBound(protocol netlinkProtocol: Int32, name: String, networkNamespaceFD namespaceFD: Int32)
        throws(NetlinkError) -> Int32
    {
        let opened: Result<Int32, NetlinkError>
        do {
            opened = try NetworkNamespaceThread.run(namespaceFD: namespaceFD) {
                Result { () throws(NetlinkError) in try openBound(protocol: netlinkProtocol, name: name) }
            }
        } catch {
            throw .system(error)
        }
        return try opened.get()
    }

    /// A bound socket in the network namespace at `netnsPath` (`/proc/<pid>/ns/net`,
    /// `/run/netns/<name>`).
    /// - Throws: `NetlinkError.system` when the path cannot be opened or is no netns.
    public static func openBound(protocol netlinkProtocol: Int32, name: String, netnsPath: String)
        throws(NetlinkError) -> Int32
    {
        let fd = open(netnsPath, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw .system(.fromErrno("open", netnsPath)) }
        defer { Glibc.close(fd) }
        return try openBound(protocol: netlinkProtocol, name: name, networkNamespaceFD: fd)
    }

    /// A `struct sockaddr_nl` (12 bytes: family, pad, nl_pid, nl_groups) with nl_pid 0:
    /// as a destination the kernel, as a bind address "assign me a port id".
    public static func kernelAddress() -> [UInt8] {
        var bytes: [UInt8] = []
        NetlinkBytes.append(UInt16(NetlinkConstants.AF_NETLINK), to: &bytes)
        NetlinkBytes.append(UInt16(0), to: &bytes)
        NetlinkBytes.append(UInt32(0), to: &bytes)
        NetlinkBytes.append(UInt32(0), to: &bytes)
        return bytes
    }

    /// Prepares a bound socket for request/reply use and returns the port id the kernel
    /// assigned: extended ACKs (the kernel's error text), capped ACKs (small error
    /// replies) and a 30 s receive timeout. Closes `descriptor` when getsockname fails.
    /// - Throws: `NetlinkError.system` from getsockname(2).
    public static func configure(_ descriptor: Int32, name: String) throws(NetlinkError) -> UInt32 {
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
            let error = KernelError.fromErrno("getsockname", "\(name) socket")
            Glibc.close(descriptor)
            throw .system(error)
        }
        return NetlinkBytes.load(UInt32.self, from: address, at: 4) ?? 0
    }

    /// Sends one request datagram to the kernel.
    /// - Throws: `NetlinkError.system` when sendto(2) fails or sends less than all.
    public static func send(_ bytes: [UInt8], fd: Int32, name: String) throws(NetlinkError) {
        let destination = kernelAddress()
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

    /// Receives one datagram from the kernel into `buffer` and returns its length. The
    /// datagram is first peeked with MSG_TRUNC, which makes netlink report its full
    /// length, and the buffer grown to fit, so a large dump part is never cut off.
    /// Datagrams from other senders than the kernel (nl_pid != 0) are dropped.
    /// - Throws: `NetlinkError.system` from recv(2), `.malformed` for a truncated datagram.
    public static func receive(fd: Int32, into buffer: inout [UInt8], name: String) throws(NetlinkError) -> Int {
        while true {
            let needed = buffer.withUnsafeMutableBytes { raw in
                recv(fd, raw.baseAddress, raw.count, Int32(MSG_PEEK) | Int32(MSG_TRUNC))
            }
            if needed < 0 {
                if errno == EINTR { continue }
                throw .system(.fromErrno("recv", name))
            }
            if needed > buffer.count {
                buffer = [UInt8](repeating: 0, count: NetlinkBytes.align(needed))
            }
            var sender = [UInt8](repeating: 0, count: 12)
            var senderLength = socklen_t(sender.count)
            let received = buffer.withUnsafeMutableBytes { raw in
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
            if received > buffer.count {
                throw .malformed("datagram of \(received) bytes truncated to \(buffer.count)")
            }
            if let senderPort = NetlinkBytes.load(UInt32.self, from: sender, at: 4), senderPort != 0 { continue }
            return received
        }
    }
}
