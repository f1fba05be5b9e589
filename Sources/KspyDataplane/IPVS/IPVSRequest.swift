import KspyKernel

/// The IPVS generic netlink requests kspy sends, built with the Kernel layer's encoder
/// exactly as ipvsadm/libnl build them: genl version 1; GET_INFO / GET_CONFIG with
/// NLM_F_REQUEST | NLM_F_ACK; the dumps with NLM_F_REQUEST | NLM_F_DUMP; the service
/// of a GET_DEST dump in an IPVS_CMD_ATTR_SERVICE nest *without* NLA_F_NESTED holding
/// {AF, PROTOCOL, ADDR (4 bytes for IPv4, 16 for IPv6), PORT (network order)} or
/// {AF, FWMARK}. `nlmsg_pid` is 0 (the kernel fills in the sender's port); the
/// transport sets `nlmsg_seq` (pass `sequence` to build a recorded request exactly).
public enum IPVSRequest {
    static let ackFlags = NetlinkConstants.NLM_F_REQUEST | NetlinkConstants.NLM_F_ACK
    static let dumpFlags = NetlinkConstants.NLM_F_REQUEST | NetlinkConstants.NLM_F_DUMP

    /// IPVS_CMD_GET_INFO.
    public static func getInfo(family: UInt16, sequence: UInt32 = 0) -> NetlinkMessage {
        message(family: family, command: IPVSConstants.CMD_GET_INFO, flags: ackFlags, sequence: sequence)
    }

    /// IPVS_CMD_GET_CONFIG.
    public static func getConfig(family: UInt16, sequence: UInt32 = 0) -> NetlinkMessage {
        message(family: family, command: IPVSConstants.CMD_GET_CONFIG, flags: ackFlags, sequence: sequence)
    }

    /// IPVS_CMD_GET_SERVICE dump (every virtual service).
    public static func dumpServices(family: UInt16, sequence: UInt32 = 0) -> NetlinkMessage {
        message(family: family, command: IPVSConstants.CMD_GET_SERVICE, flags: dumpFlags, sequence: sequence)
    }

    /// IPVS_CMD_GET_DAEMON dump (sync daemons).
    public static func dumpDaemons(family: UInt16, sequence: UInt32 = 0) -> NetlinkMessage {
        message(family: family, command: IPVSConstants.CMD_GET_DAEMON, flags: dumpFlags, sequence: sequence)
    }

    /// IPVS_CMD_GET_DEST dump of the real servers of `service` (identified by its key:
    /// family and fwmark, or family, protocol, address and port).
    /// - Throws: `DataplaneError` when the service's address does not fit its family.
    public static func dumpDestinations(of service: IPVSService, family: UInt16, sequence: UInt32 = 0)
        throws(DataplaneError) -> NetlinkMessage
    {
        let addressLength = service.addressFamily == IPVSConstants.AF_INET6 ? 16 : 4
        var attributes = NetlinkAttributeEncoder()
        do {
            try attributes.appendNested(IPVSConstants.CMD_ATTR_SERVICE, flagged: false) { (nest) throws(NetlinkError) in
                nest.append(IPVSConstants.SVC_ATTR_AF, u16: service.addressFamily)
                if let fwmark = service.fwmark {
                    nest.append(IPVSConstants.SVC_ATTR_FWMARK, u32: fwmark)
                    return
                }
                guard let protocolNumber = service.protocolNumber, service.address.count == addressLength else {
                    throw .invalidArgument(
                        "service \(service.label) has no protocol or a \(service.address.count)-byte address")
                }
                nest.append(IPVSConstants.SVC_ATTR_PROTOCOL, u16: protocolNumber)
                try nest.append(IPVSConstants.SVC_ATTR_ADDR, bytes: service.address)
                try nest.append(
                    IPVSConstants.SVC_ATTR_PORT, bytes: [UInt8(service.port >> 8), UInt8(service.port & 0xff)])
            }
        } catch {
            throw DataplaneError("IPVS_CMD_GET_DEST request: \(error)")
        }
        return message(
            family: family, command: IPVSConstants.CMD_GET_DEST, flags: dumpFlags, sequence: sequence,
            attributes: attributes)
    }

    static func message(
        family: UInt16, command: UInt8, flags: UInt16, sequence: UInt32,
        attributes: NetlinkAttributeEncoder = NetlinkAttributeEncoder()
    ) -> NetlinkMessage {
        var message = NetlinkMessage.genericNetlink(
            family: family, command: command, version: IPVSConstants.genlVersion, flags: flags, attributes: attributes)
        message.sequence = sequence
        return message
    }
}
