import Glibc
import KspyKernel

/// Decodes the kernel's replies to IPVS generic netlink requests from their raw bytes
/// (every message of one reply, as `GenericNetlinkTransport` returns them and as the
/// recordings hold them): netlink messages → genl header → IPVS_CMD_ATTR_* →
/// nested IPVS_SVC_ATTR_* / IPVS_DEST_ATTR_* / IPVS_STATS_ATTR_*.
///
/// Pure and strict: every length is bounds-checked; a message shorter than its header
/// says, an attribute overrunning its parent, a wrongly sized attribute, a missing
/// key attribute, an error reply or a reply cut before its NLMSG_DONE / ACK throws a
/// one-line `DataplaneError` naming the byte offset. Unknown attributes are skipped
/// (newer kernels add some). Nests are accepted with or without NLA_F_NESTED (the
/// kernel sends IPVS nests without it).
public enum IPVSMessageParser {
    /// The services of an IPVS_CMD_GET_SERVICE dump reply (one IPVS_CMD_NEW_SERVICE
    /// message each, then NLMSG_DONE), without destinations.
    /// - Parameter familyID: the IPVS family id; when given, messages of another type are rejected.
    public static func services(fromReply bytes: [UInt8], familyID: UInt16? = nil) throws(DataplaneError)
        -> [IPVSService]
    {
        let wire = IPVSWire(bytes: bytes, context: "IPVS_CMD_GET_SERVICE dump reply")
        var services: [IPVSService] = []
        for (message, attributes) in try familyMessages(
            wire, familyID: familyID, command: IPVSConstants.CMD_NEW_SERVICE, commandName: "IPVS_CMD_NEW_SERVICE")
        {
            guard let nest = attributes.last(where: { $0.type == IPVSConstants.CMD_ATTR_SERVICE }) else {
                throw wire.error("IPVS_CMD_NEW_SERVICE without IPVS_CMD_ATTR_SERVICE", at: message.offset)
            }
            services.append(try service(nest, wire))
        }
        return services
    }

    /// The destinations of an IPVS_CMD_GET_DEST dump reply (one IPVS_CMD_NEW_DEST each).
    /// - Parameter serviceAddressFamily: the service's family, used for destinations
    ///   without IPVS_DEST_ATTR_ADDR_FAMILY (kernels before 4.x); such a destination is
    ///   an error when this is nil.
    public static func destinations(
        fromReply bytes: [UInt8], familyID: UInt16? = nil, serviceAddressFamily: UInt16? = nil
    ) throws(DataplaneError) -> [IPVSDestination] {
        let wire = IPVSWire(bytes: bytes, context: "IPVS_CMD_GET_DEST dump reply")
        var destinations: [IPVSDestination] = []
        for (message, attributes) in try familyMessages(
            wire, familyID: familyID, command: IPVSConstants.CMD_NEW_DEST, commandName: "IPVS_CMD_NEW_DEST")
        {
            guard let nest = attributes.last(where: { $0.type == IPVSConstants.CMD_ATTR_DEST }) else {
                throw wire.error("IPVS_CMD_NEW_DEST without IPVS_CMD_ATTR_DEST", at: message.offset)
            }
            destinations.append(try destination(nest, wire, serviceAddressFamily: serviceAddressFamily))
        }
        return destinations
    }

    /// The reply to IPVS_CMD_GET_INFO (an IPVS_CMD_SET_INFO message and the ACK).
    public static func info(fromReply bytes: [UInt8], familyID: UInt16? = nil) throws(DataplaneError) -> IPVSInfo {
        let wire = IPVSWire(bytes: bytes, context: "IPVS_CMD_GET_INFO reply")
        let messages = try familyMessages(
            wire, familyID: familyID, command: IPVSConstants.CMD_SET_INFO, commandName: "IPVS_CMD_SET_INFO")
        guard let (message, attributes) = messages.first else {
            throw wire.error("no IPVS_CMD_SET_INFO message", at: 0)
        }
        var version: UInt32?
        var size: UInt32?
        for attribute in attributes {
            switch attribute.type {
            case IPVSConstants.INFO_ATTR_VERSION: version = try wire.u32(attribute, "IPVS_INFO_ATTR_VERSION")
            case IPVSConstants.INFO_ATTR_CONN_TAB_SIZE:
                size = try wire.u32(attribute, "IPVS_INFO_ATTR_CONN_TAB_SIZE")
            default: continue
            }
        }
        guard let version else {
            throw wire.error("IPVS_CMD_SET_INFO without IPVS_INFO_ATTR_VERSION", at: message.offset)
        }
        return IPVSInfo(version: version, connectionTableSize: size ?? 0)
    }

    /// The reply to IPVS_CMD_GET_CONFIG (an IPVS_CMD_SET_CONFIG message and the ACK).
    public static func config(fromReply bytes: [UInt8], familyID: UInt16? = nil) throws(DataplaneError) -> IPVSConfig {
        let wire = IPVSWire(bytes: bytes, context: "IPVS_CMD_GET_CONFIG reply")
        let messages = try familyMessages(
            wire, familyID: familyID, command: IPVSConstants.CMD_SET_CONFIG, commandName: "IPVS_CMD_SET_CONFIG")
        guard let (_, attributes) = messages.first else { throw wire.error("no IPVS_CMD_SET_CONFIG message", at: 0) }
        var config = IPVSConfig(tcpTimeout: nil, tcpFinTimeout: nil, udpTimeout: nil)
        for attribute in attributes {
            switch attribute.type {
            case IPVSConstants.CMD_ATTR_TIMEOUT_TCP:
                config.tcpTimeout = try wire.u32(attribute, "IPVS_CMD_ATTR_TIMEOUT_TCP")
            case IPVSConstants.CMD_ATTR_TIMEOUT_TCP_FIN:
                config.tcpFinTimeout = try wire.u32(attribute, "IPVS_CMD_ATTR_TIMEOUT_TCP_FIN")
            case IPVSConstants.CMD_ATTR_TIMEOUT_UDP:
                config.udpTimeout = try wire.u32(attribute, "IPVS_CMD_ATTR_TIMEOUT_UDP")
            default: continue
            }
        }
        return config
    }

    /// The reply to the CTRL_CMD_GETFAMILY lookup of "IPVS" (Kernel layer's decoder,
    /// its errors turned into `DataplaneError`; ENOENT means IPVS is not available).
    public static func family(fromReply bytes: [UInt8]) throws(DataplaneError) -> GenericNetlinkFamily {
        do {
            return try GenericNetlinkFamily.parse(reply: bytes)
        } catch {
            throw IPVSReader.dataplaneError(error, request: "CTRL_CMD_GETFAMILY IPVS")
        }
    }

    // MARK: - messages

    /// The family messages of one reply with their top-level attributes, after checking
    /// the control messages: an NLMSG_ERROR with a non-zero error is the kernel's
    /// refusal; the reply must end with NLMSG_DONE or the ACK and nothing may follow.
    static func familyMessages(
        _ wire: IPVSWire, familyID: UInt16?, command: UInt8, commandName: String
    ) throws(DataplaneError) -> [(IPVSWire.Message, [IPVSWire.Attribute])] {
        var result: [(IPVSWire.Message, [IPVSWire.Attribute])] = []
        var ended = false
        for message in try wire.messages() {
            if ended {
                throw wire.error("message type \(message.type) after the end of the reply", at: message.offset)
            }
            switch message.type {
            case 1:  // NLMSG_NOOP
                continue
            case 2, 3:  // NLMSG_ERROR (error 0 = ACK), NLMSG_DONE
                let name = message.type == 2 ? "NLMSG_ERROR" : "NLMSG_DONE"
                guard message.payload.count >= 4 else {
                    if message.type == 3 {
                        ended = true
                        continue
                    }
                    throw wire.error("\(name) with \(message.payload.count) bytes of payload", at: message.offset)
                }
                let status = wire.load(Int32.self, at: message.payload.lowerBound)
                if status < 0 || (message.type == 2 && status != 0) {
                    let code = status == Int32.min ? Int32.max : abs(status)
                    throw wire.error(
                        "kernel error \(String(cString: strerror(code))) (errno \(code)) in \(name)", at: message.offset
                    )
                }
                ended = true
            case 0..<16:
                throw wire.error("unexpected netlink control message type \(message.type)", at: message.offset)
            default:
                if let familyID, message.type != familyID {
                    throw wire.error(
                        "message type \(message.type) is not the IPVS family (\(familyID))", at: message.offset)
                }
                guard message.payload.count >= GenericNetlinkConstants.GENL_HDRLEN else {
                    throw wire.error(
                        "payload of \(message.payload.count) bytes is shorter than the 4-byte genl header",
                        at: message.offset)
                }
                let found = wire.bytes[message.payload.lowerBound]
                guard found == command else {
                    throw wire.error("IPVS command \(found), expected \(commandName) (\(command))", at: message.offset)
                }
                let attributes = try wire.attributes(
                    in: (message.payload.lowerBound + GenericNetlinkConstants.GENL_HDRLEN)..<message.payload.upperBound,
                    parent: commandName)
                result.append((message, attributes))
            }
        }
        guard ended else { throw wire.error("reply ends without NLMSG_DONE or ACK (truncated)", at: wire.bytes.count) }
        return result
    }

    // MARK: - service

    static func service(_ nest: IPVSWire.Attribute, _ wire: IPVSWire) throws(DataplaneError) -> IPVSService {
        let parent = "IPVS_CMD_ATTR_SERVICE"
        var family: UInt16?
        var protocolNumber: UInt16?
        var rawAddress: IPVSWire.Attribute?
        var port: UInt16?
        var fwmark: UInt32?
        var scheduler: String?
        var flags: UInt32 = 0
        var timeout: UInt32 = 0
        var rawNetmask: UInt32?
        var engine: String?
        var stats: IPVSStats?
        var stats64: IPVSStats?
        for attribute in try wire.attributes(in: nest.payload, parent: parent) {
            switch attribute.type {
            case IPVSConstants.SVC_ATTR_AF:
                family = try addressFamily(wire.u16(attribute, "IPVS_SVC_ATTR_AF"), attribute, wire)
            case IPVSConstants.SVC_ATTR_PROTOCOL: protocolNumber = try wire.u16(attribute, "IPVS_SVC_ATTR_PROTOCOL")
            case IPVSConstants.SVC_ATTR_ADDR:
                _ = try wire.raw(attribute, "IPVS_SVC_ATTR_ADDR", sizes: [4, 16])
                rawAddress = attribute
            case IPVSConstants.SVC_ATTR_PORT: port = try wire.be16(attribute, "IPVS_SVC_ATTR_PORT")
            case IPVSConstants.SVC_ATTR_FWMARK: fwmark = try wire.u32(attribute, "IPVS_SVC_ATTR_FWMARK")
            case IPVSConstants.SVC_ATTR_SCHED_NAME:
                scheduler = try wire.string(
                    attribute, "IPVS_SVC_ATTR_SCHED_NAME", maximum: IPVSConstants.schedulerNameMax)
            case IPVSConstants.SVC_ATTR_FLAGS:
                // struct ip_vs_flags { u32 flags; u32 mask; }
                _ = try wire.raw(attribute, "IPVS_SVC_ATTR_FLAGS", sizes: [8])
                flags = wire.load(UInt32.self, at: attribute.payload.lowerBound)
            case IPVSConstants.SVC_ATTR_TIMEOUT: timeout = try wire.u32(attribute, "IPVS_SVC_ATTR_TIMEOUT")
            case IPVSConstants.SVC_ATTR_NETMASK: rawNetmask = try wire.u32(attribute, "IPVS_SVC_ATTR_NETMASK")
            case IPVSConstants.SVC_ATTR_STATS: stats = try self.stats(attribute, wire, name: "IPVS_SVC_ATTR_STATS")
            case IPVSConstants.SVC_ATTR_STATS64:
                stats64 = try self.stats(attribute, wire, name: "IPVS_SVC_ATTR_STATS64")
            case IPVSConstants.SVC_ATTR_PE_NAME:
                engine = try wire.string(attribute, "IPVS_SVC_ATTR_PE_NAME", maximum: IPVSConstants.peNameMax)
            default: continue
            }
        }
        guard let family else { throw wire.error("\(parent) without IPVS_SVC_ATTR_AF", at: nest.offset) }
        guard let scheduler else { throw wire.error("\(parent) without IPVS_SVC_ATTR_SCHED_NAME", at: nest.offset) }
        var address: [UInt8] = []
        if fwmark == nil {
            guard protocolNumber != nil else {
                throw wire.error(
                    "\(parent) has neither IPVS_SVC_ATTR_FWMARK nor IPVS_SVC_ATTR_PROTOCOL", at: nest.offset)
            }
            guard let rawAddress else { throw wire.error("\(parent) without IPVS_SVC_ATTR_ADDR", at: nest.offset) }
            guard port != nil else { throw wire.error("\(parent) without IPVS_SVC_ATTR_PORT", at: nest.offset) }
            address = try self.address(rawAddress, family: family, wire, name: "IPVS_SVC_ATTR_ADDR")
        }
        var netmask: UInt32?
        if let rawNetmask {
            // IPv4: a mask in network order; IPv6: the prefix length as a plain u32.
            netmask = family == IPVSConstants.AF_INET ? UInt32(bigEndian: rawNetmask) : rawNetmask
        }
        return IPVSService(
            addressFamily: family, protocolNumber: fwmark == nil ? protocolNumber : nil, address: address,
            port: fwmark == nil ? (port ?? 0) : 0, fwmark: fwmark, scheduler: scheduler, flags: flags,
            timeout: timeout, netmask: netmask, persistenceEngine: engine, stats: stats64 ?? stats)
    }

    // MARK: - destination

    static func destination(_ nest: IPVSWire.Attribute, _ wire: IPVSWire, serviceAddressFamily: UInt16?)
        throws(DataplaneError) -> IPVSDestination
    {
        let parent = "IPVS_CMD_ATTR_DEST"
        var rawAddress: IPVSWire.Attribute?
        var family: UInt16?
        var port: UInt16?
        var method: UInt32?
        var weight: Int32?
        var upper: UInt32?
        var lower: UInt32?
        var active: UInt32 = 0
        var inactive: UInt32 = 0
        var persistent: UInt32?
        var stats: IPVSStats?
        var stats64: IPVSStats?
        var tunnelType: UInt8?
        var tunnelPort: UInt16?
        var tunnelFlags: UInt16?
        for attribute in try wire.attributes(in: nest.payload, parent: parent) {
            switch attribute.type {
            case IPVSConstants.DEST_ATTR_ADDR:
                _ = try wire.raw(attribute, "IPVS_DEST_ATTR_ADDR", sizes: [4, 16])
                rawAddress = attribute
            case IPVSConstants.DEST_ATTR_PORT: port = try wire.be16(attribute, "IPVS_DEST_ATTR_PORT")
            case IPVSConstants.DEST_ATTR_FWD_METHOD: method = try wire.u32(attribute, "IPVS_DEST_ATTR_FWD_METHOD")
            case IPVSConstants.DEST_ATTR_WEIGHT:
                weight = Int32(bitPattern: try wire.u32(attribute, "IPVS_DEST_ATTR_WEIGHT"))
            case IPVSConstants.DEST_ATTR_U_THRESH: upper = try wire.u32(attribute, "IPVS_DEST_ATTR_U_THRESH")
            case IPVSConstants.DEST_ATTR_L_THRESH: lower = try wire.u32(attribute, "IPVS_DEST_ATTR_L_THRESH")
            case IPVSConstants.DEST_ATTR_ACTIVE_CONNS: active = try wire.u32(attribute, "IPVS_DEST_ATTR_ACTIVE_CONNS")
            case IPVSConstants.DEST_ATTR_INACT_CONNS: inactive = try wire.u32(attribute, "IPVS_DEST_ATTR_INACT_CONNS")
            case IPVSConstants.DEST_ATTR_PERSIST_CONNS:
                persistent = try wire.u32(attribute, "IPVS_DEST_ATTR_PERSIST_CONNS")
            case IPVSConstants.DEST_ATTR_STATS: stats = try self.stats(attribute, wire, name: "IPVS_DEST_ATTR_STATS")
            case IPVSConstants.DEST_ATTR_STATS64:
                stats64 = try self.stats(attribute, wire, name: "IPVS_DEST_ATTR_STATS64")
            case IPVSConstants.DEST_ATTR_ADDR_FAMILY:
                family = try addressFamily(wire.u16(attribute, "IPVS_DEST_ATTR_ADDR_FAMILY"), attribute, wire)
            case IPVSConstants.DEST_ATTR_TUN_TYPE: tunnelType = try wire.u8(attribute, "IPVS_DEST_ATTR_TUN_TYPE")
            case IPVSConstants.DEST_ATTR_TUN_PORT: tunnelPort = try wire.be16(attribute, "IPVS_DEST_ATTR_TUN_PORT")
            case IPVSConstants.DEST_ATTR_TUN_FLAGS: tunnelFlags = try wire.u16(attribute, "IPVS_DEST_ATTR_TUN_FLAGS")
            default: continue
            }
        }
        guard let rawAddress else { throw wire.error("\(parent) without IPVS_DEST_ATTR_ADDR", at: nest.offset) }
        guard let port else { throw wire.error("\(parent) without IPVS_DEST_ATTR_PORT", at: nest.offset) }
        guard let method else { throw wire.error("\(parent) without IPVS_DEST_ATTR_FWD_METHOD", at: nest.offset) }
        guard let weight else { throw wire.error("\(parent) without IPVS_DEST_ATTR_WEIGHT", at: nest.offset) }
        guard let family = family ?? serviceAddressFamily else {
            throw wire.error(
                "\(parent) without IPVS_DEST_ATTR_ADDR_FAMILY and the service's family is unknown", at: nest.offset)
        }
        return IPVSDestination(
            addressFamily: family, address: try address(rawAddress, family: family, wire, name: "IPVS_DEST_ATTR_ADDR"),
            port: port, forwarding: IPVSForwardingMethod(code: method), weight: weight, upperThreshold: upper,
            lowerThreshold: lower, activeConnections: active, inactiveConnections: inactive,
            persistentConnections: persistent, stats: stats64 ?? stats, tunnelType: tunnelType, tunnelPort: tunnelPort,
            tunnelFlags: tunnelFlags)
    }

    // MARK: - pieces

    static func addressFamily(_ value: UInt16, _ attribute: IPVSWire.Attribute, _ wire: IPVSWire)
        throws(DataplaneError) -> UInt16
    {
        guard value == IPVSConstants.AF_INET || value == IPVSConstants.AF_INET6 else {
            throw wire.error("unsupported address family \(value)", at: attribute.offset)
        }
        return value
    }

    /// `union nf_inet_addr` (16 bytes; IPv4 in the first 4) trimmed to the family's length.
    static func address(_ attribute: IPVSWire.Attribute, family: UInt16, _ wire: IPVSWire, name: String)
        throws(DataplaneError) -> [UInt8]
    {
        let bytes = Array(wire.bytes[attribute.payload])
        if family == IPVSConstants.AF_INET { return Array(bytes.prefix(4)) }
        guard bytes.count == 16 else {
            throw wire.error("\(name) has \(bytes.count) bytes, an IPv6 address needs 16", at: attribute.offset)
        }
        return bytes
    }

    /// An IPVS_*_ATTR_STATS or STATS64 nest.
    static func stats(_ nest: IPVSWire.Attribute, _ wire: IPVSWire, name: String) throws(DataplaneError) -> IPVSStats {
        var stats = IPVSStats()
        for attribute in try wire.attributes(in: nest.payload, parent: name) {
            switch attribute.type {
            case IPVSConstants.STATS_ATTR_CONNS:
                stats.connections = try wire.counter(attribute, "IPVS_STATS_ATTR_CONNS")
            case IPVSConstants.STATS_ATTR_INPKTS:
                stats.incomingPackets = try wire.counter(attribute, "IPVS_STATS_ATTR_INPKTS")
            case IPVSConstants.STATS_ATTR_OUTPKTS:
                stats.outgoingPackets = try wire.counter(attribute, "IPVS_STATS_ATTR_OUTPKTS")
            case IPVSConstants.STATS_ATTR_INBYTES:
                stats.incomingBytes = try wire.counter(attribute, "IPVS_STATS_ATTR_INBYTES")
            case IPVSConstants.STATS_ATTR_OUTBYTES:
                stats.outgoingBytes = try wire.counter(attribute, "IPVS_STATS_ATTR_OUTBYTES")
            case IPVSConstants.STATS_ATTR_CPS:
                stats.connectionsPerSecond = try wire.counter(attribute, "IPVS_STATS_ATTR_CPS")
            case IPVSConstants.STATS_ATTR_INPPS:
                stats.incomingPacketsPerSecond = try wire.counter(attribute, "IPVS_STATS_ATTR_INPPS")
            case IPVSConstants.STATS_ATTR_OUTPPS:
                stats.outgoingPacketsPerSecond = try wire.counter(attribute, "IPVS_STATS_ATTR_OUTPPS")
            case IPVSConstants.STATS_ATTR_INBPS:
                stats.incomingBytesPerSecond = try wire.counter(attribute, "IPVS_STATS_ATTR_INBPS")
            case IPVSConstants.STATS_ATTR_OUTBPS:
                stats.outgoingBytesPerSecond = try wire.counter(attribute, "IPVS_STATS_ATTR_OUTBPS")
            default: continue  // IPVS_STATS_ATTR_PAD and newer counters
            }
        }
        return stats
    }
}
