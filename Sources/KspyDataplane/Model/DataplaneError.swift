/// A dataplane input kspy cannot decode: one line naming where (file and line, rule,
/// map and sizes, netlink offset) and why. Never a crash.
public struct DataplaneError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The message.
    public let description: String

    public init(_ message: String) { description = message }
}
