import Glibc

/// Decodes the xtables info blobs iptables-nft stores in nf_tables `match` / `target`
/// expressions (`NFTA_MATCH_INFO`, `NFTA_TARGET_INFO`; dataplanes.md §6.2, x86-64
/// layouts, `XT_ALIGN` = 8) into the words `iptables-nft-save` (v1.8.9) prints for them,
/// so the text goes through the same `IPTablesRuleBuilder` as a saved dump.
///
/// A known extension with a revision or blob size other than the ones listed here is
/// refused (`Failure`, one line with the sizes); an unknown extension is kept by name
/// with its raw blob as `--xt-rev N --xt-info HEX` (no iptables option; `.other`).
enum XTInfoDecoder {
    struct Failure: Error {
        let message: String
        init(_ message: String) { self.message = message }
    }

    /// A port selector `--sport`/`--dport` of `-m tcp|udp|sctp` (host-order ranges).
    struct Ports: Equatable {
        var module: String
        var sourcePorts: (UInt16, UInt16) = (0, 0xFFFF)
        var destinationPorts: (UInt16, UInt16) = (0, 0xFFFF)
        var sourceNegated = false
        var destinationNegated = false
        /// Further options (`--tcp-flags`, `--tcp-option`), already in words.
        var extra = ""

        static func == (a: Ports, b: Ports) -> Bool {
            a.module == b.module && a.sourcePorts == b.sourcePorts && a.destinationPorts == b.destinationPorts
                && a.sourceNegated == b.sourceNegated && a.destinationNegated == b.destinationNegated
                && a.extra == b.extra
        }

        /// `tcp_save` / `udp_save` words.
        var words: String {
            var out = ""
            func range(_ name: String, _ r: (UInt16, UInt16), _ neg: Bool) {
                guard r.0 != 0 || r.1 != 0xFFFF else { return }
                if neg { out += " !" }
                out += r.0 != r.1 ? " --\(name) \(r.0):\(r.1)" : " --\(name) \(r.0)"
            }
            range("sport", sourcePorts, sourceNegated)
            range("dport", destinationPorts, destinationNegated)
            return out + extra
        }
    }

    /// A decoded match: its module name as printed after `-m` and its option words
    /// (each preceded by a space), or a port match that native payload expressions may
    /// still add to.
    enum Match {
        case words(module: String, options: String)
        case ports(Ports)
    }

    // MARK: - Blob access

    struct Blob {
        let bytes: [UInt8]
        func u8(_ at: Int) -> UInt8 { bytes[at] }
        func u16(_ at: Int) -> UInt16 { UInt16(bytes[at]) | UInt16(bytes[at + 1]) << 8 }
        func be16(_ at: Int) -> UInt16 { UInt16(bytes[at]) << 8 | UInt16(bytes[at + 1]) }
        func u32(_ at: Int) -> UInt32 {
            UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24
        }
        func ipv4(_ at: Int) -> String { "\(bytes[at]).\(bytes[at + 1]).\(bytes[at + 2]).\(bytes[at + 3])" }
        func ipv6(_ at: Int) -> String { NFTWire.ipv6(Array(bytes[at..<(at + 16)])) }
        /// A `union nf_inet_addr` at `at` as `family` writes it.
        func address(_ at: Int, _ family: IPTablesFamily) -> String { family == .ipv4 ? ipv4(at) : ipv6(at) }
        /// NUL-terminated text in `range` (the whole range when no NUL).
        func cString(_ at: Int, max: Int) -> String {
            var end = at
            while end < at + max && bytes[end] != 0 { end += 1 }
            return String(decoding: bytes[at..<end], as: UTF8.self)
        }
    }

    /// Checks name/revision/size against the expected `(revision, aligned size)` pairs.
    static func check(
        _ kind: String, _ name: String, rev: UInt32, size: Int, allowed: [(UInt32, Int)]
    ) throws(Failure) {
        guard let expected = allowed.first(where: { $0.0 == rev }) else {
            let revs = allowed.map { String($0.0) }.joined(separator: " or ")
            throw Failure("\(kind) \(name) revision \(rev) is not supported (expected \(revs))")
        }
        guard expected.1 == size else {
            throw Failure("\(kind) \(name) rev \(rev) info is \(size) bytes, expected \(expected.1)")
        }
    }

    static func hex(_ b: [UInt8]) -> String { b.isEmpty ? "-" : b.map { String(format2: $0) }.joined() }

    /// `xtables_save_string`: bare when only `[A-Za-z0-9_-]`, else in double quotes with
    /// `"`, `\` and `'` backslash-escaped.
    static func saveString(_ s: String) -> String {
        let plain =
            !s.isEmpty
            && s.utf8.allSatisfy { b in
                (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x5F
                    || b == 0x2D
            }
        if plain { return s }
        var out = "\""
        for c in s {
            if c == "\"" || c == "\\" || c == "'" { out.append("\\") }
            out.append(c)
        }
        return out + "\""
    }

    /// `%.11f`.
    static func fixed11(_ v: Double) -> String {
        var buffer = [CChar](repeating: 0, count: 64)
        let length = withVaList([v]) { vsnprintf(&buffer, buffer.count, "%.11f", $0) }
        return String(
            decoding: buffer.prefix(max(0, min(Int(length), buffer.count - 1))).map { UInt8(bitPattern: $0) },
            as: UTF8.self)
    }

    static let addressTypes = [
        "UNSPEC", "UNICAST", "LOCAL", "BROADCAST", "ANYCAST", "MULTICAST", "BLACKHOLE", "UNREACHABLE", "PROHIBIT",
        "THROW", "NAT", "XRESOLVE",
    ]

    static func typeList(_ mask: UInt16) -> String {
        addressTypes.indices.filter { mask & (1 << UInt16($0)) != 0 }.map { addressTypes[$0] }.joined(separator: ",")
    }

    static func ctStates(_ mask: UInt16) -> String {
        let names: [(UInt16, String)] = [
            (0x1, "INVALID"), (0x8, "NEW"), (0x4, "RELATED"), (0x2, "ESTABLISHED"), (0x100, "UNTRACKED"),
            (0x40, "SNAT"), (0x80, "DNAT"),
        ]
        return names.filter { mask & $0.0 != 0 }.map(\.1).joined(separator: ",")
    }

    // MARK: - Matches

    static func match(name: String, rev: UInt32, info: [UInt8], family: IPTablesFamily = .ipv4) throws(Failure)
        -> Match
    {
        let b = Blob(bytes: info)
        let size = info.count
        switch name {
        case "comment":
            try check("match", name, rev: rev, size: size, allowed: [(0, 256)])
            return .words(module: name, options: " --comment " + saveString(b.cString(0, max: 256)))
        case "statistic":
            try check("match", name, rev: rev, size: size, allowed: [(0, 24)])
            let mode = b.u16(0)
            let inverted = b.u16(2) & 0x1 != 0 ? " !" : ""
            switch mode {
            case 0:
                let p = Double(b.u32(4)) / Double(0x8000_0000)
                return .words(module: name, options: " --mode random\(inverted) --probability \(fixed11(p))")
            case 1:
                let every = UInt64(b.u32(4)) + 1
                let packet = b.u32(8)
                return .words(
                    module: name, options: " --mode nth\(inverted) --every \(every) --packet \(packet)")
            default:
                throw Failure("match statistic has unknown mode \(mode)")
            }
        case "tcp":
            try check("match", name, rev: rev, size: size, allowed: [(0, 16)])
            var p = Ports(module: name)
            p.sourcePorts = (b.u16(0), b.u16(2))
            p.destinationPorts = (b.u16(4), b.u16(6))
            let option = b.u8(8)
            let flagMask = b.u8(9)
            let flagCompare = b.u8(10)
            let inv = b.u8(11)
            p.sourceNegated = inv & 0x1 != 0
            p.destinationNegated = inv & 0x2 != 0
            if option != 0 || inv & 0x8 != 0 {
                p.extra += (inv & 0x8 != 0 ? " !" : "") + " --tcp-option \(option)"
            }
            if flagMask != 0 || inv & 0x4 != 0 {
                p.extra += (inv & 0x4 != 0 ? " !" : "") + " --tcp-flags \(tcpFlags(flagMask)) \(tcpFlags(flagCompare))"
            }
            return .ports(p)
        case "udp", "udplite":
            try check("match", name, rev: rev, size: size, allowed: [(0, 16)])
            var p = Ports(module: name)
            p.sourcePorts = (b.u16(0), b.u16(2))
            p.destinationPorts = (b.u16(4), b.u16(6))
            let inv = b.u8(8)
            p.sourceNegated = inv & 0x1 != 0
            p.destinationNegated = inv & 0x2 != 0
            return .ports(p)
        case "sctp":
            // xt_sctp_info: dpts[2] @0, spts[2] @4, chunkmap[64] @8, chunk_match_type @264,
            // flag_info[4] @268, flag_count @280, flags @284, invflags @288; 292 → 296.
            try check("match", name, rev: rev, size: size, allowed: [(0, 296)])
            let flags = b.u32(284)
            let inv = b.u32(288)
            guard flags & ~UInt32(0x3) == 0 else {
                throw Failure("match sctp with --chunk-types is not decoded (flags 0x\(String(flags, radix: 16)))")
            }
            var p = Ports(module: name)
            if flags & 0x1 != 0 { p.sourcePorts = (b.u16(4), b.u16(6)) }
            if flags & 0x2 != 0 { p.destinationPorts = (b.u16(0), b.u16(2)) }
            p.sourceNegated = inv & 0x1 != 0
            p.destinationNegated = inv & 0x2 != 0
            // sctp_save prints ports that were given even when they span 0:65535.
            if flags & 0x1 != 0 && p.sourcePorts == (0, 0xFFFF) || flags & 0x2 != 0 && p.destinationPorts == (0, 0xFFFF)
            {
                var words = ""
                if flags & 0x1 != 0 { words += (p.sourceNegated ? " !" : "") + " --sport 0:65535" }
                if flags & 0x2 != 0 { words += (p.destinationNegated ? " !" : "") + " --dport 0:65535" }
                return .words(module: name, options: words)
            }
            return .ports(p)
        case "mark":
            try check("match", name, rev: rev, size: size, allowed: [(1, 16)])
            return .words(module: name, options: markWords(value: b.u32(0), mask: b.u32(4), negated: b.u8(8) != 0))
        case "addrtype":
            try check("match", name, rev: rev, size: size, allowed: [(1, 8)])
            let source = b.u16(0)
            let dest = b.u16(2)
            let flags = b.u32(4)
            var out = ""
            if source != 0 { out += (flags & 0x1 != 0 ? " !" : "") + " --src-type " + typeList(source) }
            if dest != 0 { out += (flags & 0x2 != 0 ? " !" : "") + " --dst-type " + typeList(dest) }
            if flags & 0x4 != 0 { out += " --limit-iface-in" }
            if flags & 0x8 != 0 { out += " --limit-iface-out" }
            return .words(module: name, options: out)
        case "conntrack":
            try check("match", name, rev: rev, size: size, allowed: [(3, 168)])
            let matchFlags = b.u16(146)
            let invert = b.u16(148)
            let states = b.u16(150)
            let alias = matchFlags & 0x2000 != 0
            guard matchFlags & ~UInt16(0x2001) == 0 else {
                throw Failure(
                    "match conntrack options other than --ctstate are not decoded (flags 0x\(String(matchFlags, radix: 16)))"
                )
            }
            var out = ""
            if matchFlags & 0x1 != 0 {
                out += (invert & 0x1 != 0 ? " !" : "") + (alias ? " --state " : " --ctstate ") + ctStates(states)
            }
            return .words(module: alias ? "state" : name, options: out)
        case "recent":
            try check("match", name, rev: rev, size: size, allowed: [(1, 232)])
            let seconds = b.u32(0)
            let hits = b.u32(4)
            let checkSet = b.u8(8)
            var out = b.u8(9) != 0 ? " !" : ""
            if checkSet & 0x2 != 0 { out += " --set" }
            if checkSet & 0x1 != 0 { out += " --rcheck" }
            if checkSet & 0x4 != 0 { out += " --update" }
            if checkSet & 0x8 != 0 { out += " --remove" }
            if seconds != 0 { out += " --seconds \(seconds)" }
            if checkSet & 0x20 != 0 { out += " --reap" }
            if hits != 0 { out += " --hitcount \(hits)" }
            if checkSet & 0x10 != 0 { out += " --rttl" }
            out += " --name " + b.cString(10, max: 200)
            out += " --mask " + b.address(212, family)
            switch b.u8(210) {
            case 0: out += " --rsource"
            case 1: out += " --rdest"
            default: break
            }
            return .words(module: name, options: out)
        case "nfacct":
            try check("match", name, rev: rev, size: size, allowed: [(0, 40)])
            return .words(module: name, options: " --nfacct-name " + b.cString(0, max: 32))
        default:
            return .words(module: name, options: " --xt-rev \(rev) --xt-info \(hex(info))")
        }
    }

    /// `mark_mt_save` / `print_mark`.
    static func markWords(value: UInt32, mask: UInt32, negated: Bool) -> String {
        let v = "0x" + String(value, radix: 16)
        return (negated ? " !" : "") + " --mark " + (mask == 0xFFFF_FFFF ? v : v + "/0x" + String(mask, radix: 16))
    }

    static func tcpFlags(_ bits: UInt8) -> String {
        if bits == 0 { return "NONE" }
        if bits == 0x3F { return "ALL" }
        let names: [(UInt8, String)] = [
            (0x01, "FIN"), (0x02, "SYN"), (0x04, "RST"), (0x08, "PSH"), (0x10, "ACK"), (0x20, "URG"),
        ]
        return names.filter { bits & $0.0 != 0 }.map(\.1).joined(separator: ",")
    }

    // MARK: - Targets

    static let rejectNames = [
        "icmp-net-unreachable", "icmp-host-unreachable", "icmp-proto-unreachable", "icmp-port-unreachable",
        "icmp-echo-reply", "icmp-net-prohibited", "icmp-host-prohibited", "tcp-reset", "icmp-admin-prohibited",
    ]

    /// The option words after `-j NAME`.
    /// ip6tables' REJECT types (`enum ip6t_reject_with`) as ip6tables-save names them.
    static let reject6Names = [
        "icmp6-no-route", "icmp6-adm-prohibited", "icmp6-not-neighbour", "icmp6-addr-unreachable",
        "icmp6-port-unreachable", "icmp6-echo-reply", "tcp-reset", "icmp6-policy-fail", "icmp6-reject-route",
    ]

    static func target(name: String, rev: UInt32, info: [UInt8], family: IPTablesFamily = .ipv4) throws(Failure)
        -> String
    {
        let b = Blob(bytes: info)
        let size = info.count
        switch name {
        case "MARK":
            try check("target", name, rev: rev, size: size, allowed: [(2, 8)])
            return " --set-xmark 0x\(String(b.u32(0), radix: 16))/0x\(String(b.u32(4), radix: 16))"
        case "DNAT", "SNAT":
            // IPv4 has rev 0 (nf_nat_ipv4_multi_range_compat); both families rev 1
            // (nf_nat_range) and 2 (nf_nat_range2), whose addresses are `nf_inet_addr`.
            try check(
                "target", name, rev: rev, size: size, allowed: family == .ipv4 ? [(0, 24), (1, 40), (2, 48)] : [(1, 40), (2, 48)])
            let flags: UInt32
            let minIP: String
            let maxIP: String
            let minPort: UInt16
            let maxPort: UInt16
            var basePort: UInt16 = 0
            if rev == 0 {
                guard b.u32(0) == 1 else { throw Failure("target \(name) rev 0 holds \(b.u32(0)) ranges, expected 1") }
                flags = b.u32(4)
                minIP = b.ipv4(8)
                maxIP = b.ipv4(12)
                minPort = b.be16(16)
                maxPort = b.be16(18)
            } else {
                flags = b.u32(0)
                minIP = b.address(4, family)
                maxIP = b.address(20, family)
                minPort = b.be16(36)
                maxPort = b.be16(38)
                if rev == 2 { basePort = b.be16(40) }
            }
            var out = name == "DNAT" ? " --to-destination " : " --to-source "
            // ip6tables brackets the address (range) when a port follows: `[a]:p`.
            let bracketed = family == .ipv6 && flags & 0x3 == 0x3
            if flags & 0x1 != 0 {
                out += (bracketed ? "[" : "") + minIP
                if maxIP != minIP { out += "-" + maxIP }
                if bracketed { out += "]" }
            }
            if flags & 0x2 != 0 {
                out += ":\(minPort)"
                if maxPort != minPort { out += "-\(maxPort)" }
                if flags & 0x20 != 0 { out += "/\(basePort)" }
            }
            if flags & 0x4 != 0 { out += " --random" }
            if flags & 0x8 != 0 { out += " --persistent" }
            if flags & 0x10 != 0 { out += " --random-fully" }
            return out
        case "MASQUERADE":
            // IPv4: nf_nat_ipv4_multi_range_compat; IPv6: nf_nat_range (flags, two
            // nf_inet_addr, ports at 36).
            try check("target", name, rev: rev, size: size, allowed: [(0, family == .ipv4 ? 24 : 40)])
            let flags: UInt32
            let portOffset: Int
            if family == .ipv4 {
                guard b.u32(0) == 1 else { throw Failure("target MASQUERADE rev 0 holds \(b.u32(0)) ranges, expected 1") }
                flags = b.u32(4)
                portOffset = 16
            } else {
                flags = b.u32(0)
                portOffset = 36
            }
            var out = ""
            if flags & 0x2 != 0 {
                let lo = b.be16(portOffset)
                let hi = b.be16(portOffset + 2)
                out += " --to-ports \(lo)" + (hi != lo ? "-\(hi)" : "")
            }
            if flags & 0x4 != 0 { out += " --random" }
            if flags & 0x10 != 0 { out += " --random-fully" }
            return out
        case "REJECT":
            try check("target", name, rev: rev, size: size, allowed: [(0, 8)])
            let with = Int(b.u32(0))
            let names = family == .ipv4 ? rejectNames : reject6Names
            guard names.indices.contains(with) else { throw Failure("target REJECT has unknown type \(with)") }
            return " --reject-with " + names[with]
        default:
            return " --xt-rev \(rev) --xt-info \(hex(info))"
        }
    }
}
