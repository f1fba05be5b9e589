/// Why a string is not a usable Kubernetes resource quantity.
public enum QuantityError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The text does not follow the quantity grammar (sign, number, suffix).
    case invalidFormat(String)
    /// The quantity is well formed, but its value, or its value in thousandths, does not
    /// fit in a signed 64-bit integer.
    case outOfRange(String)

    /// A one-line explanation naming the offending text.
    public var description: String {
        switch self {
        case .invalidFormat(let text):
            return "\"\(text)\" is not a valid quantity"
        case .outOfRange(let text):
            return "\"\(text)\" is out of range"
        }
    }
}
