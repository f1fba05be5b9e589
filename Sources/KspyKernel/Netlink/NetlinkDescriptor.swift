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
}
