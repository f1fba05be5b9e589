/// Linux capability names by bit number, as capabilities(7) and
/// `<linux/capability.h>` define them (CAP_CHOWN = 0 … CAP_CHECKPOINT_RESTORE = 40),
/// for decoding the hex masks of `/proc/<pid>/status` (`CapEff`, `CapBnd`, …).
/// Names use the capabilities(7) spelling, e.g. `CAP_SYS_ADMIN`; a bit the table does
/// not know (a newer kernel) is shown as `cap_<n>`, e.g. `cap_41`.
public enum Capabilities {
    /// The known names; the index is the bit number.
    public static let knownNames: [String] = [
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
        "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE",
        "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE",
        "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT",
        "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE",
        "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG",
        "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF",
        "CAP_CHECKPOINT_RESTORE",
    ]

    /// The name of capability `bit` (`21` → `CAP_SYS_ADMIN`, unknown → `cap_<bit>`).
    public static func name(bit: Int) -> String {
        bit >= 0 && bit < knownNames.count ? knownNames[bit] : "cap_\(bit)"
    }

    /// The names of the bits set in `mask`, lowest bit first (`0x1` → `["CAP_CHOWN"]`).
    public static func names(_ mask: UInt64) -> [String] {
        (0..<64).filter { mask & (UInt64(1) << UInt64($0)) != 0 }.map { name(bit: $0) }
    }

    /// The bit of a capability given as `CAP_SYS_ADMIN`, `SYS_ADMIN` (Kubernetes
    /// securityContext style), `cap_sys_admin` or `cap_<n>`, case-insensitively; nil if unknown.
    public static func bit(named name: String) -> Int? {
        var upper = name.uppercased()
        if !upper.hasPrefix("CAP_") { upper = "CAP_" + upper }
        if let index = knownNames.firstIndex(of: upper) { return index }
        if let number = Int(upper.dropFirst(4)), number >= 0, number < 64 { return number }
        return nil
    }

    /// The mask with the bits of `names` set; nil when a name is unknown.
    public static func mask(_ names: [String]) -> UInt64? {
        var mask: UInt64 = 0
        for name in names {
            guard let bit = bit(named: name) else { return nil }
            mask |= UInt64(1) << UInt64(bit)
        }
        return mask
    }
}
