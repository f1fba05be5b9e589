import Foundation
import Yams

/// Writes models to stdout: JSON (camelCase keys, sorted, pretty) or YAML from the same
/// `Encodable` value, or a table built by the command. Commands build models and hand
/// them here; they never print ad hoc.
enum Renderer {
    /// Encodes `value` as JSON text.
    static func json<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let text = String(decoding: try encoder.encode(value), as: UTF8.self)
        return (text == "[\n\n]" ? "[]" : text) + "\n"
    }

    /// Encodes `value` as YAML text.
    static func yaml<T: Encodable>(_ value: T) throws -> String {
        let encoder = YAMLEncoder()
        encoder.options.sortKeys = true
        return try encoder.encode(value)
    }

    /// Prints `value` in `format`, using `table` for table and wide output.
    static func emit<T: Encodable>(_ value: T, format: OutputFormat, table: (Bool) -> Table) throws {
        switch format {
        case .json: write(try json(value))
        case .yaml: write(try yaml(value))
        case .table: write(table(false).render())
        case .wide: write(table(true).render())
        }
    }

    /// Prints `value` in `format`, using `text` (given `wide`) for table and wide output,
    /// for views that are sections rather than one table.
    static func emit<T: Encodable>(_ value: T, format: OutputFormat, text: (Bool) -> String) throws {
        switch format {
        case .json: write(try json(value))
        case .yaml: write(try yaml(value))
        case .table: write(text(false))
        case .wide: write(text(true))
        }
    }

    /// Writes text to stdout unbuffered.
    static func write(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    /// Writes one diagnostic line to stderr.
    static func warn(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}
