/// A Kubernetes resource quantity (`100m`, `0.5`, `64Mi`, `1e3`), parsed as apimachinery's
/// `resource.ParseQuantity` parses it and kept exactly, at the nano (10⁻⁹) resolution
/// Kubernetes keeps (smaller non-zero magnitudes round up to 1n, as there).
///
/// Two quantities are equal when their values are (`1Gi == 1024Mi`); the text they were
/// written as is kept in `string` for display. Unlike Kubernetes, which silently caps
/// huge values, a quantity whose value in thousandths does not fit in Int64 (about
/// 9.2 × 10¹⁵, e.g. 8 PiB) is rejected, so `value()` and `milliValue()` are always exact.
public struct Quantity: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// The text the quantity was parsed from, unchanged.
    public let string: String
    /// The exact amount.
    let amount: NanoAmount
    /// `amount` rounded up to a whole number.
    private let roundedValue: Int64
    /// `amount` in thousandths, rounded up.
    private let roundedMilliValue: Int64

    /// Parses a quantity such as `100m`, `+1.5Gi`, `.5`, `1E-3`.
    /// - Throws: `QuantityError.invalidFormat` for text outside the grammar (spaces,
    ///   unknown suffixes such as `XB` or `mi`, no digits), `QuantityError.outOfRange`
    ///   when the value in thousandths does not fit in Int64.
    public init(_ string: String) throws(QuantityError) {
        let amount = try QuantityParser.parse(string)
        guard let value = amount.roundedUpValue, let milli = amount.roundedUpMilliValue else {
            throw .outOfRange(string)
        }
        self.string = string
        self.amount = amount
        self.roundedValue = value
        self.roundedMilliValue = milli
    }

    /// The quantity as a whole number, rounded up (Kubernetes `Value()`): memory in bytes.
    /// `0.5` → 1, `1.5Mi` → 1572864, `100m` → 1. Negative quantities round away from zero.
    public func value() -> Int64 { roundedValue }

    /// The quantity in thousandths, rounded up (Kubernetes `MilliValue()`): CPU in
    /// millicores. `100m` → 100, `0.5` → 500, `1e3` → 1000000, `0.1m` → 1.
    public func milliValue() -> Int64 { roundedMilliValue }

    /// True for a zero quantity (`0`, `0Mi`, `-0.0`).
    public var isZero: Bool { amount.isZero }

    /// True for a quantity below zero.
    public var isNegative: Bool { amount.isNegative }

    /// True for a quantity above zero.
    public var isPositive: Bool { amount.isPositive }

    /// The text the quantity was written as.
    public var description: String { string }

    /// Compares the exact values.
    public static func < (lhs: Quantity, rhs: Quantity) -> Bool { lhs.amount < rhs.amount }

    /// Equal values, however written.
    public static func == (lhs: Quantity, rhs: Quantity) -> Bool { lhs.amount == rhs.amount }

    /// Hashes the value (consistent with `==`).
    public func hash(into hasher: inout Hasher) { hasher.combine(amount) }

    /// Decodes a quantity from its text.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do {
            try self.init(text)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }

    /// Encodes the quantity as the text it was written as.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(string)
    }
}
