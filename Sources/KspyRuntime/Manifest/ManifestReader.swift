import Yams

/// Walks the YAML node tree of a Pod manifest field by field, so that every error and
/// warning names its field path. Holds the warnings collected so far.
///
/// Conventions, as the API server's JSON decoding has them: a `null` value is the same as
/// an absent field; a field of the wrong YAML type (a number where a string belongs, a
/// string where a list belongs) is an error; a field kspy does not know is a warning.
struct ManifestReader {
    /// Warnings for ignored fields with where their key is, as found.
    private var located: [(line: Int, column: Int, text: String)] = []

    /// Warnings for ignored fields, in document order.
    var warnings: [String] {
        located.enumerated().sorted { lhs, rhs in
            (lhs.element.line, lhs.element.column, lhs.offset) < (rhs.element.line, rhs.element.column, rhs.offset)
        }.map(\.element.text)
    }

    /// The fields of one mapping: the known ones by key, the unknown ones already warned
    /// about.
    struct Fields {
        /// The path of the mapping itself ("" for the document root).
        let path: String
        /// Known keys with non-null values.
        private let values: [String: Node]
        /// Where each key is in the document.
        private let marks: [String: Mark]
        /// Keys that were present but not known (for messages).
        let unknownKeys: [String]

        init(path: String, values: [String: Node], marks: [String: Mark], unknownKeys: [String]) {
            self.path = path
            self.values = values
            self.marks = marks
            self.unknownKeys = unknownKeys
        }

        /// Where `key` is in the document.
        func mark(_ key: String) -> Mark? { marks[key] }

        /// The value of `key`, nil when absent or null.
        subscript(_ key: String) -> Node? { values[key] }

        /// The path of field `key`.
        func path(_ key: String) -> String { ManifestReader.join(path, key) }
    }

    // MARK: Paths and errors

    /// `parent.key`, or `key` at the root.
    static func join(_ parent: String, _ key: String) -> String {
        parent.isEmpty ? key : parent + "." + key
    }

    /// A field value quoted for messages, as Kubernetes quotes them.
    static func quoted(_ value: String) -> String {
        var result = "\""
        for character in value.unicodeScalars {
            switch character {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\t": result += "\\t"
            case "\r": result += "\\r"
            default:
                if character.value < 0x20 || character.value == 0x7f {
                    result += "\\u{" + String(character.value, radix: 16) + "}"
                } else {
                    result.unicodeScalars.append(character)
                }
            }
        }
        return result + "\""
    }

    /// Records that the field at `path` (whose key is at `mark`) is ignored.
    mutating func warnUnsupported(_ path: String, at mark: Mark?) {
        let text = "\(path): not supported by kspy test pods; ignored"
        located.append((mark?.line ?? Int.max, mark?.column ?? Int.max, text))
    }

    // MARK: Node kinds

    /// The resolved YAML tag of a node (`str`, `int`, `bool`, `null`, …).
    static func tagName(_ node: Node) -> Tag.Name {
        Tag.Name(rawValue: node.tag.rawValue)
    }

    /// True for a `null`, `~` or empty plain scalar.
    static func isNull(_ node: Node) -> Bool {
        if case .scalar = node { return Self.tagName(node) == .null }
        return false
    }

    /// What a node is, for "expected …" messages.
    private static func kindName(_ node: Node) -> String {
        switch node {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        case .scalar:
            switch Self.tagName(node) {
            case .str: return "a string"
            case .int: return "an integer"
            case .float: return "a number"
            case .bool: return "a boolean"
            case .null: return "null"
            default:
                let tag = Self.tagName(node).rawValue
                let short = tag.hasPrefix("tag:yaml.org,2002:") ? String(tag.dropFirst(18)) : tag
                return "a \(short) value"
            }
        }
    }

    /// An error for a node of the wrong kind.
    private static func typeError(_ path: String, expected: String, got node: Node) -> ManifestError {
        ManifestError(field: path, reason: "expected \(expected), got \(kindName(node))")
    }

    // MARK: Mappings and lists

    /// The entries of a mapping in document order, keys as strings.
    func entries(_ node: Node, at path: String) throws(ManifestError) -> [(key: String, mark: Mark?, value: Node)] {
        guard case .mapping(let mapping) = node else {
            throw Self.typeError(path, expected: "a mapping", got: node)
        }
        var result: [(key: String, mark: Mark?, value: Node)] = []
        for (key, value) in mapping {
            guard case .scalar(let scalar) = key else {
                throw ManifestError(field: path, reason: "mapping keys must be strings")
            }
            result.append((scalar.string, scalar.mark, value))
        }
        return result
    }

    /// The fields of the mapping at `path`. Keys not in `known` with a non-null value
    /// are warned about and left out.
    mutating func fields(_ node: Node, at path: String, known: Set<String>) throws(ManifestError) -> Fields {
        var values: [String: Node] = [:]
        var marks: [String: Mark] = [:]
        var unknown: [String] = []
        for (key, mark, value) in try entries(node, at: path) {
            marks[key] = mark
            if known.contains(key) {
                if !Self.isNull(value) { values[key] = value }
            } else {
                unknown.append(key)
                if !Self.isNull(value) { warnUnsupported(Self.join(path, key), at: mark) }
            }
        }
        return Fields(path: path, values: values, marks: marks, unknownKeys: unknown)
    }

    /// The items of a list.
    func sequence(_ node: Node, at path: String) throws(ManifestError) -> [Node] {
        guard case .sequence(let sequence) = node else {
            throw Self.typeError(path, expected: "a list", got: node)
        }
        return Array(sequence)
    }

    // MARK: Scalars

    /// A string (a quoted scalar, or a plain one YAML does not read as a number, boolean,
    /// null or date). NUL characters are refused: they cannot reach the kernel.
    func string(_ node: Node, at path: String) throws(ManifestError) -> String {
        guard case .scalar(let scalar) = node, Self.tagName(node) == .str else {
            throw Self.typeError(path, expected: "a string", got: node)
        }
        if scalar.string.utf8.contains(0) {
            throw ManifestError(field: path, reason: "must not contain NUL")
        }
        return scalar.string
    }

    /// A boolean (`true`, `false`, and YAML 1.1's `yes`, `no`, `on`, `off`).
    func bool(_ node: Node, at path: String) throws(ManifestError) -> Bool {
        guard case .scalar(let scalar) = node, Self.tagName(node) == .bool, let value = Bool.construct(from: scalar)
        else { throw Self.typeError(path, expected: "a boolean", got: node) }
        return value
    }

    /// An integer.
    func int(_ node: Node, at path: String) throws(ManifestError) -> Int {
        guard case .scalar(let scalar) = node, Self.tagName(node) == .int else {
            throw Self.typeError(path, expected: "an integer", got: node)
        }
        guard let value = Int.construct(from: scalar) else {
            throw ManifestError(field: path, reason: "\(scalar.string) is out of range")
        }
        return value
    }

    /// A list of strings.
    func stringList(_ node: Node, at path: String) throws(ManifestError) -> [String] {
        var result: [String] = []
        for (index, item) in try sequence(node, at: path).enumerated() {
            result.append(try string(item, at: "\(path)[\(index)]"))
        }
        return result
    }

    /// A mapping of strings to strings (labels, annotations); keys must be qualified
    /// names, and with `labelValues` values must be label values.
    func stringMap(_ node: Node, at path: String, labelValues: Bool) throws(ManifestError) -> [String: String] {
        var result: [String: String] = [:]
        for (key, _, value) in try entries(node, at: path) {
            if let problem = ManifestNames.qualifiedNameProblem(key) {
                throw ManifestError(field: path, reason: problem)
            }
            let valuePath = "\(path)[\(key)]"
            let text = try string(value, at: valuePath)
            if labelValues && !ManifestNames.isLabelValue(text) {
                throw ManifestError(
                    field: valuePath,
                    reason:
                        "\(Self.quoted(text)) must be a label value (at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit)"
                )
            }
            result[key] = text
        }
        return result
    }

    /// A quantity: a string, or a number YAML read as an integer or float (`cpu: 1`,
    /// `cpu: 0.5`), as Kubernetes accepts both.
    func quantity(_ node: Node, at path: String) throws(ManifestError) -> Quantity {
        guard case .scalar(let scalar) = node, [.str, .int, .float].contains(Self.tagName(node)) else {
            throw Self.typeError(path, expected: "a quantity", got: node)
        }
        do {
            return try Quantity(scalar.string)
        } catch {
            throw ManifestError(field: path, reason: error.description)
        }
    }

    // MARK: YAML errors

    /// Yams' error message on one line: position, context and problem, without the
    /// source snippet it appends.
    static func oneLine(_ error: any Error) -> String {
        guard let yamlError = error as? YamlError else { return collapse("\(error)") }
        switch yamlError {
        case .scanner(let context, let problem, let mark, _),
            .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            var text = "line \(mark.line), column \(mark.column): \(problem)"
            if let context {
                text += " (\(context.text) at line \(context.mark.line), column \(context.mark.column))"
            }
            return text
        case .reader(let problem, let offset, let value, _):
            var text = problem
            if let offset { text += " at byte \(offset)" }
            if value >= 0 { text += " (value \(value))" }
            return text
        case .duplicatedKeysInMapping(let duplicates, let context):
            let keys = duplicates.sorted().map { "\"\($0)\"" }.joined(separator: ", ")
            return "line \(context.mark.line), column \(context.mark.column): duplicate keys in a mapping: \(keys)"
        default:
            return collapse(yamlError.description)
        }
    }

    /// Text with runs of whitespace (newlines included) turned into single spaces.
    private static func collapse(_ text: String) -> String {
        text.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" }).joined(separator: " ")
    }
}
