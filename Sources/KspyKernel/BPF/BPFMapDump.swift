/// Every entry of a map as read at one moment, and how it was read.
public struct BPFMapDump: Hashable, Sendable {
    /// How the entries were read.
    public enum Method: String, Hashable, Sendable {
        /// BPF_MAP_LOOKUP_BATCH (kernel ≥ 5.6 for hash maps, 5.7 for arrays): a whole
        /// hash bucket per step, so an entry updated meanwhile is not skipped or doubled
        /// within its bucket.
        case batch
        /// BPF_MAP_GET_NEXT_KEY then BPF_MAP_LOOKUP_ELEM per key: the fallback for
        /// kernels and map types without batch support (LPM trie, …).
        case iteration
    }

    /// One key and its value, raw bytes as the kernel stores them.
    public struct Entry: Hashable, Sendable {
        public var key: [UInt8]
        /// The value: `valueSize` bytes, or for a per-CPU map one 8-byte-aligned slot
        /// per possible CPU.
        public var value: [UInt8]

        public init(key: [UInt8], value: [UInt8]) {
            self.key = key
            self.value = value
        }
    }

    /// The entries, in the kernel's iteration order (hash order: not meaningful).
    public var entries: [Entry]
    /// How they were read.
    public var method: Method

    public init(entries: [Entry], method: Method) {
        self.entries = entries
        self.method = method
    }
}
