/// Turns the words of one `-A CHAIN …` line into an `IPTablesRule`: rule-level selectors,
/// `-m` matches with their options, and the `-j`/`-g` target with its options, each
/// decoded where kube-proxy uses it (iptables(8), iptables-extensions(8)).
enum IPTablesRuleBuilder {
    /// Why a rule could not be read (the parser adds the line).
    struct Failure: Error {
        let message: String
        init(_ message: String) { self.message = message }
    }

    static func build(chain: String, tokens: ArraySlice<IPTablesSaveParser.Token>) throws(Failure) -> IPTablesRule {
        var rule = IPTablesRule(chain: chain, line: 0, text: "")
        var negateNext = false
        var match: (module: String, options: [IPTablesOption])?
        var target: (name: String, isGoto: Bool, options: [IPTablesOption])?
        var i = tokens.startIndex

        func finishMatch() throws(Failure) {
            if let m = match {
                rule.matches.append(
                    IPTablesMatch(module: m.module, options: m.options, decoded: try decodeMatch(m.module, m.options)))
                match = nil
            }
        }

        while i < tokens.endIndex {
            let token = tokens[i]
            if !token.quoted && token.text == "!" {
                if negateNext { throw Failure("'! !'") }
                negateNext = true
                i += 1
                continue
            }
            guard !token.quoted, token.text.utf8.first == UInt8(ascii: "-"), token.text.utf8.count > 1 else {
                throw Failure("unexpected \(quote(token.text)) where an option was expected")
            }
            let name = token.text
            var values: [String] = []
            var j = i + 1
            while j < tokens.endIndex, tokens[j].quoted || !tokens[j].isOptionOrNegation {
                values.append(tokens[j].text)
                j += 1
            }
            let negated = negateNext
            negateNext = false
            i = j
            let option = IPTablesOption(name: name, values: values, negated: negated)

            if target != nil {
                target?.options.append(option)
                continue
            }
            switch RuleOption(name) {
            case .match?:
                try finishMatch()
                guard values.count == 1, !negated else { throw Failure("-m needs one module name") }
                match = (values[0], [])
            case .jump?, .goto?:
                try finishMatch()
                guard values.count == 1, !negated else { throw Failure("\(name) needs one target") }
                target = (values[0], RuleOption(name) == .goto, [])
            case .source?:
                rule.source = IPTablesValueMatch(try one(option), negated: negated)
            case .destination?:
                rule.destination = IPTablesValueMatch(try one(option), negated: negated)
            case .protocol?:
                rule.protocol = IPTablesValueMatch(try one(option), negated: negated)
            case .inInterface?:
                rule.inInterface = IPTablesValueMatch(try one(option), negated: negated)
            case .outInterface?:
                rule.outInterface = IPTablesValueMatch(try one(option), negated: negated)
            case .fragment?:
                guard values.isEmpty else { throw Failure("-f takes no value") }
                rule.fragment = !negated
            case .counters?:
                guard values.count == 2, let p = UInt64(values[0]), let b = UInt64(values[1]) else {
                    throw Failure("-c needs packets and bytes")
                }
                rule.counters = IPTablesCounters(packets: p, bytes: b)
            case nil:
                if match != nil {
                    match?.options.append(option)
                } else {
                    rule.otherOptions.append(option)
                }
            }
        }
        if negateNext { throw Failure("'!' with no option after it") }
        try finishMatch()
        if let t = target {
            rule.target = IPTablesTarget(
                name: t.name, isGoto: t.isGoto, options: t.options, decoded: try decodeTarget(t.name, t.options))
        }
        return rule
    }

    /// The rule-level options `build` reads itself (iptables(8) "PARAMETERS"), short and
    /// long forms; every other option belongs to the match or target before it.
    enum RuleOption {
        case match, jump, goto, source, destination, `protocol`, inInterface, outInterface, fragment, counters

        /// The option `name` is, or nil. Most options of a rule belong to matches and
        /// targets, so the name is told apart by its length and bytes first: at most two
        /// string comparisons instead of one per spelling.
        init?(_ name: String) {
            let utf8 = name.utf8
            if utf8.count == 2 {
                guard utf8.first == UInt8(ascii: "-") else { return nil }
                switch utf8.last! {
                case UInt8(ascii: "m"): self = .match
                case UInt8(ascii: "j"): self = .jump
                case UInt8(ascii: "g"): self = .goto
                case UInt8(ascii: "s"): self = .source
                case UInt8(ascii: "d"): self = .destination
                case UInt8(ascii: "p"): self = .protocol
                case UInt8(ascii: "i"): self = .inInterface
                case UInt8(ascii: "o"): self = .outInterface
                case UInt8(ascii: "f"): self = .fragment
                case UInt8(ascii: "c"): self = .counters
                default: return nil
                }
                return
            }
            let found: RuleOption?
            switch utf8.count {
            case 5: found = name == "--dst" ? .destination : name == "--src" ? .source : nil
            case 6: found = name == "--jump" ? .jump : name == "--goto" ? .goto : nil
            case 7: found = name == "--match" ? .match : nil
            case 8: found = name == "--source" ? .source : nil
            case 10: found = name == "--protocol" ? .protocol : name == "--fragment" ? .fragment : nil
            case 13: found = name == "--destination" ? .destination : nil
            case 14: found = name == "--in-interface" ? .inInterface : name == "--set-counters" ? .counters : nil
            case 15: found = name == "--out-interface" ? .outInterface : nil
            default: found = nil
            }
            guard let found else { return nil }
            self = found
        }
    }

    // MARK: - Matches

    static func decodeMatch(_ module: String, _ options: [IPTablesOption]) throws(Failure) -> IPTablesMatch.Decoded {
        switch module {
        case "comment":
            guard let o = options.first(where: { $0.name == "--comment" }) else {
                throw Failure("-m comment without --comment")
            }
            return .comment(try one(o))
        case "statistic":
            var mode: String?
            var probability: Double?
            var every: Int?
            var packet: Int?
            var negated = false
            for o in options {
                switch o.name {
                case "--mode": mode = try one(o)
                case "--probability":
                    guard let p = Double(try one(o)), p >= 0, p <= 1 else {
                        throw Failure("--probability \(quote(o.values.first ?? "")) is not a number in 0…1")
                    }
                    probability = p
                    negated = negated || o.negated
                case "--every":
                    guard let n = Int(try one(o)), n > 0 else { throw Failure("--every needs a positive number") }
                    every = n
                    negated = negated || o.negated
                case "--packet":
                    guard let n = Int(try one(o)), n >= 0 else { throw Failure("--packet needs a number") }
                    packet = n
                default: continue
                }
            }
            guard let mode, mode == "random" || mode == "nth" else {
                throw Failure("-m statistic needs --mode random or nth")
            }
            if mode == "random" && probability == nil {
                throw Failure("-m statistic --mode random without --probability")
            }
            if mode == "nth" && every == nil { throw Failure("-m statistic --mode nth without --every") }
            return .statistic(
                IPTablesStatisticMatch(
                    mode: mode, probability: probability, every: every, packet: packet, negated: negated))
        case "recent":
            var r = IPTablesRecentMatch(
                name: "DEFAULT", action: nil, seconds: nil, hitCount: nil, reap: false, rttl: false,
                usesDestination: false, mask: nil, negated: false)
            for o in options {
                switch o.name {
                case "--name": r.name = try one(o)
                case "--set", "--rcheck", "--update", "--remove":
                    guard o.values.isEmpty else { throw Failure("\(o.name) takes no value") }
                    r.action = IPTablesRecentMatch.Action(rawValue: String(o.name.dropFirst(2)))
                    r.negated = o.negated
                case "--seconds":
                    guard let n = Int(try one(o)), n >= 0 else { throw Failure("--seconds needs a number") }
                    r.seconds = n
                case "--hitcount":
                    guard let n = Int(try one(o)), n >= 0 else { throw Failure("--hitcount needs a number") }
                    r.hitCount = n
                case "--reap": r.reap = true
                case "--rttl": r.rttl = true
                case "--rsource": r.usesDestination = false
                case "--rdest": r.usesDestination = true
                case "--mask": r.mask = try one(o)
                default: continue
                }
            }
            return .recent(r)
        case "addrtype":
            var a = IPTablesAddrtypeMatch(
                sourceType: nil, sourceNegated: false, destinationType: nil, destinationNegated: false,
                limitInInterface: false, limitOutInterface: false)
            for o in options {
                switch o.name {
                case "--src-type":
                    a.sourceType = try one(o)
                    a.sourceNegated = o.negated
                case "--dst-type":
                    a.destinationType = try one(o)
                    a.destinationNegated = o.negated
                case "--limit-iface-in": a.limitInInterface = true
                case "--limit-iface-out": a.limitOutInterface = true
                default: continue
                }
            }
            return .addrtype(a)
        case "mark":
            guard let o = options.first(where: { $0.name == "--mark" }) else { throw Failure("-m mark without --mark") }
            let (value, mask) = try valueMask(try one(o), defaultMask: 0xFFFF_FFFF)
            return .mark(IPTablesMarkMatch(value: value, mask: mask, negated: o.negated))
        case "tcp", "udp", "sctp", "udplite", "dccp":
            var p = IPTablesPortMatch(protocol: module, sourcePorts: nil, destinationPorts: nil)
            for o in options {
                switch o.name {
                case "--sport", "--source-port": p.sourcePorts = try portRange(o)
                case "--dport", "--destination-port": p.destinationPorts = try portRange(o)
                default: continue
                }
            }
            return .ports(p)
        case "conntrack":
            var c = IPTablesConntrackMatch(states: [], negated: false)
            for o in options where o.name == "--ctstate" {
                c.states = try one(o).split(separator: ",").map { String($0) }
                c.negated = o.negated
            }
            return .conntrack(c)
        default:
            return .other
        }
    }

    // MARK: - Targets

    /// True for the targets `decodeTarget` gives a typed view of (every other name, a
    /// user chain included, decodes as `.other`).
    static func isTypedTarget(_ name: String) -> Bool {
        switch name {
        case "ACCEPT", "DROP", "RETURN", "QUEUE", "DNAT", "MARK", "MASQUERADE", "REJECT": return true
        default: return false
        }
    }

    static func decodeTarget(_ name: String, _ options: [IPTablesOption]) throws(Failure) -> IPTablesTarget.Decoded {
        switch name {
        case "ACCEPT", "DROP", "RETURN", "QUEUE":
            return .verdict(name)
        case "DNAT":
            guard let o = options.first(where: { $0.name == "--to-destination" || $0.name == "--to" }) else {
                throw Failure("DNAT without --to-destination")
            }
            var d = try natDestination(try one(o))
            d.random = options.contains { $0.name == "--random" }
            d.persistent = options.contains { $0.name == "--persistent" }
            return .dnat(d)
        case "MARK":
            for o in options {
                switch o.name {
                case "--set-xmark":
                    let (value, mask) = try valueMask(try one(o), defaultMask: 0xFFFF_FFFF)
                    return .mark(IPTablesMarkTarget(value: value, mask: mask))
                case "--set-mark":
                    let (value, mask) = try valueMask(try one(o), defaultMask: 0xFFFF_FFFF)
                    return .mark(IPTablesMarkTarget(value: value, mask: mask | value))
                case "--or-mark":
                    let x = try number(try one(o))
                    return .mark(IPTablesMarkTarget(value: x, mask: x))
                case "--and-mark":
                    let x = try number(try one(o))
                    return .mark(IPTablesMarkTarget(value: 0, mask: ~x))
                case "--xor-mark":
                    let x = try number(try one(o))
                    return .mark(IPTablesMarkTarget(value: x, mask: 0))
                default:
                    continue
                }
            }
            throw Failure("MARK without --set-xmark/--set-mark/--or-mark/--and-mark/--xor-mark")
        case "MASQUERADE":
            return .masquerade(
                IPTablesMasqueradeTarget(
                    toPorts: options.first { $0.name == "--to-ports" }?.values.first,
                    random: options.contains { $0.name == "--random" },
                    randomFully: options.contains { $0.name == "--random-fully" }))
        case "REJECT":
            return .reject(with: options.first { $0.name == "--reject-with" }?.values.first)
        default:
            return .other
        }
    }

    // MARK: - Values

    static func one(_ o: IPTablesOption) throws(Failure) -> String {
        guard o.values.count == 1 else {
            throw Failure(o.values.isEmpty ? "\(o.name) without a value" : "\(o.name) with \(o.values.count) values")
        }
        return o.values[0]
    }

    static func number(_ s: String) throws(Failure) -> UInt32 {
        let parsed: UInt32?
        if s.hasPrefix("0x") || s.hasPrefix("0X") {
            parsed = UInt32(s.dropFirst(2), radix: 16)
        } else {
            parsed = UInt32(s)
        }
        guard let parsed else { throw Failure("\(quote(s)) is not a 32-bit number") }
        return parsed
    }

    static func valueMask(_ s: String, defaultMask: UInt32) throws(Failure) -> (UInt32, UInt32) {
        let parts = s.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 1 || parts.count == 2 else { throw Failure("\(quote(s)) is not value[/mask]") }
        let value = try number(String(parts[0]))
        let mask = parts.count == 2 ? try number(String(parts[1])) : defaultMask
        return (value, mask)
    }

    static func port(_ s: Substring) throws(Failure) -> Int {
        guard let n = Int(s), n >= 0, n <= 65535 else { throw Failure("\(quote(String(s))) is not a port") }
        return n
    }

    static func portRange(_ o: IPTablesOption) throws(Failure) -> IPTablesPortRange {
        let s = try one(o)
        let parts = s.split(separator: ":", omittingEmptySubsequences: false)
        switch parts.count {
        case 1:
            let p = try port(parts[0])
            return IPTablesPortRange(lower: p, upper: p, negated: o.negated)
        case 2:
            let lower = parts[0].isEmpty ? 0 : try port(parts[0])
            let upper = parts[1].isEmpty ? 65535 : try port(parts[1])
            return IPTablesPortRange(lower: lower, upper: upper, negated: o.negated)
        default:
            throw Failure("\(o.name) \(quote(s)) is not a port or port:port range")
        }
    }

    /// `ip[-ip][:port[-port]]`, `[v6][:port[-port]]`, `v6`, or `:port`.
    static func natDestination(_ s: String) throws(Failure) -> IPTablesNATDestination {
        if let plain = plainIPv4Destination(s) { return plain }
        var addressPart: Substring
        var portPart: Substring?
        if s.hasPrefix("[") {
            guard let close = s.firstIndex(of: "]") else { throw Failure("\(quote(s)): '[' without ']'") }
            addressPart = s[s.index(after: s.startIndex)..<close]
            let rest = s[s.index(after: close)...]
            if !rest.isEmpty {
                guard rest.hasPrefix(":") else { throw Failure("\(quote(s)): junk after ']'") }
                portPart = rest.dropFirst()
            }
        } else if s.utf8.lazy.filter({ $0 == UInt8(ascii: ":") }).count > 1 {
            addressPart = Substring(s)
        } else if let colon = s.firstIndex(of: ":") {
            addressPart = s[..<colon]
            portPart = s[s.index(after: colon)...]
        } else {
            addressPart = Substring(s)
        }
        var address: String?
        var addressMax: String?
        if !addressPart.isEmpty {
            let range = addressPart.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
            guard range.allSatisfy({ !$0.isEmpty && isAddress($0) }) else {
                throw Failure("\(quote(s)) is not an address[:port]")
            }
            address = String(range[0])
            if range.count == 2 { addressMax = String(range[1]) }
        }
        var portValue: Int?
        var portMax: Int?
        if let portPart {
            let range = portPart.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
            portValue = try port(range[0])
            if range.count == 2 { portMax = try port(range[1]) }
        }
        if address == nil && portValue == nil { throw Failure("empty DNAT destination") }
        return IPTablesNATDestination(
            raw: s, address: address, addressMax: addressMax, port: portValue, portMax: portMax)
    }

    /// The common `a.b.c.d:port` form read in one pass over the bytes (nil for anything
    /// else, which `natDestination` reads in full); gives the same value as the full path.
    private static func plainIPv4Destination(_ s: String) -> IPTablesNATDestination? {
        var colon: String.Index?
        var port = 0
        var portDigits = 0
        for i in s.utf8.indices {
            let b = s.utf8[i]
            if colon == nil {
                if b == UInt8(ascii: ":") {
                    colon = i
                } else if !(b >= 0x30 && b <= 0x39) && b != UInt8(ascii: ".") {
                    return nil
                }
            } else {
                guard b >= 0x30 && b <= 0x39, portDigits < 5 else { return nil }
                port = port * 10 + Int(b - 0x30)
                portDigits += 1
            }
        }
        guard let colon, colon > s.startIndex, portDigits > 0, port <= 65535 else { return nil }
        return IPTablesNATDestination(
            raw: s, address: String(s[..<colon]), addressMax: nil, port: port, portMax: nil)
    }

    private static func isAddress(_ s: Substring) -> Bool {
        s.utf8.allSatisfy { b in
            (b >= 0x30 && b <= 0x3A) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66) || b == UInt8(ascii: ".")
        }
    }

    static func quote(_ s: String) -> String {
        let clean = String(
            s.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? Character("?") : Character($0) })
        return clean.count <= 40 ? "'\(clean)'" : "'\(clean.prefix(40))…'"
    }
}
