import CLibbpf
import Glibc

/// A map of a loaded `BPFObject`, used through its file descriptor (bpf(2)
/// BPF_MAP_LOOKUP_ELEM). Valid while the object is open; it keeps the object alive.
public struct BPFMap: @unchecked Sendable {
    /// The map's name in the object.
    public let name: String
    /// The map's file descriptor; negative before the object is loaded.
    public let fileDescriptor: Int32
    /// The object the map belongs to.
    public let object: BPFObject

    /// The value stored under the 32-bit key `key` (an array map's index), read as a
    /// `Value` whose size must be the map's value size. Not for per-CPU maps (their
    /// lookups return one value per possible CPU).
    /// - Throws: `BPFError` (ENOENT for a missing key, EBADF before load).
    public func value<Value: BitwiseCopyable>(at key: UInt32, as type: Value.Type = Value.self) throws(BPFError)
        -> Value
    {
        if fileDescriptor < 0 { throw BPFError("look up BPF map", name, errno: EBADF) }
        var key = key
        let (result, value) = withUnsafeTemporaryAllocation(of: Value.self, capacity: 1) { buffer in
            let raw = UnsafeMutableRawPointer(buffer.baseAddress!)
            raw.initializeMemory(as: UInt8.self, repeating: 0, count: MemoryLayout<Value>.size)
            let result = bpf_map_lookup_elem(fileDescriptor, &key, raw)
            return (result, raw.load(as: Value.self))
        }
        if result < 0 { throw BPFError.fromResult("look up BPF map", "\(name)[\(key)]", result: result) }
        return value
    }
}
