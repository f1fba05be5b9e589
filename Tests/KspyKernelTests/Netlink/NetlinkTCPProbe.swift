import Glibc
import KspyKernel

/// Minimal blocking-with-timeout TCP over IPv4 for the reachability test. Sockets keep
/// the network namespace of the thread that created them, so `listen` and `connect` are
/// called on `NetworkNamespaceThread` helper threads.
enum NetlinkTCPProbe {
    /// A listening socket bound to `address` on an ephemeral port.
    static func listen(on address: IPv4Address) -> Result<(fd: Int32, port: UInt16), KernelError> {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        if fd < 0 { return .failure(.fromErrno("socket", "tcp listener")) }
        var bound = socketAddress(address, port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let rc = withUnsafeMutablePointer(to: &bound) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                bind(fd, raw, length) == 0 && Glibc.listen(fd, 4) == 0 && getsockname(fd, raw, &length) == 0
            }
        }
        if !rc {
            let error = KernelError.fromErrno("bind/listen", "\(address)")
            close(fd)
            return .failure(error)
        }
        return .success((fd, UInt16(bigEndian: bound.sin_port)))
    }

    /// A connected socket to `address`:`port`, or an error after `timeoutMilliseconds`.
    static func connect(to address: IPv4Address, port: UInt16, timeoutMilliseconds: Int32) -> Result<Int32, KernelError>
    {
        let fd = socket(
            AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        if fd < 0 { return .failure(.fromErrno("socket", "tcp client")) }
        var target = socketAddress(address, port: port)
        let rc = withUnsafePointer(to: &target) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        if rc != 0 && errno != EINPROGRESS {
            let error = KernelError.fromErrno("connect", "\(address):\(port)")
            close(fd)
            return .failure(error)
        }
        var entry = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
        var soError: Int32 = 0
        var length = socklen_t(4)
        if poll(&entry, 1, timeoutMilliseconds) != 1 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &soError, &length) != 0
            || soError != 0
        {
            close(fd)
            return .failure(KernelError("connect", "\(address):\(port)", errno: soError != 0 ? soError : ETIMEDOUT))
        }
        return .success(fd)
    }

    /// Accepts one connection within `timeoutMilliseconds`; returns it and the peer address.
    static func accept(_ listener: Int32, timeoutMilliseconds: Int32) throws -> (fd: Int32, peer: IPv4Address) {
        var entry = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
        if poll(&entry, 1, timeoutMilliseconds) != 1 { throw KernelError("accept", "listener", errno: ETIMEDOUT) }
        var peer = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let fd = withUnsafeMutablePointer(to: &peer) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.accept(listener, $0, &length) }
        }
        if fd < 0 { throw KernelError.fromErrno("accept", "listener") }
        return (fd, IPv4Address(UInt32(bigEndian: peer.sin_addr.s_addr)))
    }

    /// Reads exactly `count` bytes within `timeoutMilliseconds` per read.
    static func read(_ fd: Int32, count: Int, timeoutMilliseconds: Int32) throws -> [UInt8] {
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: count)
        while result.count < count {
            var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            if poll(&entry, 1, timeoutMilliseconds) != 1 { throw KernelError("read", "tcp", errno: ETIMEDOUT) }
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, count - result.count) }
            if n <= 0 { throw KernelError("read", "tcp", errno: n < 0 ? errno : EPIPE) }
            result.append(contentsOf: chunk[0..<n])
        }
        return result
    }

    private static func socketAddress(_ address: IPv4Address, port: UInt16) -> sockaddr_in {
        var result = sockaddr_in()
        result.sin_family = sa_family_t(AF_INET)
        result.sin_port = port.bigEndian
        result.sin_addr = in_addr(s_addr: address.value.bigEndian)
        return result
    }
}
