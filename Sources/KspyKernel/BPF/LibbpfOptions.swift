/// libbpf's `*_opts` structs, filled in memory that is zero in every byte. libbpf
/// checks that the bytes past the fields it knows are zero (`OPTS_VALID`), padding
/// included, and a Swift value of an imported C struct does not promise zero padding:
/// libbpf 1.1 refused `bpf_obj_get_opts` with "has non-zero extra bytes" (EINVAL).
enum LibbpfOptions {
    /// Calls `body` with a zeroed `T` whose `sz` field `setSize` sets to the size of `T`.
    static func with<T, Result>(
        _ type: T.Type, setSize: (UnsafeMutablePointer<T>, Int) -> Void,
        _ body: (UnsafeMutablePointer<T>) throws -> Result
    ) rethrows -> Result {
        let raw = UnsafeMutableRawPointer.allocate(
            byteCount: MemoryLayout<T>.stride, alignment: MemoryLayout<T>.alignment)
        defer { raw.deallocate() }
        raw.initializeMemory(as: UInt8.self, repeating: 0, count: MemoryLayout<T>.stride)
        let options = raw.assumingMemoryBound(to: T.self)
        setSize(options, MemoryLayout<T>.size)
        return try body(options)
    }
}
