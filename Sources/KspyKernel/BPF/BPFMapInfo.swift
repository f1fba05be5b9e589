/// What the kernel says about a map (`struct bpf_map_info` from
/// BPF_OBJ_GET_INFO_BY_FD, bpf(2)): its type and the sizes every key and value must have.
public struct BPFMapInfo: Hashable, Sendable {
    /// The map's kernel-wide id (what `bpftool map show` lists).
    public var id: UInt32
    /// The map type.
    public var type: BPFMapType
    /// The map's name, at most 15 bytes (BPF_OBJ_NAME_LEN − 1): the kernel truncates
    /// longer names, so `cilium_lb4_services_v2` shows as `cilium_lb4_serv`.
    public var name: String
    /// Bytes per key.
    public var keySize: Int
    /// Bytes per value (per CPU for a per-CPU map).
    public var valueSize: Int
    /// The capacity the map was created with.
    public var maxEntries: Int
    /// `BPF_F_*` creation flags (BPF_F_NO_PREALLOC, BPF_F_RDONLY_PROG, …).
    public var flags: UInt32

    public init(
        id: UInt32, type: BPFMapType, name: String, keySize: Int, valueSize: Int, maxEntries: Int, flags: UInt32
    ) {
        self.id = id
        self.type = type
        self.name = name
        self.keySize = keySize
        self.valueSize = valueSize
        self.maxEntries = maxEntries
        self.flags = flags
    }
}
