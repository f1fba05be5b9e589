/// The numeric constants of generic netlink (genetlink(7) is undocumented; values from
/// the uapi headers `linux/netlink.h` and `linux/genetlink.h`). Stable kernel ABI.
public enum GenericNetlinkConstants {
    /// `NETLINK_GENERIC` (netlink.h): the generic netlink protocol.
    public static let NETLINK_GENERIC: Int32 = 16
    /// `GENL_HDRLEN`: size of `struct genlmsghdr` (u8 cmd, u8 version, u16 reserved).
    public static let GENL_HDRLEN = 4
    /// `GENL_NAMSIZ` (genetlink.h): family names are at most 15 bytes plus NUL.
    public static let GENL_NAMSIZ = 16
    /// `GENL_ID_CTRL` (genetlink.h): the `nlmsg_type` of the "nlctrl" controller family.
    public static let GENL_ID_CTRL: UInt16 = 16
    /// Version of the controller's commands that kspy speaks (`CTRL_CMD_*`, version 1
    /// as iproute2 `genl` and libnl send it).
    public static let CTRL_VERSION: UInt8 = 1

    /// `CTRL_CMD_NEWFAMILY` (genetlink.h): a family description (reply to GETFAMILY).
    public static let CTRL_CMD_NEWFAMILY: UInt8 = 1
    /// `CTRL_CMD_GETFAMILY` (genetlink.h): look up a family by name or id.
    public static let CTRL_CMD_GETFAMILY: UInt8 = 3

    /// `CTRL_ATTR_FAMILY_ID` (genetlink.h): the family's `nlmsg_type` (u16).
    public static let CTRL_ATTR_FAMILY_ID: UInt16 = 1
    /// `CTRL_ATTR_FAMILY_NAME` (genetlink.h): the family name (NUL-terminated string).
    public static let CTRL_ATTR_FAMILY_NAME: UInt16 = 2
    /// `CTRL_ATTR_VERSION` (genetlink.h): the family's version (u32).
    public static let CTRL_ATTR_VERSION: UInt16 = 3
    /// `CTRL_ATTR_HDRSIZE` (genetlink.h): size of the family's own header after genlmsghdr (u32).
    public static let CTRL_ATTR_HDRSIZE: UInt16 = 4
    /// `CTRL_ATTR_MAXATTR` (genetlink.h): the family's highest attribute type (u32).
    public static let CTRL_ATTR_MAXATTR: UInt16 = 5
}
