/// One option as written in an `iptables-save` rule: `[!] --name [value …]`, kept verbatim
/// so that options kspy does not model are never lost.
public struct IPTablesOption: Codable, Hashable, Sendable {
    /// The option with its dashes (`--dport`, `-s`).
    public var name: String
    /// The values that followed it (quotes removed, escapes resolved).
    public var values: [String]
    /// True when `!` preceded the option (iptables' inversion).
    public var negated: Bool

    public init(name: String, values: [String] = [], negated: Bool = false) {
        self.name = name
        self.values = values
        self.negated = negated
    }

    /// The option in `iptables-save` syntax, values quoted where needed.
    public var text: String {
        var parts: [String] = negated ? ["!", name] : [name]
        parts.append(contentsOf: values.map(IPTablesOption.quoted))
        return parts.joined(separator: " ")
    }

    /// `value` quoted the way iptables-save quotes it: in double quotes with `"` and `\`
    /// backslash-escaped when it is empty or holds a space, quote, backslash or other
    /// character the shell-like splitting would break on; verbatim otherwise.
    public static func quoted(_ value: String) -> String {
        let needsQuotes =
            value.isEmpty
            || value.contains { c in
                c == " " || c == "\"" || c == "\\" || c == "'" || c == "\t" || c == "#"
            }
        if !needsQuotes { return value }
        var out = "\""
        for c in value {
            if c == "\"" || c == "\\" { out.append("\\") }
            out.append(c)
        }
        return out + "\""
    }
}

/// A `[!] value` selector of a rule: `-s`, `-d`, `-p`, `-i`, `-o`.
public struct IPTablesValueMatch: Codable, Hashable, Sendable {
    /// The value as written (`10.96.0.20/32`, `tcp`, `eth0`).
    public var value: String
    /// True for `! -s …`.
    public var negated: Bool

    public init(_ value: String, negated: Bool = false) {
        self.value = value
        self.negated = negated
    }
}
