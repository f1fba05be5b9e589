import Glibc

/// Identifiers as container runtimes make them.
public enum RandomID {
    /// A 64-hex-digit container ID (32 random bytes), as containerd and CRI-O use.
    public static func containerID() -> String {
        hex(byteCount: 32)
    }

    /// A random (version 4) UUID in lower case, as the API server gives pods.
    public static func uuid() -> String {
        var bytes = randomBytes(16)
        bytes[6] = (bytes[6] & 0x0f) | 0x40
        bytes[8] = (bytes[8] & 0x3f) | 0x80
        let h = bytes.map(hexByte)
        return h[0..<4].joined() + "-" + h[4..<6].joined() + "-" + h[6..<8].joined() + "-"
            + h[8..<10].joined() + "-" + h[10..<16].joined()
    }

    /// `byteCount` random bytes as lower-case hex.
    public static func hex(byteCount: Int) -> String {
        randomBytes(byteCount).map(hexByte).joined()
    }

    private static func randomBytes(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }

    private static func hexByte(_ byte: UInt8) -> String {
        let digits = Array("0123456789abcdef")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 0xf)]])
    }
}
