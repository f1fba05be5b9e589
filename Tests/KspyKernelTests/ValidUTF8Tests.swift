import Testing

@testable import KspyKernel

/// `String(validUTF8:)` accepts exactly what the standard library's validating
/// initializer accepts.
@Suite struct ValidUTF8Tests {
    @Test func acceptsValidAndRejectsInvalidSequences() {
        #expect(String(validUTF8: Array("kubepods".utf8)) == "kubepods")
        #expect(String(validUTF8: Array("Grüße → €𝄞".utf8)) == "Grüße → €𝄞")
        #expect(String(validUTF8: []) == "")
        for invalid: [UInt8] in [[0xFF], [0x61, 0xE2, 0x82], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80]] {
            #expect(String(validUTF8: invalid) == nil, "\(invalid)")
        }
        // A three-byte invalid sequence repaired to U+FFFD keeps the byte count: still nil.
        #expect(String(validUTF8: [0xE0, 0x80, 0x80]) == nil)
    }

    @Test func agreesWithTheStandardLibraryOnRandomBytes() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<5000 {
            let count = Int.random(in: 0...6, using: &generator)
            // Bytes biased towards UTF-8 lead and continuation bytes.
            let bytes = (0..<count).map { _ in
                [UInt8.random(in: 0x00...0x7F), UInt8.random(in: 0x80...0xBF), UInt8.random(in: 0xC0...0xFF)]
                    .randomElement(using: &generator)!
            }
            #expect(String(validUTF8: bytes) == String(validating: bytes, as: UTF8.self), "\(bytes)")
            // A slice in the middle of a larger array gives the same answer.
            let padded = [0x41] + bytes + [0x42]
            #expect(String(validUTF8: padded[1..<(padded.count - 1)]) == String(validUTF8: bytes))
        }
    }
}
