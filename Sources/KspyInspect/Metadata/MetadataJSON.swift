/// A JSON document as the metadata readers need it: objects, arrays, strings, and the
/// other scalars kept only as present. Parsed byte by byte without Foundation: every
/// discovery (and every `kspy exec`) reads runtime metadata, and `JSONDecoder`'s first
/// use costs more than reading a node's worth of small files. Not `indirect`: objects
/// and arrays already hold their members in heap storage, so a value needs no box of its
/// own (one allocation, and one release, fewer per string and number).
enum MetadataJSON: Equatable, Sendable {
    case object([(key: String, value: MetadataJSON)])
    case array([MetadataJSON])
    case string(String)
    /// A number as written.
    case number(String)
    case bool(Bool)
    case null

    static func == (a: MetadataJSON, b: MetadataJSON) -> Bool {
        switch (a, b) {
        case (.object(let x), .object(let y)):
            return x.count == y.count && zip(x, y).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        case (.array(let x), .array(let y)): return x == y
        case (.string(let x), .string(let y)): return x == y
        case (.number(let x), .number(let y)): return x == y
        case (.bool(let x), .bool(let y)): return x == y
        case (.null, .null): return true
        default: return false
        }
    }

    /// The member `key` of an object (the last one when repeated); nil otherwise.
    subscript(key: String) -> MetadataJSON? {
        guard case .object(let members) = self else { return nil }
        return members.last(where: { $0.key == key })?.value
    }

    /// The text of a string.
    var string: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    /// The elements of an array.
    var array: [MetadataJSON]? {
        if case .array(let elements) = self { return elements }
        return nil
    }

    /// An object whose values are all strings, as a dictionary (annotations, labels);
    /// nil for anything else.
    var stringMap: [String: String]? {
        guard case .object(let members) = self else { return nil }
        var map: [String: String] = [:]
        for member in members {
            guard case .string(let text) = member.value else { return nil }
            map[member.key] = text
        }
        return map
    }

    /// Parses one JSON text (RFC 8259); nil when it is not exactly one valid value.
    static func parse(_ bytes: [UInt8]) -> MetadataJSON? {
        var reader = Reader(bytes: bytes)
        guard let value = reader.value(depth: 0) else { return nil }
        reader.skipSpace()
        return reader.index == bytes.count ? value : nil
    }

    /// Parses a UTF-8 JSON text.
    static func parse(_ text: String) -> MetadataJSON? { parse(Array(text.utf8)) }

    /// The recursive-descent parser over the bytes.
    private struct Reader {
        let bytes: [UInt8]
        var index = 0

        /// Nesting deeper than this is refused rather than recursed into.
        static let maximumDepth = 512

        mutating func skipSpace() {
            while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
        }

        mutating func value(depth: Int) -> MetadataJSON? {
            guard depth < Self.maximumDepth else { return nil }
            skipSpace()
            guard index < bytes.count else { return nil }
            switch bytes[index] {
            case UInt8(ascii: "{"): return object(depth: depth)
            case UInt8(ascii: "["): return array(depth: depth)
            case UInt8(ascii: "\""): return string().map(MetadataJSON.string)
            case UInt8(ascii: "t"): return literal("true", .bool(true))
            case UInt8(ascii: "f"): return literal("false", .bool(false))
            case UInt8(ascii: "n"): return literal("null", .null)
            default: return number()
            }
        }

        private mutating func object(depth: Int) -> MetadataJSON? {
            index += 1  // {
            var members: [(key: String, value: MetadataJSON)] = []
            skipSpace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
                index += 1
                return .object(members)
            }
            while true {
                skipSpace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\""), let key = string() else { return nil }
                skipSpace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { return nil }
                index += 1
                guard let value = value(depth: depth + 1) else { return nil }
                members.append((key, value))
                guard let ended = endOfListItem(closing: UInt8(ascii: "}")) else { return nil }
                if ended { return .object(members) }
            }
        }

        private mutating func array(depth: Int) -> MetadataJSON? {
            index += 1  // [
            var elements: [MetadataJSON] = []
            skipSpace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
                index += 1
                return .array(elements)
            }
            while true {
                guard let element = value(depth: depth + 1) else { return nil }
                elements.append(element)
                guard let ended = endOfListItem(closing: UInt8(ascii: "]")) else { return nil }
                if ended { return .array(elements) }
            }
        }

        /// After an object member or array element: consumes `,` (false: another item
        /// follows) or `closing` (true: the list ends); nil for anything else.
        private mutating func endOfListItem(closing: UInt8) -> Bool? {
            skipSpace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ",") || bytes[index] == closing else { return nil }
            index += 1
            return bytes[index - 1] == closing
        }

        private mutating func literal(_ word: StaticString, _ result: MetadataJSON) -> MetadataJSON? {
            let count = word.utf8CodeUnitCount
            guard index + count <= bytes.count else { return nil }
            for k in 0..<count where bytes[index + k] != word.utf8Start[k] { return nil }
            index += count
            return result
        }

        /// `-? int frac? exp?` as RFC 8259 §6 writes it.
        private mutating func number() -> MetadataJSON? {
            let start = index
            func digits() -> Int {
                let first = index
                while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") {
                    index += 1
                }
                return index - first
            }
            if index < bytes.count, bytes[index] == UInt8(ascii: "-") { index += 1 }
            let integerStart = index
            let integerDigits = digits()
            // No leading zeros: `0` alone or a digit 1-9 first.
            guard integerDigits > 0, integerDigits == 1 || bytes[integerStart] != UInt8(ascii: "0") else { return nil }
            if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
                index += 1
                guard digits() > 0 else { return nil }
            }
            if index < bytes.count, bytes[index] | 0x20 == UInt8(ascii: "e") {
                index += 1
                if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                    index += 1
                }
                guard digits() > 0 else { return nil }
            }
            return .number(String(decoding: bytes[start..<index], as: UTF8.self))
        }

        /// A string starting at the opening quote; escapes decoded, `\u` surrogate pairs
        /// joined. Raw control characters and invalid UTF-8 make it invalid.
        private mutating func string() -> String? {
            index += 1  // "
            // Most strings have no escape: taken as one slice, not grown byte by byte.
            var end = index
            while end < bytes.count, bytes[end] != UInt8(ascii: "\""), bytes[end] != UInt8(ascii: "\\"),
                bytes[end] >= 0x20
            {
                end += 1
            }
            if end < bytes.count, bytes[end] == UInt8(ascii: "\"") {
                let plain = bytes[index..<end]
                index = end + 1
                return String(validUTF8: plain)
            }
            var out: [UInt8] = Array(bytes[index..<end])
            index = end
            while index < bytes.count {
                let byte = bytes[index]
                index += 1
                switch byte {
                case UInt8(ascii: "\""):
                    return String(validUTF8: out)
                case UInt8(ascii: "\\"):
                    guard index < bytes.count else { return nil }
                    let escape = bytes[index]
                    index += 1
                    switch escape {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(escape)
                    case UInt8(ascii: "b"): out.append(0x08)
                    case UInt8(ascii: "f"): out.append(0x0C)
                    case UInt8(ascii: "n"): out.append(0x0A)
                    case UInt8(ascii: "r"): out.append(0x0D)
                    case UInt8(ascii: "t"): out.append(0x09)
                    case UInt8(ascii: "u"):
                        guard var scalar = hex4() else { return nil }
                        if (0xD800..<0xDC00).contains(scalar) {
                            // A high surrogate must be followed by `\u` and a low one.
                            guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"),
                                bytes[index + 1] == UInt8(ascii: "u")
                            else { return nil }
                            index += 2
                            guard let low = hex4(), (0xDC00..<0xE000).contains(low) else { return nil }
                            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        }
                        guard let unicode = Unicode.Scalar(scalar) else { return nil }
                        out.append(contentsOf: UTF8.encode(unicode)!)
                    default:
                        return nil
                    }
                case 0x00..<0x20:
                    return nil
                default:
                    out.append(byte)
                }
            }
            return nil
        }

        /// Four hex digits.
        private mutating func hex4() -> UInt32? {
            guard index + 4 <= bytes.count else { return nil }
            var value: UInt32 = 0
            for _ in 0..<4 {
                let byte = bytes[index]
                let digit: UInt8
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
                default: return nil
                }
                value = value << 4 | UInt32(digit)
                index += 1
            }
            return value
        }
    }
}
