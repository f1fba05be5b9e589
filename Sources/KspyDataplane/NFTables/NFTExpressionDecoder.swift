import CLibnftnl

/// nf_tables wire constants (linux/netfilter/nf_tables.h, nftables `datatype.h`) and
/// value formatting shared by the netlink reader.
enum NFTWire {
    // NFT_MSG_* (the subsystem NFNL_SUBSYS_NFTABLES is added by nftnl_nlmsg_build_hdr).
    static let getTable: UInt16 = 1
    static let getChain: UInt16 = 4
    static let getRule: UInt16 = 7
    static let getSet: UInt16 = 10
    static let getSetElement: UInt16 = 13
    /// NLM_F_DUMP (NLM_F_ROOT | NLM_F_MATCH); NLM_F_REQUEST is added by the builder.
    static let dumpFlags = 0x300
    static let familyNumbers: [String: UInt16] = ["ip": 2, "ip6": 10, "inet": 1, "arp": 3, "bridge": 7, "netdev": 5]
    /// NFT_SET_ANONYMOUS, NFT_SET_MAP.
    static let setFlagAnonymous: UInt32 = 0x1
    static let setFlagMap: UInt32 = 0x8
    /// NFT_SET_INTERVAL.
    static let setFlagInterval: UInt32 = 0x4
    /// NFT_DATA_VERDICT.
    static let dataVerdict: UInt32 = 0xffff_ff00

    struct SetInfo {
        var name: String
        var flags: UInt32 = 0
        var keyTypes: [UInt32] = []
        var keyLength = 0
        var dataType: String?
        var timeoutSeconds: Int?
        var elements: [NFTElement] = []
        var anonymous: Bool { flags & NFTWire.setFlagAnonymous != 0 }
    }

    static func header(_ raw: UnsafeRawBufferPointer) -> UnsafePointer<nlmsghdr> {
        raw.baseAddress!.assumingMemoryBound(to: nlmsghdr.self)
    }

    static func str(_ p: UnsafePointer<CChar>?) -> String? { p.map { String(cString: $0) } }

    /// A concatenated type id split in its parts (6 bits each, first part highest).
    static func typeParts(_ type: UInt32) -> [UInt32] {
        var t = type
        var parts: [UInt32] = []
        while t != 0 {
            parts.insert(t & 0x3f, at: 0)
            t >>= 6
        }
        return parts.isEmpty ? [0] : parts
    }

    static func typeName(_ t: UInt32) -> String {
        switch t {
        case 4: return "integer"
        case 7: return "ipv4_addr"
        case 8: return "ipv6_addr"
        case 12: return "inet_proto"
        case 13: return "inet_service"
        case 19: return "mark"
        default:
            if typeParts(t).count > 1 { return typeParts(t).map(typeName).joined(separator: " . ") }
            return "type \(t)"
        }
    }

    static let protocols: [UInt8: String] = [1: "icmp", 2: "igmp", 6: "tcp", 17: "udp", 58: "ipv6-icmp", 132: "sctp"]

    static func ipv4(_ b: [UInt8]) -> String {
        let p = b + [UInt8](repeating: 0, count: max(0, 4 - b.count))
        return "\(p[0]).\(p[1]).\(p[2]).\(p[3])"
    }

    static func ipv6(_ b: [UInt8]) -> String {
        let p = b + [UInt8](repeating: 0, count: max(0, 16 - b.count))
        let groups = (0..<8).map { Int(p[2 * $0]) << 8 | Int(p[2 * $0 + 1]) }
        // Longest run of zero groups (≥2) becomes "::".
        var best = (start: -1, len: 0)
        var i = 0
        while i < 8 {
            if groups[i] == 0 {
                var j = i
                while j < 8 && groups[j] == 0 { j += 1 }
                if j - i > best.len && j - i >= 2 { best = (i, j - i) }
                i = j
            } else {
                i += 1
            }
        }
        let hex = groups.map { String($0, radix: 16) }
        if best.start < 0 { return hex.joined(separator: ":") }
        return hex[..<best.start].joined(separator: ":") + "::" + hex[(best.start + best.len)...].joined(separator: ":")
    }

    static func hostU32(_ b: [UInt8]) -> UInt32 {
        var v: UInt32 = 0
        for (i, byte) in b.prefix(4).enumerated() { v |= UInt32(byte) << (8 * UInt32(i)) }
        return v
    }

    static func port(_ b: [UInt8]) -> Int { b.count >= 2 ? Int(b[0]) << 8 | Int(b[1]) : Int(b.first ?? 0) }

    /// One value of `type` in nft's words.
    static func format(_ b: [UInt8], type: UInt32) -> String {
        switch type {
        case 7: return ipv4(b)
        case 8: return ipv6(b)
        case 12: return protocols[b.first ?? 0] ?? String(b.first ?? 0)
        case 13: return String(port(b))
        default: return b.count <= 4 ? String(hostU32(b)) : b.map { String(format2: $0) }.joined()
        }
    }

    static func width(_ type: UInt32) -> Int? {
        switch type {
        case 7: return 4
        case 8: return 16
        case 12: return 1
        case 13: return 2
        case 4, 19: return 4
        default: return nil
        }
    }

    /// `start + 2^bits` over big-endian bytes, nil when it overflows.
    static func add(_ start: [UInt8], powerOfTwo bits: Int) -> [UInt8]? {
        var out = start
        var carry = true
        var byte = out.count - 1 - bits / 8
        guard byte >= 0 else { return nil }
        var add = UInt16(1) << UInt16(bits % 8)
        while byte >= 0 && carry {
            let sum = UInt16(out[byte]) + add
            out[byte] = UInt8(sum & 0xff)
            carry = sum > 0xff
            add = 1
            byte -= 1
        }
        return carry ? nil : out
    }

    /// An interval `[start, end)` in nft's words: `addr/len` when it is a prefix,
    /// `first-last` otherwise (`end` nil: up to the top of the key space).
    static func range(_ start: [UInt8], end: [UInt8]?, type: UInt32) -> String {
        let bits = start.count * 8
        if type == 7 || type == 8 {
            for hostBits in 0...bits {
                let next = add(start, powerOfTwo: hostBits)
                guard next == end else { continue }
                // The start must have the host bits clear.
                var aligned = true
                for i in 0..<hostBits where start[start.count - 1 - i / 8] & (1 << UInt8(i % 8)) != 0 {
                    aligned = false
                }
                if aligned { return format(start, type: type) + (hostBits == 0 ? "" : "/\(bits - hostBits)") }
            }
        }
        var last = [UInt8](repeating: 0xff, count: start.count)
        if let end {
            last = end
            var i = last.count - 1
            while i >= 0 {
                if last[i] > 0 {
                    last[i] -= 1
                    break
                }
                last[i] = 0xff
                i -= 1
            }
        }
        if last == start { return format(start, type: type) }
        return format(start, type: type) + "-" + format(last, type: type)
    }

    /// A set element key split into its (4-byte aligned) fields.
    static func splitKey(_ key: [UInt8], types: [UInt32]) -> [String] {
        if types.count <= 1 { return [format(key, type: types.first ?? 0)] }
        var out: [String] = []
        var at = 0
        for t in types {
            guard let w = width(t), at + w <= key.count else {
                out.append(key[min(at, key.count)...].map { String(format2: $0) }.joined())
                return out
            }
            out.append(format(Array(key[at..<(at + w)]), type: t))
            at += (w + 3) / 4 * 4
        }
        return out
    }

    /// A verdict code (NF_DROP 0, NF_ACCEPT 1, NFT_CONTINUE -1, NFT_BREAK -2,
    /// NFT_JUMP -3, NFT_GOTO -4, NFT_RETURN -5).
    static func verdict(_ code: Int32, chain: String?) -> NFTVerdict {
        switch code {
        case 0: return .drop
        case 1: return .accept
        case -1: return .continue
        case -3: return .jump(chain ?? "?")
        case -4: return .goto(chain ?? "?")
        case -5: return .return
        default: return .other("verdict \(code)")
        }
    }

    /// The comment (TLV type 0) of rule or element userdata.
    static func comment(_ udata: [UInt8]) -> String? {
        var i = 0
        while i + 2 <= udata.count {
            let type = udata[i]
            let len = Int(udata[i + 1])
            guard i + 2 + len <= udata.count else { return nil }
            if type == 0 {
                var bytes = Array(udata[(i + 2)..<(i + 2 + len)])
                while bytes.last == 0 { bytes.removeLast() }
                return String(decoding: bytes, as: UTF8.self)
            }
            i += 2 + len
        }
        return nil
    }
}

/// A libnftnl attribute number as the `uint16_t` the API takes (anonymous C enums import
/// as `Int`, named ones as `RawRepresentable` structs).
func nftAttr<T: BinaryInteger>(_ v: T) -> UInt16 { UInt16(truncatingIfNeeded: v) }
func nftAttr<E: RawRepresentable>(_ v: E) -> UInt16 where E.RawValue: BinaryInteger {
    UInt16(truncatingIfNeeded: v.rawValue)
}

extension String {
    /// Two lower-case hex digits.
    init(format2 byte: UInt8) {
        let s = String(byte, radix: 16)
        self = s.count == 1 ? "0" + s : s
    }
}

/// Rebuilds statements from one rule's expressions by tracking register contents.
struct NFTExpressionDecoder {
    let family: String
    let sets: [String: NFTWire.SetInfo]

    enum Kind { case address, port, proto, fibType, ctState, mark, other }

    struct Reg {
        var words: String
        var kind: Kind
        var length: Int
        var bytes: [UInt8]?
        var numgen: (mode: String, modulus: Int, offset: Int)?
        /// Prefix length of a (shortened or masked) address load.
        var prefix: Int?
        /// Mask of a `ct state & bits` / `meta mark & bits`.
        var mask: UInt32?
        /// `meta mark | bits` (mask == ~xor).
        var orBits: UInt32?
    }

    var regs: [Int: Reg] = [:]
    var statements: [NFTStatement] = []

    init(family: String, sets: [String: NFTWire.SetInfo]) {
        self.family = family
        self.sets = sets
    }

    /// NFT_REG_1…4 (128-bit) → the first of their 32-bit registers (8…).
    static func normalize(_ r: UInt32) -> Int {
        if r >= 1 && r <= 4 { return 8 + Int(r - 1) * 4 }
        return Int(r)
    }

    static func data(_ e: OpaquePointer, _ attr: Int) -> [UInt8] {
        var len: UInt32 = 0
        guard let p = nftnl_expr_get(e, UInt16(attr), &len) else { return [] }
        return Array(UnsafeRawBufferPointer(start: p, count: Int(len)))
    }

    static func u32(_ e: OpaquePointer, _ attr: Int) -> UInt32 { nftnl_expr_get_u32(e, UInt16(attr)) }
    static func has(_ e: OpaquePointer, _ attr: Int) -> Bool { nftnl_expr_is_set(e, UInt16(attr)) }

    mutating func rule(_ r: OpaquePointer) -> NFTRule {
        if let iter = nftnl_expr_iter_create(r) {
            while let e = nftnl_expr_iter_next(iter) { expression(e) }
            nftnl_expr_iter_destroy(iter)
        }
        var comment: String?
        var len: UInt32 = 0
        if let p = nftnl_rule_get_data(r, nftAttr(NFTNL_RULE_USERDATA), &len) {
            comment = NFTWire.comment(Array(UnsafeRawBufferPointer(start: p, count: Int(len))))
        }
        return NFTRule(statements: statements, comment: comment)
    }

    /// The words for the (possibly concatenated) value starting at register `r` and
    /// `length` bytes long.
    func words(at r: Int, length: Int) -> String {
        var parts: [String] = []
        var reg = r
        var left = max(length, 1)
        while left > 0, let v = regs[reg] {
            parts.append(v.words)
            let w = (max(v.length, 1) + 3) / 4
            reg += w
            left -= w * 4
        }
        return parts.isEmpty ? "reg \(r)" : parts.joined(separator: " . ")
    }

    func value(_ b: [UInt8], of reg: Reg?) -> String {
        guard let reg else { return b.map { String(format2: $0) }.joined() }
        switch reg.kind {
        case .address:
            let v6 = family == "ip6"
            let text = v6 ? NFTWire.ipv6(b) : NFTWire.ipv4(b)
            let full = v6 ? 128 : 32
            if let p = reg.prefix, p < full { return "\(text)/\(p)" }
            return text
        case .port: return String(NFTWire.port(b))
        case .proto: return NFTWire.protocols[b.first ?? 0] ?? String(b.first ?? 0)
        case .fibType:
            let names = [
                1: "unicast", 2: "local", 3: "broadcast", 4: "anycast", 5: "multicast", 6: "blackhole",
                7: "unreachable", 8: "prohibit",
            ]
            let v = Int(NFTWire.hostU32(b))
            return names[v] ?? String(v)
        case .ctState, .mark, .other:
            return String(NFTWire.hostU32(b))
        }
    }

    static func ctStateNames(_ bits: UInt32) -> String {
        let names: [(UInt32, String)] = [
            (0x1, "invalid"), (0x2, "established"), (0x4, "related"), (0x8, "new"), (0x40, "untracked"),
        ]
        let list = names.filter { bits & $0.0 != 0 }.map(\.1)
        return list.isEmpty ? "0x" + String(bits, radix: 16) : list.joined(separator: ",")
    }

    mutating func expression(_ e: OpaquePointer) {
        guard let namePtr = nftnl_expr_get_str(e, nftAttr(NFTNL_EXPR_NAME)) else { return }
        let name = String(cString: namePtr)
        switch name {
        case "payload":
            guard Self.has(e, NFTNL_EXPR_PAYLOAD_DREG) else {
                statements.append(.other("payload"))
                return
            }
            let dreg = Self.normalize(Self.u32(e, NFTNL_EXPR_PAYLOAD_DREG))
            let base = Self.u32(e, NFTNL_EXPR_PAYLOAD_BASE)
            let offset = Int(Self.u32(e, NFTNL_EXPR_PAYLOAD_OFFSET))
            let len = Int(Self.u32(e, NFTNL_EXPR_PAYLOAD_LEN))
            var reg = Reg(words: "payload @\(base)+\(offset) len \(len)", kind: .other, length: len)
            let v6 = family == "ip6"
            if base == 1 {
                let (s, d, full) = v6 ? (8, 24, 16) : (12, 16, 4)
                if offset == s || offset == d {
                    reg = Reg(
                        words: "\(v6 ? "ip6" : "ip") \(offset == s ? "saddr" : "daddr")", kind: .address, length: len,
                        prefix: len < full ? len * 8 : nil)
                }
            } else if base == 2, len == 2, offset == 0 || offset == 2 {
                reg = Reg(words: offset == 0 ? "th sport" : "th dport", kind: .port, length: len)
            }
            regs[dreg] = reg
        case "meta":
            let key = Self.u32(e, NFTNL_EXPR_META_KEY)
            let names: [UInt32: (String, Kind)] = [
                3: ("meta mark", .mark), 6: ("meta iifname", .other), 7: ("meta oifname", .other),
                15: ("meta nfproto", .other), 16: ("meta l4proto", .proto), 4: ("meta iif", .other),
                5: ("meta oif", .other),
            ]
            let (words, kind) = names[key] ?? ("meta key \(key)", .other)
            if Self.has(e, NFTNL_EXPR_META_DREG) {
                regs[Self.normalize(Self.u32(e, NFTNL_EXPR_META_DREG))] = Reg(
                    words: words, kind: kind, length: kind == .proto ? 1 : 4)
            } else if Self.has(e, NFTNL_EXPR_META_SREG) {
                let src = regs[Self.normalize(Self.u32(e, NFTNL_EXPR_META_SREG))]
                if key == 3, let bits = src?.orBits {
                    statements.append(.markOr(bits))
                } else {
                    statements.append(.other("meta"))
                }
            }
        case "ct":
            if Self.has(e, NFTNL_EXPR_CT_DREG) {
                let key = Self.u32(e, NFTNL_EXPR_CT_KEY)
                regs[Self.normalize(Self.u32(e, NFTNL_EXPR_CT_DREG))] =
                    key == 0
                    ? Reg(words: "ct state", kind: .ctState, length: 4)
                    : Reg(words: "ct key \(key)", kind: .other, length: 4)
            } else {
                statements.append(.other("ct"))
            }
        case "fib":
            let result = Self.u32(e, NFTNL_EXPR_FIB_RESULT)
            let flags = Self.u32(e, NFTNL_EXPR_FIB_FLAGS)
            var parts: [String] = []
            for (bit, n) in [(UInt32(1), "saddr"), (2, "daddr"), (4, "mark"), (8, "iif"), (16, "oif")] where flags & bit != 0 {
                parts.append(n)
            }
            let r = [1: "oif", 2: "oifname", 3: "type"][Int(result)] ?? "result \(result)"
            regs[Self.normalize(Self.u32(e, NFTNL_EXPR_FIB_DREG))] = Reg(
                words: "fib \(parts.joined(separator: " . ")) \(r)", kind: result == 3 ? .fibType : .other, length: 4)
        case "numgen":
            let mode = Self.u32(e, NFTNL_EXPR_NG_TYPE) == 1 ? "random" : "inc"
            let mod = Int(Self.u32(e, NFTNL_EXPR_NG_MODULUS))
            let offset = Int(Self.u32(e, NFTNL_EXPR_NG_OFFSET))
            regs[Self.normalize(Self.u32(e, NFTNL_EXPR_NG_DREG))] = Reg(
                words: "numgen \(mode) mod \(mod)", kind: .other, length: 4, numgen: (mode, mod, offset))
        case "bitwise":
            let sreg = Self.normalize(Self.u32(e, NFTNL_EXPR_BITWISE_SREG))
            let dreg = Self.normalize(Self.u32(e, NFTNL_EXPR_BITWISE_DREG))
            guard var reg = regs[sreg] else { return }
            let mask = Self.data(e, NFTNL_EXPR_BITWISE_MASK)
            let xor = Self.data(e, NFTNL_EXPR_BITWISE_XOR)
            let xorZero = xor.allSatisfy { $0 == 0 }
            switch reg.kind {
            case .address where xorZero:
                reg.prefix = mask.reduce(0) { $0 + $1.nonzeroBitCount }
            case .mark, .ctState:
                let m = NFTWire.hostU32(mask)
                let x = NFTWire.hostU32(xor)
                if !xorZero && m == ~x {
                    reg.orBits = x
                    reg.words += " | 0x" + String(x, radix: 16)
                } else if xorZero {
                    reg.mask = m
                    if reg.kind == .mark { reg.words += " & 0x" + String(m, radix: 16) }
                } else {
                    reg.words += " & 0x\(String(m, radix: 16)) ^ 0x\(String(x, radix: 16))"
                }
            default:
                reg.words += " & mask"
            }
            regs[dreg] = reg
        case "cmp":
            let reg = regs[Self.normalize(Self.u32(e, NFTNL_EXPR_CMP_SREG))]
            let op = ["==", "!=", "<", "<=", ">", ">="][min(Int(Self.u32(e, NFTNL_EXPR_CMP_OP)), 5)]
            let data = Self.data(e, NFTNL_EXPR_CMP_DATA)
            if let reg, reg.kind == .ctState, let mask = reg.mask, op == "!=", NFTWire.hostU32(data) == 0 {
                statements.append(.match(NFTMatch(left: "ct state", op: "in", right: Self.ctStateNames(mask))))
                return
            }
            statements.append(.match(NFTMatch(left: reg?.words ?? "?", op: op, right: value(data, of: reg))))
        case "lookup":
            let sreg = Self.normalize(Self.u32(e, NFTNL_EXPR_LOOKUP_SREG))
            let setName = NFTWire.str(nftnl_expr_get_str(e, nftAttr(NFTNL_EXPR_LOOKUP_SET))) ?? "?"
            let set = sets[setName]
            let inverted = Self.has(e, NFTNL_EXPR_LOOKUP_FLAGS) && Self.u32(e, NFTNL_EXPR_LOOKUP_FLAGS) & 1 != 0
            let keyWords = words(at: sreg, length: set?.keyLength ?? 4)
            if Self.has(e, NFTNL_EXPR_LOOKUP_DREG) && Self.u32(e, NFTNL_EXPR_LOOKUP_DREG) == 0 {
                var key = NFTVMapKey.expression(keyWords)
                if let ng = regs[sreg]?.numgen { key = .numgen(mode: ng.mode, modulus: ng.modulus, offset: ng.offset) }
                if let set, set.anonymous {
                    // Inline entries in key order, as nft prints them.
                    let entries = set.elements.enumerated().sorted { a, b in
                        let ka = a.element.key.count == 1 ? Int(a.element.key[0]) : nil
                        let kb = b.element.key.count == 1 ? Int(b.element.key[0]) : nil
                        if let ka, let kb, ka != kb { return ka < kb }
                        return a.offset < b.offset
                    }.map(\.element)
                    statements.append(.vmap(key: key, map: nil, entries: entries))
                } else {
                    statements.append(.vmap(key: key, map: setName, entries: []))
                }
            } else if let set, set.anonymous {
                let list = set.elements.map { $0.key.joined(separator: " . ") }.joined(separator: ", ")
                statements.append(.match(NFTMatch(left: keyWords, op: inverted ? "!=" : "==", right: "{ \(list) }")))
            } else {
                statements.append(.match(NFTMatch(left: keyWords, op: inverted ? "!=" : "==", right: "@" + setName)))
            }
        case "immediate":
            let dreg = Self.u32(e, NFTNL_EXPR_IMM_DREG)
            if dreg == 0 {
                let code = Int32(bitPattern: Self.u32(e, NFTNL_EXPR_IMM_VERDICT))
                let chain = NFTWire.str(nftnl_expr_get_str(e, nftAttr(NFTNL_EXPR_IMM_CHAIN)))
                statements.append(.verdict(NFTWire.verdict(code, chain: chain)))
            } else {
                let bytes = Self.data(e, NFTNL_EXPR_IMM_DATA)
                regs[Self.normalize(dreg)] = Reg(words: "immediate", kind: .other, length: bytes.count, bytes: bytes)
            }
        case "nat":
            let type = Self.u32(e, NFTNL_EXPR_NAT_TYPE)
            guard type == 1 else {
                statements.append(.masquerade)
                return
            }
            var address: String?
            var port: Int?
            if Self.has(e, NFTNL_EXPR_NAT_REG_ADDR_MIN),
                let b = regs[Self.normalize(Self.u32(e, NFTNL_EXPR_NAT_REG_ADDR_MIN))]?.bytes
            {
                address = Self.u32(e, NFTNL_EXPR_NAT_FAMILY) == 10 ? NFTWire.ipv6(b) : NFTWire.ipv4(b)
            }
            if Self.has(e, NFTNL_EXPR_NAT_REG_PROTO_MIN),
                let b = regs[Self.normalize(Self.u32(e, NFTNL_EXPR_NAT_REG_PROTO_MIN))]?.bytes
            {
                port = NFTWire.port(b)
            }
            statements.append(.dnat(address: address, port: port))
        case "masq":
            statements.append(.masquerade)
        case "reject":
            statements.append(.reject)
        case "dynset":
            statements.append(.setUpdate(set: NFTWire.str(nftnl_expr_get_str(e, nftAttr(NFTNL_EXPR_DYNSET_SET_NAME))) ?? "?"))
        default:
            statements.append(.other(name))
        }
    }
}
