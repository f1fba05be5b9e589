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
        let text = String(decoding: bytes, as: UTF8.self)
        guard text.utf8.elementsEqual(bytes) else { return nil }
        self = text
    }
}
