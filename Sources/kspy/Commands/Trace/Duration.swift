import ArgumentParser

/// A duration as kubectl and Go spell them: `500ms`, `30s`, `5m`, `1h`, `1h30m`, or a
/// plain number of seconds.
struct Duration: ExpressibleByArgument, Equatable {
    /// The length in seconds.
    var seconds: Double

    init(seconds: Double) { self.seconds = seconds }

    init?(argument: String) {
        if let plain = Double(argument), plain >= 0 {
            seconds = plain
            return
        }
        var total = 0.0
        var number = ""
        var index = argument.startIndex
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)]
        while index < argument.endIndex {
            let character = argument[index]
            if character.isNumber || character == "." {
                number.append(character)
                index = argument.index(after: index)
                continue
            }
            guard let value = Double(number),
                let (unit, factor) = units.first(where: { argument[index...].hasPrefix($0.0) })
            else { return nil }
            total += value * factor
            number = ""
            index = argument.index(index, offsetBy: unit.count)
        }
        guard number.isEmpty, total > 0 || argument.hasPrefix("0") else { return nil }
        seconds = total
    }
}
