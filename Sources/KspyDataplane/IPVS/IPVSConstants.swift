/// The IPVS generic netlink ABI (`include/uapi/linux/ip_vs.h`; dataplanes.md §3.2–3.3):
/// family name, commands, attribute types and flag bits. Stable kernel ABI.
public enum IPVSConstants {
    /// The generic netlink family name (`IPVS_GENL_NAME`).
    public static let familyName = "IPVS"
    /// `IPVS_GENL_VERSION`: the genl header version of IPVS requests.
    public static let genlVersion: UInt8 = 1

    // MARK: commands (IPVS_CMD_*)

    public static let CMD_NEW_SERVICE: UInt8 = 1
    public static let CMD_GET_SERVICE: UInt8 = 4
    public static let CMD_NEW_DEST: UInt8 = 5
    public static let CMD_GET_DEST: UInt8 = 8
    public static let CMD_NEW_DAEMON: UInt8 = 9
    public static let CMD_GET_DAEMON: UInt8 = 11
    public static let CMD_SET_CONFIG: UInt8 = 12
    public static let CMD_GET_CONFIG: UInt8 = 13
    public static let CMD_SET_INFO: UInt8 = 14
    public static let CMD_GET_INFO: UInt8 = 15

    // MARK: top-level attributes (IPVS_CMD_ATTR_*)

    public static let CMD_ATTR_SERVICE: UInt16 = 1
    public static let CMD_ATTR_DEST: UInt16 = 2
    public static let CMD_ATTR_DAEMON: UInt16 = 3
    public static let CMD_ATTR_TIMEOUT_TCP: UInt16 = 4
    public static let CMD_ATTR_TIMEOUT_TCP_FIN: UInt16 = 5
    public static let CMD_ATTR_TIMEOUT_UDP: UInt16 = 6

    // MARK: service attributes (IPVS_SVC_ATTR_*)

    public static let SVC_ATTR_AF: UInt16 = 1
    public static let SVC_ATTR_PROTOCOL: UInt16 = 2
    public static let SVC_ATTR_ADDR: UInt16 = 3
    public static let SVC_ATTR_PORT: UInt16 = 4
    public static let SVC_ATTR_FWMARK: UInt16 = 5
    public static let SVC_ATTR_SCHED_NAME: UInt16 = 6
    public static let SVC_ATTR_FLAGS: UInt16 = 7
    public static let SVC_ATTR_TIMEOUT: UInt16 = 8
    public static let SVC_ATTR_NETMASK: UInt16 = 9
    public static let SVC_ATTR_STATS: UInt16 = 10
    public static let SVC_ATTR_PE_NAME: UInt16 = 11
    public static let SVC_ATTR_STATS64: UInt16 = 12

    // MARK: destination attributes (IPVS_DEST_ATTR_*)

    public static let DEST_ATTR_ADDR: UInt16 = 1
    public static let DEST_ATTR_PORT: UInt16 = 2
    public static let DEST_ATTR_FWD_METHOD: UInt16 = 3
    public static let DEST_ATTR_WEIGHT: UInt16 = 4
    public static let DEST_ATTR_U_THRESH: UInt16 = 5
    public static let DEST_ATTR_L_THRESH: UInt16 = 6
    public static let DEST_ATTR_ACTIVE_CONNS: UInt16 = 7
    public static let DEST_ATTR_INACT_CONNS: UInt16 = 8
    public static let DEST_ATTR_PERSIST_CONNS: UInt16 = 9
    public static let DEST_ATTR_STATS: UInt16 = 10
    public static let DEST_ATTR_ADDR_FAMILY: UInt16 = 11
    public static let DEST_ATTR_STATS64: UInt16 = 12
    public static let DEST_ATTR_TUN_TYPE: UInt16 = 13
    public static let DEST_ATTR_TUN_PORT: UInt16 = 14
    public static let DEST_ATTR_TUN_FLAGS: UInt16 = 15

    // MARK: stats attributes (IPVS_STATS_ATTR_*), info attributes (IPVS_INFO_ATTR_*)

    public static let STATS_ATTR_CONNS: UInt16 = 1
    public static let STATS_ATTR_INPKTS: UInt16 = 2
    public static let STATS_ATTR_OUTPKTS: UInt16 = 3
    public static let STATS_ATTR_INBYTES: UInt16 = 4
    public static let STATS_ATTR_OUTBYTES: UInt16 = 5
    public static let STATS_ATTR_CPS: UInt16 = 6
    public static let STATS_ATTR_INPPS: UInt16 = 7
    public static let STATS_ATTR_OUTPPS: UInt16 = 8
    public static let STATS_ATTR_INBPS: UInt16 = 9
    public static let STATS_ATTR_OUTBPS: UInt16 = 10
    public static let INFO_ATTR_VERSION: UInt16 = 1
    public static let INFO_ATTR_CONN_TAB_SIZE: UInt16 = 2

    // MARK: service flags (IP_VS_SVC_F_*), address families, sizes

    public static let SVC_F_PERSISTENT: UInt32 = 0x1
    public static let SVC_F_HASHED: UInt32 = 0x2
    public static let SVC_F_ONEPACKET: UInt32 = 0x4
    public static let SVC_F_SCHED1: UInt32 = 0x8
    public static let SVC_F_SCHED2: UInt32 = 0x10
    public static let SVC_F_SCHED3: UInt32 = 0x20
    public static let AF_INET: UInt16 = 2
    public static let AF_INET6: UInt16 = 10
    /// `IP_VS_SCHEDNAME_MAXLEN`: scheduler names are at most 15 bytes plus NUL.
    public static let schedulerNameMax = 16
    /// `IP_VS_PENAME_MAXLEN`: persistence engine names are at most 15 bytes plus NUL.
    public static let peNameMax = 16
}
