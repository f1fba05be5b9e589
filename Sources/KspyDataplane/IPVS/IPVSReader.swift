import Glibc
import KspyKernel

/// What kspy read from IPVS: the decoded services with their destinations, plus the
/// family, version and timeouts when read over netlink.
public struct IPVSSnapshot: Equatable, Sendable {
    /// Where it was read from.
    public enum Source: String, Equatable, Sendable {
        /// The IPVS generic netlink family (complete: stats, thresholds, tunnel info).
        case netlink
        /// `/proc/net/ip_vs` text (see `IPVSProcParser` for what it lacks).
        case procText
    }

    public var source: Source
    /// The IPVS generic netlink family (netlink only).
    public var family: GenericNetlinkFamily?
    /// IPVS version and connection table size (netlink GET_INFO, or the text's header).
    public var info: IPVSInfo?
    /// Connection timeouts (netlink GET_CONFIG only).
    public var config: IPVSConfig?
    /// The virtual services in the kernel's order (which changes between runs).
    public var services: [IPVSService]

    public init(
        source: Source, family: GenericNetlinkFamily?, info: IPVSInfo?, config: IPVSConfig?, services: [IPVSService]
    ) {
        self.source = source
        self.family = family
        self.info = info
        self.config = config
        self.services = services
    }

    /// The services as `ServiceFrontend`s (see `IPVSFrontendBuilder` for conventions).
    /// - Parameter nodeAddresses: the node's own IP addresses; VIPs among them are NodePorts.
    public func frontends(nodeAddresses: Set<String> = []) -> [ServiceFrontend] {
        IPVSFrontendBuilder.frontends(for: services, nodeAddresses: nodeAddresses)
    }
}

/// Reads kube-proxy's IPVS state over generic netlink: resolves the "IPVS" family
/// (CTRL_CMD_GETFAMILY), then IPVS_CMD_GET_INFO, IPVS_CMD_GET_CONFIG, an
/// IPVS_CMD_GET_SERVICE dump and one IPVS_CMD_GET_DEST dump per service — the
/// requests ipvsadm sends, built by `IPVSRequest` and decoded by `IPVSMessageParser`
/// from the reply bytes the transport returns. The transport is the live
/// `GenericNetlinkSocket` or a `GenericNetlinkReplay` of recorded exchanges; both go
/// through the same code. Needs CAP_NET_ADMIN in the network namespace (the IPVS
/// commands are GENL_ADMIN_PERM); `/proc/net/ip_vs` (`readProcText`) needs none.
public struct IPVSReader: Sendable {
    /// The error when the kernel has no IPVS family (CTRL_CMD_GETFAMILY: ENOENT).
    public static let notAvailableMessage = "IPVS is not available in this kernel (no IPVS generic netlink family)"
    /// The start of the error for a missing CAP_NET_ADMIN.
    public static let permissionMessagePrefix = "reading IPVS needs CAP_NET_ADMIN in its network namespace"

    /// Where the requests go.
    public let transport: any GenericNetlinkTransport

    /// Reads through `transport`.
    public init(transport: any GenericNetlinkTransport) {
        self.transport = transport
    }

    /// A reader on a new NETLINK_GENERIC socket in the calling thread's network namespace.
    public static func live() throws(DataplaneError) -> IPVSReader {
        do {
            return IPVSReader(transport: try GenericNetlinkSocket())
        } catch {
            throw dataplaneError(error, request: "open generic netlink socket")
        }
    }

    /// A reader on a socket in the network namespace at `netnsPath`
    /// (`/proc/<pid>/ns/net`, `/run/netns/<name>`).
    public static func live(netnsPath: String) throws(DataplaneError) -> IPVSReader {
        do {
            return IPVSReader(transport: try GenericNetlinkSocket(netnsPath: netnsPath))
        } catch {
            throw dataplaneError(error, request: "open generic netlink socket in \(netnsPath)")
        }
    }

    /// Resolves the IPVS family.
    /// - Throws: `DataplaneError(notAvailableMessage)` when the kernel has no IPVS.
    public func family() throws(DataplaneError) -> GenericNetlinkFamily {
        let request: NetlinkMessage
        do {
            request = try GenericNetlinkFamily.lookupRequest(name: IPVSConstants.familyName)
        } catch {
            throw IPVSReader.dataplaneError(error, request: "CTRL_CMD_GETFAMILY IPVS")
        }
        return try IPVSMessageParser.family(fromReply: exchange(request, "CTRL_CMD_GETFAMILY IPVS"))
    }

    /// Everything: family, info, config, services and their destinations.
    /// - Throws: `DataplaneError` — IPVS not available, no CAP_NET_ADMIN, a kernel error,
    ///   or a malformed reply (naming the request and the offset).
    public func read() throws(DataplaneError) -> IPVSSnapshot {
        let family = try family()
        let id = family.id
        let info = try IPVSMessageParser.info(
            fromReply: exchange(IPVSRequest.getInfo(family: id), "IPVS_CMD_GET_INFO"), familyID: id)
        let config = try IPVSMessageParser.config(
            fromReply: exchange(IPVSRequest.getConfig(family: id), "IPVS_CMD_GET_CONFIG"), familyID: id)
        var services = try IPVSMessageParser.services(
            fromReply: exchange(IPVSRequest.dumpServices(family: id), "IPVS_CMD_GET_SERVICE dump"), familyID: id)
        for index in services.indices {
            let service = services[index]
            let request = try IPVSRequest.dumpDestinations(of: service, family: id)
            services[index].destinations = try IPVSMessageParser.destinations(
                fromReply: exchange(request, "IPVS_CMD_GET_DEST dump of \(service.label)"), familyID: id,
                serviceAddressFamily: service.addressFamily)
        }
        return IPVSSnapshot(source: .netlink, family: family, info: info, config: config, services: services)
    }

    /// `read()` as `ServiceFrontend`s.
    public func frontends(nodeAddresses: Set<String> = []) throws(DataplaneError) -> [ServiceFrontend] {
        try read().frontends(nodeAddresses: nodeAddresses)
    }

    /// Reads and parses `/proc/net/ip_vs` (or `/proc/<pid>/net/ip_vs` for another
    /// network namespace).
    /// - Throws: `DataplaneError(notAvailableMessage)` when the file does not exist.
    public static func readProcText(path: String = IPVSProcParser.defaultPath, hz: Int? = IPVSProcParser.kernelHZ())
        throws(DataplaneError) -> IPVSSnapshot
    {
        let text: String
        do {
            text = try SystemFile.read(path)
        } catch {
            if error.errno == ENOENT { throw DataplaneError(notAvailableMessage) }
            throw DataplaneError("IPVS: \(error)")
        }
        return try IPVSProcParser.parse(text, hz: hz)
    }

    /// Netlink when allowed, else the text: `read()` on `reader`, and on a missing
    /// CAP_NET_ADMIN `readProcText(path: procPath)` (which lacks stats, see
    /// `IPVSProcParser`). Other errors are thrown.
    public static func readWithFallback(reader: IPVSReader, procPath: String = IPVSProcParser.defaultPath)
        throws(DataplaneError) -> IPVSSnapshot
    {
        do {
            return try reader.read()
        } catch {
            guard error.description.hasPrefix(permissionMessagePrefix) else { throw error }
            return try readProcText(path: procPath)
        }
    }

    // MARK: - errors

    private func exchange(_ request: NetlinkMessage, _ name: String) throws(DataplaneError) -> [UInt8] {
        do {
            return try transport.exchange(request, description: name)
        } catch {
            throw IPVSReader.dataplaneError(error, request: name)
        }
    }

    /// One line for a failed request: IPVS missing (ENOENT on the family lookup), no
    /// CAP_NET_ADMIN (EPERM/EACCES), another kernel error, a malformed reply, a failed syscall.
    static func dataplaneError(_ error: NetlinkError, request: String) -> DataplaneError {
        let named = request.contains("IPVS") ? request : "IPVS \(request)"
        switch error {
        case .kernel(let errno, _, _) where errno == ENOENT && request.hasPrefix("CTRL_CMD_GETFAMILY"):
            return DataplaneError(notAvailableMessage)
        case .kernel(let errno, _, _) where errno == EPERM || errno == EACCES:
            return DataplaneError("\(permissionMessagePrefix) (\(request): \(String(cString: strerror(errno))))")
        case .kernel(let errno, _, let message):
            let reason = String(cString: strerror(errno))
            return DataplaneError("\(named): \(reason)" + (message.map { " (\($0))" } ?? ""))
        case .malformed:
            return DataplaneError("\(named) reply: \(error.description)")
        case .invalidArgument, .system:
            return DataplaneError("\(named): \(error.description)")
        }
    }
}
