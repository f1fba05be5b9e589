/// The text-to-amount half of `Quantity`: Kubernetes' quantity grammar, evaluated
/// exactly with decimal digit arithmetic (no floating point), then rounded up to nano
/// resolution as `resource.ParseQuantity` does.
///
/// Grammar (kubernetes apimachinery `pkg/api/resource/quantity.go`):
///
///     quantity ::= [sign] number [suffix]
///     number   ::= digits | digits "." [digits] | "." digits
///     suffix   ::= "Ki" | "Mi" | "Gi" | "Ti" | "Pi" | "Ei"
///                | "n" | "u" | "m" | "k" | "M" | "G" | "T" | "P" | "E"
///                | ("e" | "E") [sign] digits        (an Int32 exponent)
enum QuantityParser {
    /// How a suffix scales the number: `base ^ exponent` with base 10 or 2.
    private struct Scale {
        var powerOfTen: Int = 0
        var powerOfTwo: Int = 0
    }

    /// Parses `text` into its exact amount (magnitudes rounded up to whole nanos).
    static func parse(_ text: String) throws(QuantityError) -> NanoAmount {
        let bytes = Array(text.utf8)
        var index = 0
        var negative = false
        if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
            negative = bytes[index] == UInt8(ascii: "-")
            index += 1
        }
        var integerDigits: [UInt8] = []
        while index < bytes.count, let digit = digitValue(bytes[index]) {
            integerDigits.append(digit)
            index += 1
        }
        var fractionDigits: [UInt8] = []
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            while index < bytes.count, let digit = digitValue(bytes[index]) {
                fractionDigits.append(digit)
                index += 1
            }
        }
        guard !integerDigits.isEmpty || !fractionDigits.isEmpty else {
            throw .invalidFormat(text)
        }
        guard let scale = suffixScale(bytes[index...]) else { throw .invalidFormat(text) }

        // Most significant digit first: the number as an integer and a power of ten.
        let digits = integerDigits + fractionDigits
        let powerOfTen = scale.powerOfTen - fractionDigits.count
        guard
            let amount = evaluate(
                digits: digits, powerOfTen: powerOfTen, powerOfTwo: scale.powerOfTwo, negative: negative)
        else { throw .outOfRange(text) }
        return amount
    }

    /// `digits × 10^powerOfTen × 2^powerOfTwo`, its magnitude rounded up to whole nanos;
    /// nil when the result does not fit in NanoAmount or its milli-value in Int64.
    private static func evaluate(digits: [UInt8], powerOfTen: Int, powerOfTwo: Int, negative: Bool) -> NanoAmount? {
        // Least significant digit first, without leading zeros.
        var number = Array(digits.reversed())
        while let last = number.last, last == 0 { number.removeLast() }
        if number.isEmpty { return .zero }
        for _ in 0..<powerOfTwo { double(&number) }

        // The number of nanos: number × 10^(powerOfTen + 9), rounded up.
        let shift = powerOfTen + 9
        var nanoCount: [UInt8]
        if shift >= 0 {
            // Anything with more than 30 digits of nanos overflows Int64 units anyway.
            guard number.count + shift <= 30 else { return nil }
            nanoCount = Array(repeating: 0, count: shift) + number
        } else {
            let dropped = -shift
            if dropped >= number.count {
                nanoCount = [1]
            } else {
                let remainderIsZero = number[0..<dropped].allSatisfy { $0 == 0 }
                nanoCount = Array(number[dropped...])
                if !remainderIsZero { increment(&nanoCount) }
            }
        }

        var nanos: Int64 = 0
        for digit in nanoCount.prefix(9).reversed() { nanos = nanos * 10 + Int64(digit) }
        var units: Int64 = 0
        for digit in nanoCount.dropFirst(9).reversed() {
            let (scaled, overflow) = units.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = scaled.addingReportingOverflow(Int64(digit))
            if overflow || overflow2 { return nil }
            units = sum
        }
        // The magnitude's milli-value must fit (so its value does too); negating it cannot
        // overflow then.
        guard NanoAmount(units: units, nanos: nanos).roundedUpMilliValue != nil else { return nil }
        return NanoAmount(magnitudeUnits: units, magnitudeNanos: nanos, negative: negative)
    }

    /// The scaling a suffix denotes, or nil when it is not one of Kubernetes' suffixes.
    private static func suffixScale(_ suffix: ArraySlice<UInt8>) -> Scale? {
        switch String(decoding: suffix, as: UTF8.self) {
        case "": return Scale()
        case "n": return Scale(powerOfTen: -9)
        case "u": return Scale(powerOfTen: -6)
        case "m": return Scale(powerOfTen: -3)
        case "k": return Scale(powerOfTen: 3)
        case "M": return Scale(powerOfTen: 6)
        case "G": return Scale(powerOfTen: 9)
        case "T": return Scale(powerOfTen: 12)
        case "P": return Scale(powerOfTen: 15)
        case "E": return Scale(powerOfTen: 18)
        case "Ki": return Scale(powerOfTwo: 10)
        case "Mi": return Scale(powerOfTwo: 20)
        case "Gi": return Scale(powerOfTwo: 30)
        case "Ti": return Scale(powerOfTwo: 40)
        case "Pi": return Scale(powerOfTwo: 50)
        case "Ei": return Scale(powerOfTwo: 60)
        default: break
        }
        guard let first = suffix.first, first == UInt8(ascii: "e") || first == UInt8(ascii: "E"),
            let exponent = int32Exponent(suffix.dropFirst())
        else { return nil }
        return Scale(powerOfTen: Int(exponent))
    }

    /// A signed decimal integer that fits in Int32 (what Go's `ParseInt(s, 10, 32)` takes).
    private static func int32Exponent(_ text: ArraySlice<UInt8>) -> Int32? {
        var rest = text
        var negative = false
        if let sign = rest.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
            negative = sign == UInt8(ascii: "-")
            rest = rest.dropFirst()
        }
        guard !rest.isEmpty else { return nil }
        var value: Int64 = 0
        for byte in rest {
            guard let digit = digitValue(byte) else { return nil }
            value = value * 10 + Int64(digit)
            if value > Int64(Int32.max) + 1 { return nil }
        }
        if negative { value = -value }
        return Int32(exactly: value)
    }

    /// The value of an ASCII decimal digit.
    private static func digitValue(_ byte: UInt8) -> UInt8? {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") ? byte - UInt8(ascii: "0") : nil
    }

    /// Doubles a little-endian decimal number in place.
    private static func double(_ number: inout [UInt8]) {
        var carry: UInt8 = 0
        for position in number.indices {
            let doubled = number[position] * 2 + carry
            number[position] = doubled % 10
            carry = doubled / 10
        }
        if carry > 0 { number.append(carry) }
    }

    /// Adds one to a little-endian decimal number in place.
    private static func increment(_ number: inout [UInt8]) {
        for position in number.indices {
            if number[position] < 9 {
                number[position] += 1
                return
            }
            number[position] = 0
        }
        number.append(1)
    }
}
