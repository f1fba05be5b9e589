/// A one-line error for the user; kspy prints it as `Error: <message>` and exits 1.
struct CLIError: Error, CustomStringConvertible {
    /// The message.
    let description: String

    init(_ message: String) { description = message }
}
