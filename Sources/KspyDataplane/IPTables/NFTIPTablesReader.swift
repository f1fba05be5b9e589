import CLibnftnl
import Glibc
import KspyKernel

/// Reads the iptables-nft (nf_tables backend) tables of a network namespace over
/// nf_tables netlink — no `iptables-nft-save` binary needed — into the same
/// `IPTablesRuleset` that `IPTablesSaveParser` builds from `iptables-nft-save` output,
/// so `KubeProxyIPTablesDecoder` is shared (dataplanes.md §6).
///
/// Dumps `ip` family tables, chains and rules with the socket code of
/// `NFTablesNetlinkReader`, turns each rule's expressions back into iptables-save words
/// (`NFTIPTablesRuleDecoder`, xt info blobs by `XTInfoDecoder`) and lays them out the way
/// iptables-nft-save v1.8.9 does (tables mangle, security, raw, filter, nat; built-in
/// chains by hook, then user chains by name; no counters on rules), then parses that
/// text with `IPTablesSaveParser`: rule texts, typed matches and line numbers match a
/// text dump of the same namespace. Tables not asked for are only counted (for the line
/// numbers), not decoded.
public enum NFTIPTablesReader {
    /// The table order of `iptables-nft-save` (iptables `nft.c` `xtables_ipv4[]`).
    public static let tableOrder = ["mangle", "security", "raw", "filter", "nat"]
    /// Built-in chains in hook order.
    static let builtinOrder = ["PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"]

    /// Reads `tables` in the network namespace at `netnsPath` (`/run/netns/NAME`,
    /// `/proc/PID/ns/net`); tables that do not exist are left out.
    /// - Throws: `DataplaneError`: the namespace cannot be entered, netlink fails, or a
    ///   rule holds something iptables-nft does not write / an xt blob of an unexpected
    ///   revision or size (one line naming table, chain, rule and sizes).
    public static func read(netnsPath: String, tables: Set<String> = IPTablesReader.kubeProxyTables)
        throws(DataplaneError) -> IPTablesRuleset
    {
        guard SystemFile.exists(netnsPath) else {
            throw DataplaneError("network namespace \(netnsPath) does not exist")
        }
        let fd = open(netnsPath, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw DataplaneError("iptables-nft netlink: cannot open \(netnsPath): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        let outcome: Result<IPTablesRuleset, DataplaneError>
        do {
            outcome = try NetworkNamespaceThread.run(namespaceFD: fd) { () -> Result<IPTablesRuleset, DataplaneError> in
                do throws(DataplaneError) {
                    return .success(try readHere(tables: tables))
                } catch {
                    return .failure(error)
                }
            }
        } catch {
            throw DataplaneError("iptables-nft netlink: cannot enter network namespace \(netnsPath): \(error)")
        }
        return try outcome.get()
    }

    /// Reads in the calling thread's own network namespace.
    public static func readHere(tables: Set<String> = IPTablesReader.kubeProxyTables) throws(DataplaneError)
        -> IPTablesRuleset
    {
        let dump = try NFTIPTablesDump.fetch()
        return try ruleset(from: dump, tables: tables)
    }

    /// Lays `dump` out as iptables-nft-save text (only `tables` decoded) and parses it.
    static func ruleset(from dump: NFTIPTablesDump, tables: Set<String>) throws(DataplaneError) -> IPTablesRuleset {
        let text = try saveText(dump, tables: tables)
        return try IPTablesSaveParser(sourceName: "iptables-nft netlink").parse(text).selecting(tables: tables)
    }

    /// The iptables-save text of `dump`; tables outside `tables` get placeholder lines.
    static func saveText(_ dump: NFTIPTablesDump, tables: Set<String>) throws(DataplaneError) -> String {
        var lines: [String] = []
        for name in tableOrder {
            guard dump.tables.contains(name) else { continue }
            // iptables-nft-save lists every built-in chain of the table (hook order), also
            // those not created in the kernel yet, then the user chains by name.
            let present = dump.chains.filter { $0.table == name }
            let builtin = builtinOrder.filter { IPTablesChain.builtinChains[name]?.contains($0) == true }.map { b in
                present.first { $0.name == b && $0.hook != nil }
                    ?? NFTIPTablesDump.Chain(table: name, name: b, hook: 0, policy: 1, packets: 0, bytes: 0)
            }
            // Byte order of the names, as iptables-nft-save sorts them (keys computed once).
            let user = present.filter { c in !builtin.contains { $0.name == c.name } }
                .map { (key: Array($0.name.utf8), chain: $0) }
                .sorted { $0.key.lexicographicallyPrecedes($1.key) }
                .map(\.chain)
            let chains = builtin + user
            if let bad = chains.first(where: { c in c.name.utf8.contains { $0 <= 0x20 } }) {
                throw DataplaneError("iptables-nft netlink: table \(name) has a chain name with a space or control character (\(bad.name.utf8.count) bytes)")
            }
            let decode = tables.contains(name)
            lines.append("# Generated by kspy from nf_tables netlink")
            lines.append("*" + name)
            for c in chains {
                guard decode else {
                    lines.append("# chain")
                    continue
                }
                let policy = c.hook == nil ? "-" : (c.policy == 0 ? "DROP" : "ACCEPT")
                lines.append(":\(c.name) \(policy) [\(c.packets):\(c.bytes)]")
            }
            // Rules grouped by chain once, in dump order (a per-chain filter over every
            // rule was quadratic: minutes for kube-proxy's 60,000 chains).
            var rulesByChain: [String: [NFTIPTablesDump.Rule]] = [:]
            for rule in dump.rules where rule.table == name { rulesByChain[rule.chain, default: []].append(rule) }
            for c in chains {
                let rules = rulesByChain[c.name] ?? []
                for (i, r) in rules.enumerated() {
                    guard decode else {
                        lines.append("# rule")
                        continue
                    }
                    let place = "table \(name) chain \(c.name) rule \(i + 1) (handle \(r.handle))"
                    lines.append(
                        "-A \(c.name)"
                            + (try NFTIPTablesRuleDecoder.words(r.expressions, userComment: r.comment, place: place)))
                }
            }
            lines.append("COMMIT")
            lines.append("# Completed")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

/// The raw netlink view of the `ip` family's iptables tables.
struct NFTIPTablesDump {
    struct Chain {
        var table: String
        var name: String
        var hook: Int?
        var policy: UInt32
        var packets: UInt64
        var bytes: UInt64
    }

    struct Rule {
        var table: String
        var chain: String
        var handle: UInt64
        var expressions: [NFTIPTablesExpression]
        /// A comment in rule userdata (iptables-nft 1.6.1–1.8.2).
        var comment: String?
    }

    var tables: Set<String> = []
    var chains: [Chain] = []
    var rules: [Rule] = []

    static func fetch() throws(DataplaneError) -> NFTIPTablesDump {
        let family: UInt16 = 2  // NFPROTO_IPV4
        let known = Set(NFTIPTablesReader.tableOrder)
        let socket = try NFTSocket()
        defer { socket.close() }
        var dump = NFTIPTablesDump()
        for m in try socket.dump(NFTWire.getTable, family: family) {
            guard let t = nftnl_table_alloc() else { continue }
            defer { nftnl_table_free(t) }
            if m.withUnsafeBytes({ nftnl_table_nlmsg_parse(NFTWire.header($0), t) }) < 0 {
                throw DataplaneError("iptables-nft netlink: cannot parse a table message (\(m.count) bytes)")
            }
            if let name = NFTWire.str(nftnl_table_get_str(t, nftAttr(NFTNL_TABLE_NAME))), known.contains(name) {
                dump.tables.insert(name)
            }
        }
        guard !dump.tables.isEmpty else { return dump }
        for m in try socket.dump(NFTWire.getChain, family: family) {
            guard let c = nftnl_chain_alloc() else { continue }
            defer { nftnl_chain_free(c) }
            if m.withUnsafeBytes({ nftnl_chain_nlmsg_parse(NFTWire.header($0), c) }) < 0 {
                throw DataplaneError("iptables-nft netlink: cannot parse a chain message (\(m.count) bytes)")
            }
            guard let table = NFTWire.str(nftnl_chain_get_str(c, nftAttr(NFTNL_CHAIN_TABLE))),
                dump.tables.contains(table),
                let name = NFTWire.str(nftnl_chain_get_str(c, nftAttr(NFTNL_CHAIN_NAME)))
            else { continue }
            var chain = Chain(table: table, name: name, hook: nil, policy: 1, packets: 0, bytes: 0)
            if nftnl_chain_is_set(c, nftAttr(NFTNL_CHAIN_HOOKNUM)) {
                chain.hook = Int(nftnl_chain_get_u32(c, nftAttr(NFTNL_CHAIN_HOOKNUM)))
                if nftnl_chain_is_set(c, nftAttr(NFTNL_CHAIN_POLICY)) {
                    chain.policy = nftnl_chain_get_u32(c, nftAttr(NFTNL_CHAIN_POLICY))
                }
                if nftnl_chain_is_set(c, nftAttr(NFTNL_CHAIN_PACKETS)) {
                    chain.packets = nftnl_chain_get_u64(c, nftAttr(NFTNL_CHAIN_PACKETS))
                    chain.bytes = nftnl_chain_get_u64(c, nftAttr(NFTNL_CHAIN_BYTES))
                }
            }
            dump.chains.append(chain)
        }
        for m in try socket.dump(NFTWire.getRule, family: family) {
            guard let r = nftnl_rule_alloc() else { continue }
            defer { nftnl_rule_free(r) }
            if m.withUnsafeBytes({ nftnl_rule_nlmsg_parse(NFTWire.header($0), r) }) < 0 {
                throw DataplaneError("iptables-nft netlink: cannot parse a rule message (\(m.count) bytes)")
            }
            guard let table = NFTWire.str(nftnl_rule_get_str(r, nftAttr(NFTNL_RULE_TABLE))),
                dump.tables.contains(table),
                let chain = NFTWire.str(nftnl_rule_get_str(r, nftAttr(NFTNL_RULE_CHAIN)))
            else { continue }
            var rule = Rule(
                table: table, chain: chain, handle: nftnl_rule_get_u64(r, nftAttr(NFTNL_RULE_HANDLE)),
                expressions: [], comment: nil)
            if let iter = nftnl_expr_iter_create(r) {
                while let e = nftnl_expr_iter_next(iter) { rule.expressions.append(expression(e)) }
                nftnl_expr_iter_destroy(iter)
            }
            var len: UInt32 = 0
            if let p = nftnl_rule_get_data(r, nftAttr(NFTNL_RULE_USERDATA), &len) {
                rule.comment = NFTWire.comment(Array(UnsafeRawBufferPointer(start: p, count: Int(len))))
            }
            dump.rules.append(rule)
        }
        return dump
    }

    static func expression(_ e: OpaquePointer) -> NFTIPTablesExpression {
        typealias D = NFTExpressionDecoder
        guard let namePtr = nftnl_expr_get_str(e, nftAttr(NFTNL_EXPR_NAME)) else { return .other("?") }
        let name = String(cString: namePtr)
        switch name {
        case "meta":
            guard D.has(e, NFTNL_EXPR_META_DREG) else { return .other("meta set") }
            return .meta(key: D.u32(e, NFTNL_EXPR_META_KEY), dreg: D.u32(e, NFTNL_EXPR_META_DREG))
        case "payload":
            guard D.has(e, NFTNL_EXPR_PAYLOAD_DREG) else { return .other("payload write") }
            return .payload(
                base: D.u32(e, NFTNL_EXPR_PAYLOAD_BASE), offset: Int(D.u32(e, NFTNL_EXPR_PAYLOAD_OFFSET)),
                length: Int(D.u32(e, NFTNL_EXPR_PAYLOAD_LEN)), dreg: D.u32(e, NFTNL_EXPR_PAYLOAD_DREG))
        case "bitwise":
            if D.has(e, NFTNL_EXPR_BITWISE_OP), D.u32(e, NFTNL_EXPR_BITWISE_OP) != 0 { return .other("bitwise shift") }
            return .bitwise(
                sreg: D.u32(e, NFTNL_EXPR_BITWISE_SREG), dreg: D.u32(e, NFTNL_EXPR_BITWISE_DREG),
                mask: D.data(e, NFTNL_EXPR_BITWISE_MASK), xor: D.data(e, NFTNL_EXPR_BITWISE_XOR))
        case "cmp":
            return .cmp(sreg: D.u32(e, NFTNL_EXPR_CMP_SREG), op: D.u32(e, NFTNL_EXPR_CMP_OP), data: D.data(e, NFTNL_EXPR_CMP_DATA))
        case "range":
            return .range(
                sreg: D.u32(e, NFTNL_EXPR_RANGE_SREG), op: D.u32(e, NFTNL_EXPR_RANGE_OP),
                from: D.data(e, NFTNL_EXPR_RANGE_FROM_DATA), to: D.data(e, NFTNL_EXPR_RANGE_TO_DATA))
        case "immediate":
            let dreg = D.u32(e, NFTNL_EXPR_IMM_DREG)
            return .immediate(
                dreg: dreg, verdict: dreg == 0 ? Int32(bitPattern: D.u32(e, NFTNL_EXPR_IMM_VERDICT)) : 0,
                chain: NFTWire.str(nftnl_expr_get_str(e, nftAttr(NFTNL_EXPR_IMM_CHAIN))))
        case "counter":
            return .counter
        case "match":
            return .match(
                name: NFTWire.str(nftnl_expr_get_str(e, nftAttr(NFTNL_EXPR_MT_NAME))) ?? "?",
                revision: D.u32(e, NFTNL_EXPR_MT_REV), info: D.data(e, NFTNL_EXPR_MT_INFO))
        case "target":
            return .target(
                name: NFTWire.str(nftnl_expr_get_str(e, nftAttr(NFTNL_EXPR_TG_NAME))) ?? "?",
                revision: D.u32(e, NFTNL_EXPR_TG_REV), info: D.data(e, NFTNL_EXPR_TG_INFO))
        default:
            return .other(name)
        }
    }
}

extension IPTablesReader {
    /// Reads the nf_tables backend's `tables` in the namespace at `netnsPath` over
    /// nf_tables netlink (`NFTIPTablesReader`), without running `iptables-nft-save`.
    /// - Throws: `DataplaneError` as `NFTIPTablesReader.read`.
    public static func readNFT(netnsPath: String, tables: Set<String> = kubeProxyTables)
        throws(DataplaneError) -> IPTablesRuleset
    {
        try NFTIPTablesReader.read(netnsPath: netnsPath, tables: tables)
    }
}
