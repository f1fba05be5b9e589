import KspyKernel

/// IPVS counters (`struct ip_vs_kstats`, IPVS_STATS_ATTR_*): totals since the service or
/// destination was created, and the rate estimator's per-second values (which depend
/// on timing).
public struct IPVSStats: Equatable, Sendable {
    public var connections: UInt64 = 0
    public var incomingPackets: UInt64 = 0
    public var outgoingPackets: UInt64 = 0
    public var incomingBytes: UInt64 = 0
    public var outgoingBytes: UInt64 = 0
    public var connectionsPerSecond: UInt64 = 0
    public var incomingPacketsPerSecond: UInt64 = 0
    public var outgoingPacketsPerSecond: UInt64 = 0
    public var incomingBytesPerSecond: UInt64 = 0
    public var outgoingBytesPerSecond: UInt64 = 0

    public init() {}
}

/// How IPVS forwards to a real server (`IPVS_DEST_ATTR_FWD_METHOD` = conn_flags & 7).
public enum IPVSForwardingMethod: Equatable, Hashable, Sendable {
    /// 0, NAT ("Masq"; ipvsadm -m): kube-proxy's method.
    case masq
    /// 1, the real server is this host ("Local").
    case local
    /// 2, IP-in-IP/GUE/GRE tunnelling ("Tunnel"; -i).
    case tunnel
    /// 3, direct routing ("Route"; -g).
    case route
    /// 4, bypass.
    case bypass
    /// Any other code.
    case other(UInt32)

    /// Decodes `IPVS_DEST_ATTR_FWD_METHOD` (only the low 3 bits count).
    public init(code: UInt32) {
        switch code & 0x7 {
        case 0: self = .masq
        case 1: self = .local
        case 2: self = .tunnel
        case 3: self = .route
        case 4: self = .bypass
        default: self = .other(code & 0x7)
        }
    }

    /// Decodes the name `/proc/net/ip_vs` prints (`ip_vs_fwd_name()`: Masq, Local,
    /// Tunnel, Route); nil for anything else.
    public init?(procName: String) {
        switch procName {
        case "Masq": self = .masq
        case "Local": self = .local
        case "Tunnel": self = .tunnel
        case "Route": self = .route
        case "Bypass": self = .bypass
        default: return nil
        }
    }

    /// The name kspy reports as the endpoint state: `masq`, `local`, `tunnel`, `route`,
    /// `bypass`, or `fwd-<n>`.
    public var name: String {
        switch self {
        case .masq: return "masq"
        case .local: return "local"
        case .tunnel: return "tunnel"
        case .route: return "route"
        case .bypass: return "bypass"
        case .other(let code): return "fwd-\(code)"
        }
    }
}

/// One IPVS virtual service as the kernel reports it (IPVS_CMD_ATTR_SERVICE) or as
/// `/proc/net/ip_vs` shows it, with its destinations. Optional fields are nil when the
/// source does not carry them (see `IPVSProcParser` for what the text lacks).
public struct IPVSService: Equatable, Sendable {
    /// IPVS_SVC_ATTR_AF: 2 (AF_INET) or 10 (AF_INET6).
    public var addressFamily: UInt16
    /// IPVS_SVC_ATTR_PROTOCOL: 6 TCP, 17 UDP, 132 SCTP; nil for a fwmark service.
    public var protocolNumber: UInt16?
    /// IPVS_SVC_ATTR_ADDR in network byte order, 4 bytes (IPv4) or 16 (IPv6); empty
    /// for a fwmark service.
    public var address: [UInt8]
    /// IPVS_SVC_ATTR_PORT (0 for a fwmark service).
    public var port: UInt16
    /// IPVS_SVC_ATTR_FWMARK: the firewall mark of a fwmark service, else nil.
    public var fwmark: UInt32?
    /// IPVS_SVC_ATTR_SCHED_NAME, e.g. `rr`.
    public var scheduler: String
    /// IPVS_SVC_ATTR_FLAGS (`flags` of `struct ip_vs_flags`): IP_VS_SVC_F_* bits.
    public var flags: UInt32
    /// IPVS_SVC_ATTR_TIMEOUT: the persistence timeout in seconds (0 when not persistent);
    /// nil when unknown (from `/proc/net/ip_vs` without the kernel's HZ).
    public var timeout: UInt32?
    /// The persistence timeout in jiffies as `/proc/net/ip_vs` prints it; nil from netlink.
    public var timeoutJiffies: UInt64?
    /// IPVS_SVC_ATTR_NETMASK: the persistence granularity, for IPv4 the mask as a number
    /// (0xffffffff), for IPv6 the prefix length (128); nil when not given.
    public var netmask: UInt32?
    /// IPVS_SVC_ATTR_PE_NAME: persistence engine (e.g. `sip`), nil when none.
    public var persistenceEngine: String?
    /// IPVS_SVC_ATTR_STATS64 (or STATS when only that was sent); nil when absent.
    public var stats: IPVSStats?
    /// The real servers (from an IPVS_CMD_GET_DEST dump, or the `->` lines).
    public var destinations: [IPVSDestination]

    public init(
        addressFamily: UInt16, protocolNumber: UInt16?, address: [UInt8], port: UInt16, fwmark: UInt32?,
        scheduler: String, flags: UInt32, timeout: UInt32?, timeoutJiffies: UInt64? = nil, netmask: UInt32?,
        persistenceEngine: String? = nil, stats: IPVSStats? = nil, destinations: [IPVSDestination] = []
    ) {
        self.addressFamily = addressFamily
        self.protocolNumber = protocolNumber
        self.address = address
        self.port = port
        self.fwmark = fwmark
        self.scheduler = scheduler
        self.flags = flags
        self.timeout = timeout
        self.timeoutJiffies = timeoutJiffies
        self.netmask = netmask
        self.persistenceEngine = persistenceEngine
        self.stats = stats
        self.destinations = destinations
    }

    /// The address as text ("10.96.0.10", "fd00:10:96::a"); nil for a fwmark service.
    public var addressText: String? {
        fwmark != nil ? nil : IPVSAddress.format(address, family: addressFamily)
    }

    /// True when IP_VS_SVC_F_PERSISTENT is set (ClientIP affinity).
    public var isPersistent: Bool { flags & IPVSConstants.SVC_F_PERSISTENT != 0 }

    /// `tcp`, `udp`, `sctp`, `ah`, `esp`, `ip-<n>`; `any` for a fwmark service (it
    /// matches packets by mark, whatever their protocol).
    public var protocolName: String {
        guard let protocolNumber else { return "any" }
        switch protocolNumber {
        case 6: return "tcp"
        case 17: return "udp"
        case 132: return "sctp"
        case 50: return "esp"
        case 51: return "ah"
        default: return "ip-\(protocolNumber)"
        }
    }

    /// The service as ipvsadm names it: `TCP 10.96.0.10:80`, `TCP [fd00::a]:80`, `FWM 7`.
    public var label: String {
        if let fwmark { return "FWM \(fwmark)" }
        return "\(protocolName.uppercased()) \(AddressPort.text(addressText ?? "?", port: Int(port)))"
    }
}

/// One IPVS real server (IPVS_CMD_ATTR_DEST, or a `->` line of `/proc/net/ip_vs`).
public struct IPVSDestination: Equatable, Sendable {
    /// IPVS_DEST_ATTR_ADDR_FAMILY (the service's family when absent): 2 or 10.
    public var addressFamily: UInt16
    /// IPVS_DEST_ATTR_ADDR in network byte order, 4 or 16 bytes.
    public var address: [UInt8]
    /// IPVS_DEST_ATTR_PORT (0 for a fwmark service forwarding to the packet's port).
    public var port: UInt16
    /// IPVS_DEST_ATTR_FWD_METHOD.
    public var forwarding: IPVSForwardingMethod
    /// IPVS_DEST_ATTR_WEIGHT (0 = quarantined: no new connections, e.g. a terminating endpoint).
    public var weight: Int32
    /// IPVS_DEST_ATTR_U_THRESH / L_THRESH: connection thresholds (0 = none); nil when not given.
    public var upperThreshold: UInt32?
    public var lowerThreshold: UInt32?
    /// IPVS_DEST_ATTR_ACTIVE_CONNS / INACT_CONNS: current connections (established /
    /// other states, e.g. TIME_WAIT).
    public var activeConnections: UInt32
    public var inactiveConnections: UInt32
    /// IPVS_DEST_ATTR_PERSIST_CONNS: persistence templates; nil when not given.
    public var persistentConnections: UInt32?
    /// IPVS_DEST_ATTR_STATS64 (or STATS); nil when absent.
    public var stats: IPVSStats?
    /// IPVS_DEST_ATTR_TUN_TYPE (0 IPIP, 1 GUE, 2 GRE), TUN_PORT, TUN_FLAGS; nil when absent.
    public var tunnelType: UInt8?
    public var tunnelPort: UInt16?
    public var tunnelFlags: UInt16?

    public init(
        addressFamily: UInt16, address: [UInt8], port: UInt16, forwarding: IPVSForwardingMethod, weight: Int32,
        upperThreshold: UInt32? = nil, lowerThreshold: UInt32? = nil, activeConnections: UInt32,
        inactiveConnections: UInt32, persistentConnections: UInt32? = nil, stats: IPVSStats? = nil,
        tunnelType: UInt8? = nil, tunnelPort: UInt16? = nil, tunnelFlags: UInt16? = nil
    ) {
        self.addressFamily = addressFamily
        self.address = address
        self.port = port
        self.forwarding = forwarding
        self.weight = weight
        self.upperThreshold = upperThreshold
        self.lowerThreshold = lowerThreshold
        self.activeConnections = activeConnections
        self.inactiveConnections = inactiveConnections
        self.persistentConnections = persistentConnections
        self.stats = stats
        self.tunnelType = tunnelType
        self.tunnelPort = tunnelPort
        self.tunnelFlags = tunnelFlags
    }

    /// The address as text.
    public var addressText: String { IPVSAddress.format(address, family: addressFamily) ?? "?" }

    /// The tunnel type's name (`ipip`, `gue`, `gre`), nil when not tunnelled or unknown.
    public var tunnelTypeName: String? {
        guard forwarding == .tunnel, let tunnelType else { return nil }
        switch tunnelType {
        case 0: return "ipip"
        case 1: return "gue"
        case 2: return "gre"
        default: return "type-\(tunnelType)"
        }
    }
}

/// IPVS_CMD_GET_INFO: the IPVS version and connection hash table size.
public struct IPVSInfo: Equatable, Sendable {
    /// IPVS_INFO_ATTR_VERSION, e.g. 0x010201.
    public var version: UInt32
    /// IPVS_INFO_ATTR_CONN_TAB_SIZE (buckets of the connection hash table).
    public var connectionTableSize: UInt32

    public init(version: UInt32, connectionTableSize: UInt32) {
        self.version = version
        self.connectionTableSize = connectionTableSize
    }

    /// "1.2.1".
    public var versionString: String { "\(version >> 16).\((version >> 8) & 0xff).\(version & 0xff)" }
}

/// IPVS_CMD_GET_CONFIG: connection timeouts in seconds (`ipvsadm --timeout`).
public struct IPVSConfig: Equatable, Sendable {
    public var tcpTimeout: UInt32?
    public var tcpFinTimeout: UInt32?
    public var udpTimeout: UInt32?

    public init(tcpTimeout: UInt32?, tcpFinTimeout: UInt32?, udpTimeout: UInt32?) {
        self.tcpTimeout = tcpTimeout
        self.tcpFinTimeout = tcpFinTimeout
        self.udpTimeout = udpTimeout
    }
}

/// Address formatting shared by the netlink and text decoders.
enum IPVSAddress {
    /// Formats 4 (AF_INET) or 16 (AF_INET6) network-order bytes; nil otherwise.
    static func format(_ bytes: [UInt8], family: UInt16) -> String? {
        switch family {
        case IPVSConstants.AF_INET: return IPv4Address(networkBytes: bytes)?.description
        case IPVSConstants.AF_INET6: return IPv6Address(networkBytes: bytes)?.description
        default: return nil
        }
    }

    /// Dotted-quad text of an IPv4 mask held as a number (0xffffff00 → 255.255.255.0).
    static func dottedMask(_ value: UInt32) -> String {
        [24, 16, 8, 0].map { String((value >> UInt32($0)) & 0xff) }.joined(separator: ".")
    }
}
