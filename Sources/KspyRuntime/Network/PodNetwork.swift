import Glibc
import KspyKernel

/// Wires a pod's network namespace to the node network over rtnetlink, the way the
/// CNI bridge plugin does: bridge (created on first use, gateway address, up), a veth
/// pair whose host end (`veth` + 8 hex digits) joins the bridge and whose pod end is
/// created directly in the pause's namespace, renamed `eth0`, given the pod IP and a
/// default route via the gateway.
public struct PodNetwork: Sendable {
    /// The network's settings.
    public let options: PodNetworkOptions
    /// Its address allocator.
    public let allocator: IPAllocator

    /// The network of `options` with allocations kept in `stateDirectory`.
    public init(options: PodNetworkOptions, stateDirectory: StateDirectory) throws {
        try options.validate()
        self.options = options
        self.allocator = try IPAllocator(stateDirectory: stateDirectory, options: options)
    }

    /// What `attach` set up.
    public struct Attachment: Sendable {
        /// The pod IP (on eth0).
        public let podIP: IPv4Address
        /// Name of the host end of the veth pair.
        public let hostVeth: String
    }

    /// Gives the network namespace of `pause` an eth0 on the bridge with an address
    /// allocated for pod `uid`.
    public func attach(uid: String, pause: Pidfd) throws -> Attachment {
        let address = try allocator.allocate(for: uid)
        do {
            let host = try RouteNetlink()
            let bridgeIndex = try ensureBridge(host)
            let hostVeth = "veth" + RandomID.hex(byteCount: 4)
            let peerName = "kspy" + RandomID.hex(byteCount: 4)
            let namespacePath = "/proc/\(pause.pid)/ns/net"
            let namespaceFD = open(namespacePath, O_RDONLY | O_CLOEXEC)
            if namespaceFD < 0 { throw KernelError.fromErrno("open", namespacePath) }
            defer { close(namespaceFD) }
            // The pidfd was opened before the namespace file: if the pause is still the
            // process the pidfd refers to, the file belonged to it.
            guard pause.isRunning else { throw RuntimeError.startFailed("the pause process exited") }
            try host.createVethPair(name: hostVeth, peerName: peerName, peerNamespaceFD: namespaceFD)
            guard let hostLink = try host.link(named: hostVeth) else {
                throw RuntimeError.startFailed("veth \(hostVeth) vanished after creation")
            }
            try host.setMaster(link: hostLink.index, bridge: bridgeIndex)
            try host.setUp(link: hostLink.index)

            let pod = try RouteNetlink(networkNamespaceFD: namespaceFD)
            guard let podLink = try pod.link(named: peerName) else {
                throw RuntimeError.startFailed("veth peer \(peerName) not found in the pod's network namespace")
            }
            try pod.rename(link: podLink.index, to: "eth0")
            try pod.addAddress(
                ipv4: address.description, prefixLength: allocator.network.prefixLength, link: podLink.index)
            try pod.setUp(link: podLink.index)
            if let lo = try pod.link(named: "lo"), !lo.isUp { try pod.setUp(link: lo.index) }
            try pod.addDefaultRoute(via: allocator.gateway.description, link: podLink.index)
            return Attachment(podIP: address, hostVeth: hostVeth)
        } catch {
            _ = try? allocator.release(uid: uid)
            throw RuntimeError.startFailed("pod network on \(options.bridge): \(error)")
        }
    }

    /// The bridge's ifindex, creating it with the gateway address when missing.
    /// Concurrent creators are serialised by the allocator's lock.
    private func ensureBridge(_ host: RouteNetlink) throws -> Int32 {
        try allocator.withLock {
            if let bridge = try host.link(named: options.bridge) {
                if bridge.kind != "bridge" {
                    throw RuntimeError.startFailed("\(options.bridge) exists and is a \(bridge.kind ?? "non-bridge") link")
                }
                return bridge.index
            }
            try host.createBridge(name: options.bridge)
            guard let bridge = try host.link(named: options.bridge) else {
                throw RuntimeError.startFailed("bridge \(options.bridge) vanished after creation")
            }
            try host.addAddress(
                ipv4: allocator.gateway.description, prefixLength: allocator.network.prefixLength, link: bridge.index)
            try host.setUp(link: bridge.index)
            return bridge.index
        }
    }

    /// Releases pod `uid`'s address (its veth went with the pod's namespace). Returns
    /// the number of addresses still allocated on this network.
    @discardableResult
    public func detach(uid: String) throws -> Int {
        try allocator.release(uid: uid)
    }

    /// Removes the bridge when no address is allocated any more.
    public func removeBridgeIfUnused() throws {
        try allocator.withLock {
            guard allocator.allocations().isEmpty else { return }
            let host = try RouteNetlink()
            if let bridge = try host.link(named: options.bridge), bridge.kind == "bridge" {
                try host.deleteLink(index: bridge.index)
            }
        }
    }
}
