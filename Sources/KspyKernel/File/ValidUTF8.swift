import Glibc

extension String {
    /// `bytes` as a string when they are valid UTF-8, nil otherwise. Decoded on the
    /// standard library's UTF-8 path and compared with the input (a repair changes the
    /// bytes): the generic `String(validating:as:)` instantiates its metadata by
    /// mangled name at first use, a cost `kspy exec` would pay on its latency path.
    public init?(validUTF8 bytes: [UInt8]) {
        self.init(validUTF8: bytes[...])
    }

    /// `init(validUTF8:)` over a slice, without copying it.
    public init?(validUTF8 bytes: ArraySlice<UInt8>) {
        var text = String(decoding: bytes, as: UTF8.self)
        // Compared as memory: iterating the string's UTF-8 view is ten times slower.
        let same = text.withUTF8 { decoded in
            bytes.withUnsafeBufferPointer { original in
                decoded.count == original.count
                    && (decoded.isEmpty || memcmp(decoded.baseAddress!, original.baseAddress!, decoded.count) == 0)
            }
        }
        guard same else { return nil }
        self = text
    }
}
