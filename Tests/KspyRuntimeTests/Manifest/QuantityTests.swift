import Foundation
import Testing

@testable import KspyRuntime

/// Kubernetes quantity parsing and its exact integer conversions.
@Suite struct QuantityTests {
    /// A valid quantity with its expected `value()` and `milliValue()`.
    struct Valid: CustomStringConvertible, Sendable {
        let text: String
        let value: Int64
        let milli: Int64
        var description: String { text }
    }

    static let valid: [Valid] = [
        Valid(text: "100m", value: 1, milli: 100),
        Valid(text: "0.5", value: 1, milli: 500),
        Valid(text: ".5", value: 1, milli: 500),
        Valid(text: "1", value: 1, milli: 1000),
        Valid(text: "1.", value: 1, milli: 1000),
        Valid(text: "64Mi", value: 67_108_864, milli: 67_108_864_000),
        Valid(text: "1G", value: 1_000_000_000, milli: 1_000_000_000_000),
        Valid(text: "1e3", value: 1000, milli: 1_000_000),
        Valid(text: "1E-3", value: 1, milli: 1),
        Valid(text: "1e+3", value: 1000, milli: 1_000_000),
        Valid(text: "1e03", value: 1000, milli: 1_000_000),
        Valid(text: "+1Ki", value: 1024, milli: 1_024_000),
        Valid(text: "1.5Gi", value: 1_610_612_736, milli: 1_610_612_736_000),
        Valid(text: "1.5Mi", value: 1_572_864, milli: 1_572_864_000),
        Valid(text: "0.1Ki", value: 103, milli: 102_400),
        Valid(text: "0", value: 0, milli: 0),
        Valid(text: "-0", value: 0, milli: 0),
        Valid(text: "0.0Gi", value: 0, milli: 0),
        Valid(text: "000", value: 0, milli: 0),
        Valid(text: "00012", value: 12, milli: 12_000),
        Valid(text: "123456789012", value: 123_456_789_012, milli: 123_456_789_012_000),
        Valid(text: "0.1m", value: 1, milli: 1),
        Valid(text: "1m", value: 1, milli: 1),
        Valid(text: "1500m", value: 2, milli: 1500),
        Valid(text: "2000m", value: 2, milli: 2000),
        Valid(text: "1u", value: 1, milli: 1),
        Valid(text: "1n", value: 1, milli: 1),
        Valid(text: "0.1n", value: 1, milli: 1),  // rounded up to 1n, like Kubernetes
        Valid(text: "1k", value: 1000, milli: 1_000_000),
        Valid(text: "1M", value: 1_000_000, milli: 1_000_000_000),
        Valid(text: "1T", value: 1_000_000_000_000, milli: 1_000_000_000_000_000),
        Valid(text: "1P", value: 1_000_000_000_000_000, milli: 1_000_000_000_000_000_000),
        Valid(text: "1Ti", value: 1_099_511_627_776, milli: 1_099_511_627_776_000),
        Valid(text: "1Pi", value: 1_125_899_906_842_624, milli: 1_125_899_906_842_624_000),
        Valid(text: "8Pi", value: 9_007_199_254_740_992, milli: 9_007_199_254_740_992_000),
        Valid(text: "0.001Ei", value: 1_152_921_504_606_847, milli: 1_152_921_504_606_846_976),
        Valid(text: "12e-1", value: 2, milli: 1200),
        Valid(text: "1e-2147483648", value: 1, milli: 1),
        Valid(text: "0.000000000000000000000000000001", value: 1, milli: 1),
        Valid(text: "9223372036854775", value: 9_223_372_036_854_775, milli: 9_223_372_036_854_775_000),
        Valid(text: "-1", value: -1, milli: -1000),
        Valid(text: "-0.5", value: -1, milli: -500),  // away from zero, like Kubernetes
        Valid(text: "-0.1m", value: -1, milli: -1),
        Valid(text: "-1.5Ki", value: -1536, milli: -1_536_000),
    ]

    @Test(arguments: valid) func parsesValidQuantity(_ expected: Valid) throws {
        let quantity = try Quantity(expected.text)
        #expect(quantity.value() == expected.value)
        #expect(quantity.milliValue() == expected.milli)
        #expect(quantity.string == expected.text)
        #expect(quantity.description == expected.text)
    }

    static let invalidFormat = [
        "12XB", "Mi", "", "1 Mi", " 1", "1 ", "1mi", "--1", "+-1", "1.2.3", "1.5.5", "1e", "1E+", "1e-", ".", "-",
        "+", "1K", "1ki", "1KI", "1Kie3", "e3", "1e1.5", "1e3.5", "0x10", "1_000", "1e2147483648", "1,5", "１",
        "1Mi ", "1b", "1.5 Gi", "Infinity", "NaN", "1ee3",
    ]

    @Test(arguments: invalidFormat) func rejectsMalformedQuantity(_ text: String) {
        #expect(throws: QuantityError.invalidFormat(text)) { try Quantity(text) }
    }

    static let outOfRange = [
        "99999999999999999999Ei", "1Ei", "1E", "9Pi", "9223372036854776", "1e19", "1e2147483647",
        "-99999999999999999999", "99999999999999999999999999999999999999999m",
    ]

    @Test(arguments: outOfRange) func rejectsQuantityBeyondInt64(_ text: String) {
        #expect(throws: QuantityError.outOfRange(text)) { try Quantity(text) }
    }

    @Test func errorDescriptionsQuoteTheText() {
        #expect(QuantityError.invalidFormat("12XB").description == "\"12XB\" is not a valid quantity")
        #expect(QuantityError.outOfRange("1Ei").description == "\"1Ei\" is out of range")
    }

    @Test func comparesExactValues() throws {
        #expect(try Quantity("1Gi") == Quantity("1024Mi"))
        #expect(try Quantity("1") == Quantity("1000m"))
        #expect(try Quantity("0.5") == Quantity("500m"))
        #expect(try Quantity("1e3") == Quantity("1k"))
        #expect(try Quantity("0") == Quantity("-0"))
        #expect(try Quantity("0.5") < Quantity("501m"))
        #expect(try Quantity("100m") > Quantity("0.0999"))
        #expect(try Quantity("0.1m") < Quantity("0.2m"))  // same milliValue, different values
        #expect(try Quantity("-1") < Quantity("-0.5"))
        #expect(try Quantity("-0.5") < Quantity("0"))
        #expect(try Quantity("1Ki") > Quantity("1k"))
        #expect(try Set([Quantity("1Gi"), Quantity("1024Mi"), Quantity("1G")]).count == 2)
    }

    @Test func reportsSign() throws {
        #expect(try Quantity("0Mi").isZero)
        #expect(try Quantity("1n").isPositive)
        #expect(try Quantity("-1n").isNegative)
        #expect(try !Quantity("0").isPositive)
        #expect(try !Quantity("0").isNegative)
    }

    @Test func codableAsItsText() throws {
        let quantity = try Quantity("1.5Gi")
        let data = try JSONEncoder().encode([quantity])
        #expect(String(decoding: data, as: UTF8.self) == #"["1.5Gi"]"#)
        let decoded = try JSONDecoder().decode([Quantity].self, from: data)
        #expect(decoded.first?.string == "1.5Gi")
        #expect(decoded == [quantity])
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode([Quantity].self, from: Data(#"["12XB"]"#.utf8))
        }
    }
}
