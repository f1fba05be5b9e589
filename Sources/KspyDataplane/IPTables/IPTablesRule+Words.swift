/// Rules in words, for `kspy nat` and chain paths: "if tcp to 10.96.0.20 destination
/// port 80: jump to KUBE-SVC-…".
extension IPTablesRule {
    /// The whole rule in words: conditions, action, then the comment in quotes.
    public var words: String {
        let conditions = conditionWords
        var s: String
        if conditions.isEmpty {
            s = "always: \(actionWords)"
        } else if conditions[0].hasPrefix("with probability") {
            s = "\(conditions.joined(separator: ", ")): \(actionWords)"
        } else {
            s = "if \(conditions.joined(separator: ", ")): \(actionWords)"
        }
        if let comment { s += " — \"\(comment)\"" }
        return s
    }

    /// Each condition of the rule in words (selectors, then matches in order); comments
    /// and a bare `-m tcp` are left out.
    public var conditionWords: [String] {
        var out: [String] = []
        if let p = `protocol` { out.append(p.negated ? "protocol not \(p.value)" : "protocol \(p.value)") }
        if let s = source {
            out.append(s.negated ? "not from \(Self.address(s.value))" : "from \(Self.address(s.value))")
        }
        if let d = destination {
            out.append(d.negated ? "not to \(Self.address(d.value))" : "to \(Self.address(d.value))")
        }
        if let i = inInterface { out.append(i.negated ? "not in on \(i.value)" : "in on \(i.value)") }
        if let o = outInterface { out.append(o.negated ? "not out on \(o.value)" : "out on \(o.value)") }
        if let f = fragment { out.append(f ? "a fragment" : "not a fragment") }
        for match in matches {
            switch match.decoded {
            case .comment:
                continue
            case .ports(let p):
                if let s = p.sourcePorts { out.append("source port \(s.words)") }
                if let d = p.destinationPorts { out.append("destination port \(d.words)") }
                let others = match.options.filter {
                    !["--sport", "--source-port", "--dport", "--destination-port"].contains($0.name)
                }
                if !others.isEmpty { out.append((["-m", match.module] + others.map(\.text)).joined(separator: " ")) }
            case .statistic(let s):
                if s.mode == "random", let p = s.probability {
                    out.append(
                        s.negated ? "with probability 1 - \(Self.decimal(p))" : "with probability \(Self.decimal(p))")
                } else if let every = s.every {
                    out.append("\(s.negated ? "not " : "")every \(every) packets (from packet \(s.packet ?? 0))")
                } else {
                    out.append(match.text)
                }
            case .recent(let r):
                let who = r.usesDestination ? "destination" : "client (source)"
                switch r.action {
                case .rcheck?, .update?:
                    var s = "\(r.negated ? "not " : "")\(who) in recent list \(r.name)"
                    if let seconds = r.seconds { s += " seen within \(seconds) s" }
                    if r.action == .update { s += " (refreshing it)" }
                    if r.reap { s += " (older entries reaped)" }
                    out.append(s)
                case .set?:
                    out.append("record the \(who) in recent list \(r.name)")
                case .remove?:
                    out.append("remove the \(who) from recent list \(r.name)")
                case nil:
                    out.append(match.text)
                }
            case .addrtype(let a):
                if let t = a.sourceType { out.append("source is \(a.sourceNegated ? "not " : "")a \(t) address") }
                if let t = a.destinationType {
                    out.append("destination is \(a.destinationNegated ? "not " : "")a \(t) address")
                }
            case .mark(let m):
                let test = m.mask == 0xFFFF_FFFF ? "mark" : "mark & \(Self.hex(m.mask))"
                out.append("\(test) \(m.negated ? "is not" : "is") \(Self.hex(m.value))")
            case .conntrack(let c) where !c.states.isEmpty && match.options.count == 1:
                out.append("connection state \(c.negated ? "not " : "")\(c.states.joined(separator: ","))")
            case .conntrack, .other:
                out.append(match.text)
            }
        }
        out.append(contentsOf: otherOptions.map(\.text))
        return out
    }

    /// What the rule does, in words.
    public var actionWords: String {
        guard let target else { return "count only (no target)" }
        let jump = target.isGoto ? "go to" : "jump to"
        switch target.decoded {
        case .chain(let name):
            return name == "KUBE-MARK-MASQ" ? "\(jump) KUBE-MARK-MASQ (mark for masquerade)" : "\(jump) \(name)"
        case .verdict(let v):
            switch v {
            case "ACCEPT": return "accept"
            case "DROP": return "drop"
            case "RETURN": return "return to the calling chain"
            default: return "queue to userspace"
            }
        case .dnat(let d):
            return "DNAT to \(d.raw)"
        case .mark(let m):
            if let bits = m.orBits { return "set mark bits \(Self.hex(bits))" }
            if let bits = m.xorBits { return "flip mark bits \(Self.hex(bits))" }
            return "set mark to (mark & ~\(Self.hex(m.mask))) ^ \(Self.hex(m.value))"
        case .masquerade(let m):
            var s = "masquerade (source NAT to the outgoing interface's address"
            if let ports = m.toPorts { s += ", ports \(ports)" }
            if m.randomFully { s += ", fully random ports" } else if m.random { s += ", random ports" }
            return s + ")"
        case .reject(let with):
            return with.map { "reject with \($0)" } ?? "reject"
        case .other:
            return target.text
        }
    }

    /// An address without a host prefix (`10.0.0.1/32` → `10.0.0.1`).
    static func address(_ s: String) -> String {
        // Byte-level tests: with Foundation in the module, `contains(":")` would go through
        // NSString (a noticeable cost over 100,000s of rules).
        let isIPv6 = s.utf8.contains(UInt8(ascii: ":"))
        if !isIPv6 && s.utf8.count > 3 && s.utf8.suffix(3).elementsEqual("/32".utf8) { return String(s.dropLast(3)) }
        if isIPv6 && s.utf8.count > 4 && s.utf8.suffix(4).elementsEqual("/128".utf8) { return String(s.dropLast(4)) }
        return s
    }

    static func hex(_ v: UInt32) -> String { "0x" + String(v, radix: 16) }

    /// A probability with up to 11 decimals and no trailing zeros.
    static func decimal(_ p: Double) -> String {
        let scaled = (p * 1e11).rounded()
        var digits = String(Int64(scaled))
        while digits.count < 12 { digits = "0" + digits }
        var intPart = String(digits.dropLast(11))
        if intPart.isEmpty { intPart = "0" }
        var frac = String(digits.suffix(11))
        while frac.hasSuffix("0") { frac.removeLast() }
        return frac.isEmpty ? intPart : intPart + "." + frac
    }
}
