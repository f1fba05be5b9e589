import Glibc

/// Writes JSON text byte for byte as Foundation's `JSONEncoder` does with
/// `[.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]` (what `Renderer.json`
/// uses), but as it goes: values are appended to a 64 KiB buffer that is written to a
/// file descriptor whenever it fills, so a command listing hundreds of thousands of
/// values never holds its whole output, nor the encoder's intermediate tree.
///
/// The encoder's conventions, reproduced here:
/// - two spaces of indentation per level, `"key" : value`, one value per line;
/// - an empty array or object is its brackets with an empty line between them
///   (`[`, ``, `  ]`);
/// - strings escape `"` and `\`, control characters as `\b \f \n \r \t` or `\u00XX`;
///   `/` and non-ASCII text are kept as they are;
/// - a `Double` is its shortest round-trip `description` without a trailing `.0`
///   (`1`, `0.25`, `0.3333333333333333`, `1e-05`); NaN and infinities are refused.
///
/// The caller writes object keys in sorted order (byte order of their UTF-8), as the
/// encoder's `.sortedKeys` would. Not thread-safe; one writer per output.
struct PrettyJSONWriter: ~Copyable {
    /// Where full buffers go; nil keeps the whole text in memory (`text`).
    private let fileDescriptor: Int32?
    private var buffer: [UInt8] = []
    /// The open containers, innermost last.
    private var open: [Container] = []
    /// The last `Double` written and its text: weights repeat from one value to the next.
    private var lastDouble: Double = 1
    private var lastDoubleText: [UInt8] = Array("1".utf8)

    private static let flushThreshold = 1 << 16

    /// A writer that writes to `fileDescriptor` (stdout by default) as its buffer fills;
    /// `finish()` writes the rest.
    init(fileDescriptor: Int32 = STDOUT_FILENO) {
        self.fileDescriptor = fileDescriptor
        buffer.reserveCapacity(Self.flushThreshold + 4096)
    }

    /// A writer that keeps all its text in memory, read back with `text`.
    init(inMemory: Void) {
        fileDescriptor = nil
    }

    /// The text written so far (in-memory writers hold all of it).
    var text: String { String(decoding: buffer, as: UTF8.self) }

    // MARK: - Containers

    /// `[`: the values that follow are elements until `endArray()`.
    mutating func beginArray() {
        beforeValue()
        buffer.append(UInt8(ascii: "["))
        open.append(Container(isArray: true))
    }

    /// `]` closing the innermost array.
    mutating func endArray() { close(UInt8(ascii: "]")) }

    /// `{`: `key(_:)` and a value, for each member, until `endObject()`.
    mutating func beginObject() {
        beforeValue()
        buffer.append(UInt8(ascii: "{"))
        open.append(Container(isArray: false))
    }

    /// `}` closing the innermost object.
    mutating func endObject() { close(UInt8(ascii: "}")) }

    /// The next member's key, `"name" : `; its value follows. Keys must come in sorted order.
    mutating func key(_ name: StaticString) {
        newMember()
        buffer.append(UInt8(ascii: "\""))
        name.withUTF8Buffer { buffer.append(contentsOf: $0) }
        buffer.append(contentsOf: Self.keySeparator)
    }

    // MARK: - Values

    /// A string literal, escaped as the encoder escapes it.
    mutating func string(_ value: String) {
        beforeValue()
        appendQuoted(value)
    }

    /// A string literal, or `null`.
    mutating func string(_ value: String?) {
        if let value { string(value) } else { null() }
    }

    /// An integer in decimal.
    mutating func int(_ value: Int) {
        beforeValue()
        appendDecimal(value)
    }

    /// An integer in decimal, or `null`.
    mutating func int(_ value: Int?) {
        if let value { int(value) } else { null() }
    }

    /// A floating-point number as the encoder writes it (see the type's notes).
    /// - Throws: `JSONOutputError` for NaN or an infinity, which JSON cannot hold.
    mutating func double(_ value: Double) throws(JSONOutputError) {
        guard value.isFinite else { throw JSONOutputError("cannot write \(value) as a JSON number") }
        beforeValue()
        if value.bitPattern != lastDouble.bitPattern {
            var text = value.description
            if text.hasSuffix(".0") { text.removeLast(2) }
            lastDouble = value
            lastDoubleText = Array(text.utf8)
        }
        buffer.append(contentsOf: lastDoubleText)
    }

    /// `true` or `false`.
    mutating func bool(_ value: Bool) {
        beforeValue()
        buffer.append(contentsOf: value ? Self.trueText : Self.falseText)
    }

    /// `null`.
    mutating func null() {
        beforeValue()
        buffer.append(contentsOf: Self.nullText)
    }

    /// Raw text, written as is (a newline after the document, a literal `[]`).
    mutating func raw(_ text: StaticString) {
        text.withUTF8Buffer { buffer.append(contentsOf: $0) }
    }

    // MARK: - Output

    /// Writes the buffer out when it holds at least 64 KiB. Callers invoke it between
    /// values (after each array element), where the output can be cut.
    /// - Throws: `JSONOutputError` when the descriptor refuses the text.
    mutating func flushIfFull() throws(JSONOutputError) {
        if fileDescriptor != nil && buffer.count >= Self.flushThreshold { try flush() }
    }

    /// Writes whatever is buffered (nothing for an in-memory writer).
    mutating func finish() throws(JSONOutputError) {
        if fileDescriptor != nil { try flush() }
    }

    private mutating func flush() throws(JSONOutputError) {
        guard let fd = fileDescriptor else { return }
        var failure: Int32 = 0
        buffer.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    return
                }
                offset += written
            }
        }
        buffer.removeAll(keepingCapacity: true)
        if failure != 0 { throw JSONOutputError("cannot write output: \(String(cString: strerror(failure)))") }
    }

    // MARK: - Layout

    private static let keySeparator = Array("\" : ".utf8)
    private static let trueText = Array("true".utf8)
    private static let falseText = Array("false".utf8)
    private static let nullText = Array("null".utf8)

    /// An open array or object.
    private struct Container {
        var isArray: Bool
        /// No member written yet.
        var isEmpty = true
    }

    /// Starts a member of the innermost container: `\n` or `,\n`, then the indentation.
    private mutating func newMember() {
        if let last = open.indices.last {
            if !open[last].isEmpty { buffer.append(UInt8(ascii: ",")) }
            open[last].isEmpty = false
        }
        buffer.append(UInt8(ascii: "\n"))
        indent(open.count)
    }

    /// Array elements start a new line; an object member's value follows its key, and the
    /// document's first value starts the text.
    private mutating func beforeValue() {
        if open.last?.isArray == true { newMember() }
    }

    private mutating func close(_ bracket: UInt8) {
        guard let container = open.popLast() else { return }
        buffer.append(UInt8(ascii: "\n"))
        if container.isEmpty { buffer.append(UInt8(ascii: "\n")) }
        indent(open.count)
        buffer.append(bracket)
    }

    private mutating func indent(_ level: Int) {
        for _ in 0..<level { buffer.append(contentsOf: Self.twoSpaces) }
    }

    private static let twoSpaces: [UInt8] = [0x20, 0x20]

    private mutating func appendDecimal(_ value: Int) {
        if value == 0 {
            buffer.append(UInt8(ascii: "0"))
            return
        }
        var magnitude = value.magnitude
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: enough for 20 digits
        var count = 0
        withUnsafeMutableBytes(of: &digits) { raw in
            while magnitude > 0 {
                raw[23 - count] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
                count += 1
            }
            if value < 0 { buffer.append(UInt8(ascii: "-")) }
            buffer.append(contentsOf: UnsafeRawBufferPointer(rebasing: raw[(24 - count)...]))
        }
    }

    /// `"text"` with `"` and `\` escaped, control characters as `\b \f \n \r \t` or
    /// `\u00XX`; everything else (`/`, DEL, non-ASCII) as is.
    private mutating func appendQuoted(_ text: String) {
        buffer.append(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { bytes in
            var start = 0
            for index in 0..<bytes.count {
                let byte = bytes[index]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                if start < index { buffer.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<index])) }
                start = index + 1
                buffer.append(UInt8(ascii: "\\"))
                switch byte {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"): buffer.append(byte)
                case 0x08: buffer.append(UInt8(ascii: "b"))
                case 0x0C: buffer.append(UInt8(ascii: "f"))
                case 0x0A: buffer.append(UInt8(ascii: "n"))
                case 0x0D: buffer.append(UInt8(ascii: "r"))
                case 0x09: buffer.append(UInt8(ascii: "t"))
                default:
                    let hex = Array("0123456789abcdef".utf8)
                    buffer.append(contentsOf: [UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0")])
                    buffer.append(hex[Int(byte >> 4)])
                    buffer.append(hex[Int(byte & 0xF)])
                }
            }
            if start < bytes.count { buffer.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start...])) }
        }
        buffer.append(UInt8(ascii: "\""))
    }
}

/// Output a `PrettyJSONWriter` could not produce: a value JSON cannot hold, or a
/// descriptor that refused the text (a closed pipe, a full disk).
struct JSONOutputError: Error, CustomStringConvertible {
    let description: String

    init(_ message: String) { description = message }
}
