import Glibc
import KspyKernel

/// Address management for a pod network, in the manner of CNI's host-local IPAM: one
/// file per allocated address under `<state dir>/network/<bridge>/`, holding the pod
/// UID, created with O_EXCL under an flock(2), so concurrent `apply` calls never hand
/// out one address twice and allocations survive the process that made them.
public struct IPAllocator: Sendable {
    /// The directory of the allocation files.
    public let directory: String
    /// The network addresses are taken from.
    public let network: IPv4Network
    /// The gateway, never handed out.
    public let gateway: IPv4Address

    /// The allocator of `options`' network in `stateDirectory`.
    public init(stateDirectory: StateDirectory, options: PodNetworkOptions) throws {
        directory = stateDirectory.root + "/network/" + options.bridge
        network = try options.network()
        gateway = try options.gateway()
    }

    /// Runs `body` holding the allocator's lock.
    public func withLock<T>(_ body: () throws -> T) throws -> T {
        try SystemFile.makeDirectories(directory, mode: 0o700)
        return try FileLock.withExclusiveLock(directory + "/lock", body)
    }

    /// Allocates the lowest free address for pod `uid` (the one it already has, if any).
    /// - Throws: `RuntimeError.startFailed` when every address is in use.
    public func allocate(for uid: String) throws -> IPv4Address {
        try withLock {
            let current = allocations()
            if let existing = current.first(where: { $0.value == uid }) { return existing.key }
            var n: UInt64 = 1
            while let candidate = network.host(n), candidate != network.broadcast {
                n += 1
                if candidate == gateway || current[candidate] != nil { continue }
                let path = directory + "/" + candidate.description
                let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
                if fd < 0 {
                    if errno == EEXIST { continue }
                    throw KernelError.fromErrno("create", path)
                }
                var bytes = Array(uid.utf8)
                _ = bytes.withUnsafeMutableBytes { write(fd, $0.baseAddress, $0.count) }
                close(fd)
                return candidate
            }
            throw RuntimeError.startFailed(
                "no free address in \(network) on bridge \(directory.split(separator: "/").last ?? ""): all \(current.count) in use")
        }
    }

    /// Releases every address held by pod `uid`; returns how many are still allocated.
    @discardableResult
    public func release(uid: String) throws -> Int {
        try withLock {
            var remaining = 0
            for (address, owner) in allocations() {
                if owner == uid { unlink(directory + "/" + address.description) } else { remaining += 1 }
            }
            return remaining
        }
    }

    /// Address → owning pod UID, read from the allocation files.
    public func allocations() -> [IPv4Address: String] {
        var result: [IPv4Address: String] = [:]
        for name in (try? SystemFile.listDirectory(directory)) ?? [] {
            guard let address = IPv4Address(name) else { continue }
            result[address] = (try? SystemFile.readTrimmed(directory + "/" + name)) ?? ""
        }
        return result
    }
}
