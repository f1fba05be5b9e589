import Glibc

/// One nf_tables expression of a rule made by iptables-nft, with the attributes the
/// iptables decoder needs (dataplanes.md §6.1). Registers are as on the wire
/// (NFT_REG_1…4 or NFT_REG32_00…).
enum NFTIPTablesExpression: Equatable {
    case meta(key: UInt32, dreg: UInt32)
    case payload(base: UInt32, offset: Int, length: Int, dreg: UInt32)
    case bitwise(sreg: UInt32, dreg: UInt32, mask: [UInt8], xor: [UInt8])
    /// `op`: NFT_CMP_EQ 0, NEQ 1, LT 2, LTE 3, GT 4, GTE 5.
    case cmp(sreg: UInt32, op: UInt32, data: [UInt8])
    /// `op`: NFT_RANGE_EQ 0, NEQ 1.
    case range(sreg: UInt32, op: UInt32, from: [UInt8], to: [UInt8])
    /// A verdict (dreg 0) or data load.
    case immediate(dreg: UInt32, verdict: Int32, chain: String?)
    case counter
    case match(name: String, revision: UInt32, info: [UInt8])
    case target(name: String, revision: UInt32, info: [UInt8])
    /// Anything else, by name (with a note for unsupported forms).
    case other(String)
}

/// Turns the expressions of one iptables-nft rule back into the words `iptables-nft-save`
/// (v1.8.9) prints after `-A CHAIN`: `-s`/`-d` from `payload`+`cmp` (and `bitwise`
/// masks or shortened loads), `-i`/`-o`, `-p` from `meta l4proto`, `-f`, native
/// `--sport`/`--dport` folded into a `-m tcp|udp` match, native `meta mark` as
/// `-m mark`, xt `match`/`target` blobs via `XTInfoDecoder`, and `immediate` verdicts
/// as `-j`/`-g`. Anything else is refused with one line naming the rule.
struct NFTIPTablesRuleDecoder {
    /// `table nat chain X rule N (handle H)`, for error messages (built only when one is thrown).
    let place: () -> String
    /// iptables or ip6tables: where the addresses sit in the network header and how the
    /// address-bearing xt blobs are laid out.
    let family: IPTablesFamily

    enum Loaded {
        case l4proto
        case interface(input: Bool)
        case mark(mask: UInt32?)
        case address(source: Bool, length: Int, mask: [UInt8]?)
        case ports(offset: Int, length: Int)
        case fragment(masked: Bool)
        case tcpFlags(mask: UInt8?)
    }

    /// What each register holds: a few (register, value) pairs searched linearly. A rule
    /// uses one or two registers; a dictionary per rule cost more than the search.
    private struct Registers {
        private var slots: [(register: Int, value: Loaded)] = []

        subscript(_ register: Int) -> Loaded? {
            get {
                for slot in slots where slot.register == register { return slot.value }
                return nil
            }
            set {
                if let i = slots.firstIndex(where: { $0.register == register }) {
                    if let newValue { slots[i].value = newValue } else { slots.remove(at: i) }
                } else if let newValue {
                    slots.append((register, newValue))
                }
            }
        }
    }

    private var regs = Registers()
    private var source: (String, Bool)?
    private var destination: (String, Bool)?
    private var inInterface: (String, Bool)?
    private var outInterface: (String, Bool)?
    private var proto: (UInt8, Bool)?
    private var fragment: Bool?
    private var matches: [XTInfoDecoder.Match] = []
    private var target = ""

    init(place: @escaping () -> String, family: IPTablesFamily) {
        self.place = place
        self.family = family
    }

    private func fail(_ message: String) -> DataplaneError {
        DataplaneError("iptables-nft netlink: \(place()): \(message)")
    }

    static func register(_ r: UInt32) -> Int { NFTExpressionDecoder.normalize(r) }

    /// The words after `-A CHAIN` (each preceded by a space), or "" for an empty rule.
    static func words(
        _ expressions: [NFTIPTablesExpression], userComment: String?, family: IPTablesFamily = .ipv4,
        place: @escaping @autoclosure () -> String
    ) throws(DataplaneError) -> String {
        var d = NFTIPTablesRuleDecoder(place: place, family: family)
        for e in expressions { try d.add(e) }
        if let userComment {
            d.matches.append(.words(module: "comment", options: " --comment " + XTInfoDecoder.saveString(userComment)))
        }
        let words = d.render()
        // The words become one line of iptables-save text: a line break (in a comment or
        // a chain name) must not be able to start another rule.
        var lineBreak = false
        for byte in words.utf8 where byte == 0x0A || byte == 0x0D {
            lineBreak = true
            break
        }
        guard !lineBreak else {
            throw DataplaneError("iptables-nft netlink: \(place()): a comment or name holds a line break")
        }
        return words
    }

    private mutating func add(_ e: NFTIPTablesExpression) throws(DataplaneError) {
        guard target.isEmpty else { throw fail("expression \(e) after the rule's verdict") }
        switch e {
        case .counter:
            return
        case .meta(let key, let dreg):
            switch key {
            case 16: regs[Self.register(dreg)] = .l4proto  // NFT_META_L4PROTO
            case 6: regs[Self.register(dreg)] = .interface(input: true)  // IIFNAME
            case 7: regs[Self.register(dreg)] = .interface(input: false)  // OIFNAME
            case 3: regs[Self.register(dreg)] = .mark(mask: nil)  // MARK
            default: throw fail("meta key \(key) is not an iptables selector")
            }
        case .payload(let base, let offset, let length, let dreg):
            let r = Self.register(dreg)
            // Network header: IPv4 saddr 12, daddr 16, protocol 9, fragment offset 6;
            // IPv6 saddr 8, daddr 24 (ip6tables matches -p with meta l4proto, has no -f).
            let (sourceOffset, destinationOffset) = family == .ipv4 ? (12, 16) : (8, 24)
            let width = 1...family.addressLength
            switch (base, offset) {
            case (1, sourceOffset) where width.contains(length):
                regs[r] = .address(source: true, length: length, mask: nil)
            case (1, destinationOffset) where width.contains(length):
                regs[r] = .address(source: false, length: length, mask: nil)
            case (1, 9) where length == 1 && family == .ipv4: regs[r] = .l4proto
            case (1, 6) where length == 2 && family == .ipv4: regs[r] = .fragment(masked: false)
            case (2, 13) where length == 1: regs[r] = .tcpFlags(mask: nil)
            case (2, 0) where length == 2 || length == 4, (2, 2) where length == 2:
                regs[r] = .ports(offset: offset, length: length)
            default:
                throw fail("payload load base \(base) offset \(offset) length \(length) is not an iptables selector")
            }
        case .bitwise(let sreg, let dreg, let mask, let xor):
            guard xor.allSatisfy({ $0 == 0 }), let loaded = regs[Self.register(sreg)] else {
                throw fail("bitwise with xor or on an unknown register")
            }
            switch loaded {
            case .address(let source, let length, _):
                regs[Self.register(dreg)] = .address(source: source, length: length, mask: mask)
            case .mark:
                regs[Self.register(dreg)] = .mark(mask: NFTWire.hostU32(mask))
            case .fragment:
                regs[Self.register(dreg)] = .fragment(masked: true)
            case .tcpFlags:
                guard mask.count == 1 else { throw fail("tcp flags masked with \(mask.count) bytes") }
                regs[Self.register(dreg)] = .tcpFlags(mask: mask[0])
            default:
                throw fail("bitwise on a register holding \(loaded)")
            }
        case .cmp(let sreg, let op, let data):
            guard let loaded = regs[Self.register(sreg)] else {
                throw fail("cmp on a register nothing was loaded into")
            }
            try compare(loaded, op: op, data: data)
        case .range(let sreg, let op, let from, let to):
            guard case .ports(let offset, 2) = regs[Self.register(sreg)], from.count >= 2, to.count >= 2, op <= 1 else {
                throw fail("range on something other than a port")
            }
            try setPorts(
                offset: offset, range: (UInt16(NFTWire.port(from)), UInt16(NFTWire.port(to))), negated: op == 1)
        case .immediate(let dreg, let verdict, let chain):
            guard dreg == 0 else { throw fail("immediate into register \(dreg) (not an iptables rule)") }
            switch verdict {
            case 1: target = " -j ACCEPT"
            case 0: target = " -j DROP"
            case -5: target = " -j RETURN"
            case -3: target = " -j " + (chain ?? "?")
            case -4: target = " -g " + (chain ?? "?")
            default: throw fail("verdict \(verdict) is not an iptables target")
            }
        case .match(let name, let revision, let info):
            do {
                let m = try XTInfoDecoder.match(name: name, rev: revision, info: info, family: family)
                if case .ports(let p) = m, let i = portsIndex(p.module) {
                    // The native port loads that came first went into this module already.
                    guard case .ports(var existing) = matches[i] else { break }
                    if p.sourcePorts != (0, 0xFFFF) { existing.sourcePorts = p.sourcePorts }
                    if p.destinationPorts != (0, 0xFFFF) { existing.destinationPorts = p.destinationPorts }
                    existing.sourceNegated = existing.sourceNegated || p.sourceNegated
                    existing.destinationNegated = existing.destinationNegated || p.destinationNegated
                    existing.extra += p.extra
                    matches[i] = .ports(existing)
                } else {
                    matches.append(m)
                }
            } catch {
                throw fail(error.message)
            }
        case .target(let name, let revision, let info):
            do {
                target = " -j \(name)" + (try XTInfoDecoder.target(name: name, rev: revision, info: info, family: family))
            } catch {
                throw fail(error.message)
            }
        case .other(let name):
            throw fail("expression \(name) is not one iptables-nft writes")
        }
    }

    private func portsIndex(_ module: String) -> Int? {
        matches.firstIndex { if case .ports(let p) = $0 { return p.module == module } else { return false } }
    }

    private mutating func compare(_ loaded: Loaded, op: UInt32, data: [UInt8]) throws(DataplaneError) {
        let negated: Bool
        switch op {
        case 0: negated = false
        case 1: negated = true
        case 3, 5:
            // `--dport lo:hi` written as cmp gte + cmp lte (older iptables-nft).
            guard case .ports(let offset, 2) = loaded, data.count >= 2 else {
                throw fail("cmp op \(op) on something other than a port")
            }
            let v = UInt16(NFTWire.port(data))
            let current = currentPorts(offset: offset)
            try setPorts(offset: offset, range: op == 5 ? (v, current.1) : (current.0, v), negated: false)
            return
        default:
            throw fail("cmp op \(op) is not one iptables-nft writes")
        }
        switch loaded {
        case .l4proto:
            guard data.count == 1 else { throw fail("protocol compared with \(data.count) bytes") }
            proto = (data[0], negated)
        case .interface(let input):
            var name = data
            var wildcard = true
            if let nul = name.firstIndex(of: 0) {
                name = Array(name[..<nul])
                wildcard = false
            }
            let text = String(decoding: name, as: UTF8.self) + (wildcard ? "+" : "")
            if input { inInterface = (text, negated) } else { outInterface = (text, negated) }
        case .mark(let mask):
            matches.append(
                .words(
                    module: "mark",
                    options: XTInfoDecoder.markWords(
                        value: NFTWire.hostU32(data), mask: mask ?? 0xFFFF_FFFF, negated: negated)))
        case .address(let source, let length, let mask):
            guard data.count == length else {
                throw fail("address compared with \(data.count) bytes after a \(length)-byte load")
            }
            let width = family.addressLength
            var address = data + [UInt8](repeating: 0, count: width - length)
            var maskBytes = [UInt8](repeating: 0xFF, count: length) + [UInt8](repeating: 0, count: width - length)
            if let mask {
                for i in 0..<min(mask.count, length) { maskBytes[i] &= mask[i] }
            }
            for i in 0..<width { address[i] &= maskBytes[i] }
            // A prefix when the mask's one bits all lead, else the mask as an address.
            let prefix = maskBytes.reduce(0) { $0 + $1.nonzeroBitCount }
            let contiguous = (0..<width).allSatisfy { i in
                let bits = max(0, min(8, prefix - 8 * i))
                return maskBytes[i] == (bits == 0 ? 0 : UInt8(truncatingIfNeeded: 0xFF << (8 - bits)))
            }
            let format = family == .ipv4 ? NFTWire.ipv4 : NFTWire.ipv6
            let text = format(address) + "/" + (contiguous ? String(prefix) : format(maskBytes))
            if source { self.source = (text, negated) } else { destination = (text, negated) }
        case .ports(let offset, let length):
            guard data.count == length else { throw fail("port compared with \(data.count) bytes") }
            if length == 4 {
                let s = UInt16(NFTWire.port(Array(data[0..<2])))
                let d = UInt16(NFTWire.port(Array(data[2..<4])))
                try setPorts(offset: 0, range: (s, s), negated: negated)
                try setPorts(offset: 2, range: (d, d), negated: negated)
            } else {
                let v = UInt16(NFTWire.port(data))
                try setPorts(offset: offset, range: (v, v), negated: negated)
            }
        case .tcpFlags(let mask):
            guard data.count == 1, let p = proto, p.0 == 6, !p.1 else { throw fail("tcp flags compared unexpectedly") }
            var ports = XTInfoDecoder.Ports(module: "tcp")
            let index = portsIndex("tcp")
            if let index, case .ports(let existing) = matches[index] { ports = existing }
            let m = mask ?? 0xFF
            ports.extra +=
                (negated ? " !" : "") + " --tcp-flags \(XTInfoDecoder.tcpFlags(m)) \(XTInfoDecoder.tcpFlags(data[0]))"
            if let index { matches[index] = .ports(ports) } else { matches.append(.ports(ports)) }
        case .fragment(let masked):
            guard masked, data.allSatisfy({ $0 == 0 }) else { throw fail("fragment offset compared unexpectedly") }
            fragment = negated  // `!= 0`: a fragment (-f); `== 0`: not one (! -f)
        }
    }

    private func currentPorts(offset: Int) -> (UInt16, UInt16) {
        guard let p = proto, let module = Self.portModule(p.0), let i = portsIndex(module),
            case .ports(let ports) = matches[i]
        else { return (0, 0xFFFF) }
        return offset == 0 ? ports.sourcePorts : ports.destinationPorts
    }

    static func portModule(_ proto: UInt8) -> String? {
        switch proto {
        case 6: return "tcp"
        case 17: return "udp"
        default: return nil
        }
    }

    private mutating func setPorts(offset: Int, range: (UInt16, UInt16), negated: Bool) throws(DataplaneError) {
        guard let p = proto, !p.1, let module = Self.portModule(p.0) else {
            throw fail("native port match without -p tcp or -p udp before it")
        }
        var ports = XTInfoDecoder.Ports(module: module)
        let index = portsIndex(module)
        if let index, case .ports(let existing) = matches[index] { ports = existing }
        if offset == 0 {
            ports.sourcePorts = range
            ports.sourceNegated = negated
        } else {
            ports.destinationPorts = range
            ports.destinationNegated = negated
        }
        if let index { matches[index] = .ports(ports) } else { matches.append(.ports(ports)) }
    }

    static let chainProtocols: [UInt8: String] = [
        6: "tcp", 132: "sctp", 17: "udp", 136: "udplite", 1: "icmp", 58: "icmpv6", 50: "esp", 51: "ah", 135: "mh",
    ]

    static func protocolName(_ p: UInt8) -> String {
        if let name = chainProtocols[p] { return name }
        if p != 0, let entry = getprotobynumber(Int32(p)), let name = entry.pointee.p_name {
            return String(cString: name)
        }
        return String(p)
    }

    private func render() -> String {
        var out = ""
        if let (a, n) = source { out += (n ? " !" : "") + " -s " + a }
        if let (a, n) = destination { out += (n ? " !" : "") + " -d " + a }
        if let (i, n) = inInterface { out += (n ? " !" : "") + " -i " + i }
        if let (i, n) = outInterface { out += (n ? " !" : "") + " -o " + i }
        if let (p, n) = proto, p != 0 { out += (n ? " !" : "") + " -p " + Self.protocolName(p) }
        if let f = fragment { out += (f ? "" : " !") + " -f" }
        for m in matches {
            switch m {
            case .words(let module, let options): out += " -m \(module)" + options
            case .ports(let p): out += " -m \(p.module)" + p.words
            }
        }
        return out + target
    }
}
