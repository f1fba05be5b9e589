import CLibbpf

/// A BPF map type (`enum bpf_map_type` in linux/bpf.h), with bpftool's name for it.
/// Kept as the raw number so a type newer than these headers still round-trips.
public struct BPFMapType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The kernel's `bpf_map_type` value.
    public let rawValue: UInt32

    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// BPF_MAP_TYPE_HASH.
    public static let hash = BPFMapType(rawValue: BPF_MAP_TYPE_HASH.rawValue)
    /// BPF_MAP_TYPE_ARRAY.
    public static let array = BPFMapType(rawValue: BPF_MAP_TYPE_ARRAY.rawValue)
    /// BPF_MAP_TYPE_PERCPU_HASH.
    public static let perCPUHash = BPFMapType(rawValue: BPF_MAP_TYPE_PERCPU_HASH.rawValue)
    /// BPF_MAP_TYPE_PERCPU_ARRAY.
    public static let perCPUArray = BPFMapType(rawValue: BPF_MAP_TYPE_PERCPU_ARRAY.rawValue)
    /// BPF_MAP_TYPE_LRU_HASH.
    public static let lruHash = BPFMapType(rawValue: BPF_MAP_TYPE_LRU_HASH.rawValue)
    /// BPF_MAP_TYPE_LRU_PERCPU_HASH.
    public static let lruPerCPUHash = BPFMapType(rawValue: BPF_MAP_TYPE_LRU_PERCPU_HASH.rawValue)
    /// BPF_MAP_TYPE_LPM_TRIE.
    public static let lpmTrie = BPFMapType(rawValue: BPF_MAP_TYPE_LPM_TRIE.rawValue)
    /// BPF_MAP_TYPE_ARRAY_OF_MAPS.
    public static let arrayOfMaps = BPFMapType(rawValue: BPF_MAP_TYPE_ARRAY_OF_MAPS.rawValue)
    /// BPF_MAP_TYPE_HASH_OF_MAPS.
    public static let hashOfMaps = BPFMapType(rawValue: BPF_MAP_TYPE_HASH_OF_MAPS.rawValue)
    /// BPF_MAP_TYPE_RINGBUF.
    public static let ringBuffer = BPFMapType(rawValue: BPF_MAP_TYPE_RINGBUF.rawValue)

    /// bpftool's names (`libbpf_bpf_map_type_str`), indexed by type number.
    private static let names = [
        "unspec", "hash", "array", "prog_array", "perf_event_array", "percpu_hash", "percpu_array",
        "stack_trace", "cgroup_array", "lru_hash", "lru_percpu_hash", "lpm_trie", "array_of_maps",
        "hash_of_maps", "devmap", "sockmap", "cpumap", "xskmap", "sockhash", "cgroup_storage",
        "reuseport_sockarray", "percpu_cgroup_storage", "queue", "stack", "sk_storage", "devmap_hash",
        "struct_ops", "ringbuf", "inode_storage", "task_storage", "bloom_filter", "user_ringbuf",
        "cgrp_storage", "arena",
    ]

    /// bpftool's name (`hash`, `lru_hash`, …), or `type <n>` for a type unknown here.
    public var name: String {
        rawValue < Self.names.count ? Self.names[Int(rawValue)] : "type \(rawValue)"
    }

    /// True for the per-CPU types, whose lookups return one value per possible CPU,
    /// each rounded up to 8 bytes (bpf(2), Documentation/bpf/map_hash.rst).
    public var isPerCPU: Bool {
        self == .perCPUHash || self == .perCPUArray || self == .lruPerCPUHash
            || rawValue == BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE.rawValue
    }

    public var description: String { name }
}
