import KspyKernel

/// The security the kernel enforces on a container's process, read from
/// `/proc/<pid>/status` (Uid, Gid, Groups, CapEff, Seccomp, NoNewPrivs; proc(5)),
/// `/proc/<pid>/attr/current` (the LSM label) and `/proc/<pid>/uid_map`.
public struct ContainerSecurity: Codable, Hashable, Sendable {
    /// Effective UID (as seen from kspy's user namespace).
    public var uid: UInt32?
    /// Effective GID.
    public var gid: UInt32?
    /// Supplementary groups.
    public var groups: [UInt32]
    /// Effective capabilities by name (`CAP_NET_ADMIN`, …).
    public var capabilities: [String]
    /// `disabled`, `strict` or `filter` (the Seccomp field 0, 1, 2).
    public var seccompMode: String?
    /// The no_new_privs bit.
    public var noNewPrivs: Bool?
    /// The AppArmor profile or SELinux context, null when no LSM labels it.
    public var lsmLabel: String?
    /// The user namespace's UID map as `inside outside count` lines; empty for the
    /// initial user namespace (identity map).
    public var uidMap: [String]

    /// The security of process `pid`; parts that cannot be read stay null/empty.
    public init(pid: Int32, procfs: Procfs = Procfs()) {
        let status = try? procfs.status(pid: pid)
        uid = status?.uid?.effective
        gid = status?.gid?.effective
        groups = status?.groups ?? []
        capabilities = status?.capEffective.map(Capabilities.names) ?? []
        seccompMode = status?.seccompMode.map { mode in
            switch mode {
            case 0: return "disabled"
            case 1: return "strict"
            case 2: return "filter"
            default: return String(mode)
            }
        }
        noNewPrivs = status?.noNewPrivs
        lsmLabel = (try? procfs.securityLabel(pid: pid)) ?? nil
        let map = (try? procfs.uidMap(pid: pid)) ?? []
        let identity = map.count == 1 && map[0].insideStart == 0 && map[0].outsideStart == 0
            && map[0].count == UInt32.max
        uidMap = identity ? [] : map.map { "\($0.insideStart) \($0.outsideStart) \($0.count)" }
    }

    /// Encodes every key, nil as null.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(uid, forKey: .uid)
        try c.encode(gid, forKey: .gid)
        try c.encode(groups, forKey: .groups)
        try c.encode(capabilities, forKey: .capabilities)
        try c.encode(seccompMode, forKey: .seccompMode)
        try c.encode(noNewPrivs, forKey: .noNewPrivs)
        try c.encode(lsmLabel, forKey: .lsmLabel)
        try c.encode(uidMap, forKey: .uidMap)
    }
}
