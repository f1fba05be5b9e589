/// One line of `/proc/<pid>/uid_map` or `gid_map` (user_namespaces(7), "User and
/// group ID mappings"): `count` IDs starting at `insideStart` in the process's user
/// namespace map to IDs starting at `outsideStart` in the reader's user namespace.
public struct IDMapRange: Hashable, Sendable {
    /// First ID inside the namespace.
    public var insideStart: UInt32
    /// First ID it maps to, seen from the reader's user namespace.
    public var outsideStart: UInt32
    /// Length of the range (4294967295 for the identity map of the initial namespace).
    public var count: UInt32

    /// Creates a range from its three numbers.
    public init(insideStart: UInt32, outsideStart: UInt32, count: UInt32) {
        self.insideStart = insideStart
        self.outsideStart = outsideStart
        self.count = count
    }

    /// Parses a map file; malformed lines are skipped.
    public static func parse(_ text: String) -> [IDMapRange] {
        text.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ")
            guard fields.count == 3, let inside = UInt32(fields[0]), let outside = UInt32(fields[1]),
                let count = UInt32(fields[2])
            else { return nil }
            return IDMapRange(insideStart: inside, outsideStart: outside, count: count)
        }
    }

    /// The outside ID for `id`, if this range maps it.
    public func outside(for id: UInt32) -> UInt32? {
        guard id >= insideStart, UInt64(id) - UInt64(insideStart) < UInt64(count) else { return nil }
        return outsideStart + (id - insideStart)
    }
}
