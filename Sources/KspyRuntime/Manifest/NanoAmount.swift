/// An exact signed amount with nano (10⁻⁹) resolution, the precision Kubernetes keeps for
/// a quantity. Stored floored: the value is `units + nanos / 1_000_000_000` with
/// `0 <= nanos < 1_000_000_000`, so comparison and addition are plain integer work.
struct NanoAmount: Hashable, Comparable, Sendable {
    /// Nanos in one unit.
    static let nanosPerUnit: Int64 = 1_000_000_000

    /// The whole part, rounded towards negative infinity.
    let units: Int64
    /// The fraction above `units`, in nanos (0 ..< 10⁹).
    let nanos: Int64

    /// Zero.
    static let zero = NanoAmount(units: 0, nanos: 0)

    /// An amount from its floored parts (`nanos` must be in 0 ..< 10⁹).
    init(units: Int64, nanos: Int64) {
        self.units = units
        self.nanos = nanos
    }

    /// An amount from a magnitude (`units` whole units plus `nanos`, both ≥ 0, `nanos`
    /// below 10⁹) and a sign. Nil when the negative value does not fit.
    init?(magnitudeUnits: Int64, magnitudeNanos: Int64, negative: Bool) {
        if !negative || (magnitudeUnits == 0 && magnitudeNanos == 0) {
            self.init(units: magnitudeUnits, nanos: magnitudeNanos)
        } else if magnitudeNanos == 0 {
            self.init(units: -magnitudeUnits, nanos: 0)
        } else {
            let (units, overflow) = (-magnitudeUnits).subtractingReportingOverflow(1)
            if overflow { return nil }
            self.init(units: units, nanos: NanoAmount.nanosPerUnit - magnitudeNanos)
        }
    }

    /// True when the amount is below zero.
    var isNegative: Bool { units < 0 }

    /// True when the amount is zero.
    var isZero: Bool { units == 0 && nanos == 0 }

    /// True when the amount is above zero.
    var isPositive: Bool { units > 0 || (units == 0 && nanos > 0) }

    /// The amount rounded away from zero to a whole number, as Kubernetes' `Value()`
    /// rounds; nil when that does not fit in Int64.
    var roundedUpValue: Int64? {
        if isNegative || nanos == 0 { return units }
        let (result, overflow) = units.addingReportingOverflow(1)
        return overflow ? nil : result
    }

    /// The amount in thousandths, rounded away from zero, as Kubernetes' `MilliValue()`
    /// rounds; nil when that does not fit in Int64.
    var roundedUpMilliValue: Int64? {
        let nanosPerMilli: Int64 = 1_000_000
        let (scaled, overflow) = units.multipliedReportingOverflow(by: 1000)
        if overflow { return nil }
        var (result, overflow2) = scaled.addingReportingOverflow(nanos / nanosPerMilli)
        if overflow2 { return nil }
        if !isNegative && nanos % nanosPerMilli != 0 {
            (result, overflow2) = result.addingReportingOverflow(1)
            if overflow2 { return nil }
        }
        return result
    }

    /// The exact sum, or nil when it does not fit.
    func adding(_ other: NanoAmount) -> NanoAmount? {
        var nanos = self.nanos + other.nanos
        var carry: Int64 = 0
        if nanos >= NanoAmount.nanosPerUnit {
            nanos -= NanoAmount.nanosPerUnit
            carry = 1
        }
        let (partial, overflow) = units.addingReportingOverflow(other.units)
        if overflow { return nil }
        let (total, overflow2) = partial.addingReportingOverflow(carry)
        if overflow2 { return nil }
        return NanoAmount(units: total, nanos: nanos)
    }

    static func < (lhs: NanoAmount, rhs: NanoAmount) -> Bool {
        lhs.units != rhs.units ? lhs.units < rhs.units : lhs.nanos < rhs.nanos
    }
}
