/// Pressure stall information (PSI; kernel docs accounting/psi.rst) from
/// `/proc/pressure/<resource>` or a cgroup's `<resource>.pressure`:
/// `some avg10=0.00 avg60=0.00 avg300=0.00 total=0` and `full …` lines; averages
/// are percentages of wall time, `total` is cumulative stall time in µs.
public struct PressureStall: Hashable, Sendable {
    /// The resources PSI reports on.
    public enum Resource: String, CaseIterable, Sendable {
        case cpu, memory, io, irq
    }

    /// One line of a pressure file.
    public struct Line: Hashable, Sendable {
        /// Share of time stalled over the last 10 s, in percent.
        public var avg10: Double
        /// Over the last 60 s, in percent.
        public var avg60: Double
        /// Over the last 300 s, in percent.
        public var avg300: Double
        /// Cumulative stall time in microseconds.
        public var totalMicros: UInt64

        /// Creates a line from its values.
        public init(avg10: Double, avg60: Double, avg300: Double, totalMicros: UInt64) {
            self.avg10 = avg10
            self.avg60 = avg60
            self.avg300 = avg300
            self.totalMicros = totalMicros
        }
    }

    /// Some tasks stalled on the resource.
    public var some: Line?
    /// All non-idle tasks stalled at once (for cpu at the system level, always zero
    /// before 5.13 and absent on older kernels).
    public var full: Line?

    /// Creates a value from its lines.
    public init(some: Line? = nil, full: Line? = nil) {
        self.some = some
        self.full = full
    }

    /// Parses pressure-file text; lines that do not match are skipped.
    public static func parse(_ text: String) -> PressureStall {
        var result = PressureStall()
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard let kind = fields.first else { continue }
            var values: [Substring: Substring] = [:]
            for field in fields.dropFirst() {
                guard let equals = field.firstIndex(of: "=") else { continue }
                values[field[..<equals]] = field[field.index(after: equals)...]
            }
            guard let avg10 = values["avg10"].flatMap({ Double($0) }),
                let avg60 = values["avg60"].flatMap({ Double($0) }),
                let avg300 = values["avg300"].flatMap({ Double($0) }),
                let total = values["total"].flatMap({ UInt64($0) })
            else { continue }
            let parsed = Line(avg10: avg10, avg60: avg60, avg300: avg300, totalMicros: total)
            if kind == "some" { result.some = parsed } else if kind == "full" { result.full = parsed }
        }
        return result
    }

    /// Reads the system-wide pressure of `resource` from `/proc/pressure/<resource>`.
    /// - Throws: `KernelError` (ENOENT without CONFIG_PSI or with `psi=0`).
    public static func readSystem(_ resource: Resource, procRoot: String = "/proc") throws(KernelError)
        -> PressureStall
    {
        parse(try SystemFile.read("\(procRoot)/pressure/\(resource.rawValue)"))
    }
}
