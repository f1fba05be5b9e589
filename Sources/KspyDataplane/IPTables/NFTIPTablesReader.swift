import CLibnftnl
import Glibc
import KspyKernel

/// Reads the iptables-nft (nf_tables backend) tables of a network namespace over
/// nf_tables netlink — no `iptables-nft-save` binary needed — into the same
/// `IPTablesRuleset` that `IPTablesSaveParser` builds from `iptables-nft-save` output,
/// so `KubeProxyIPTablesDecoder` is shared (dataplanes.md §6).
///
/// Dumps the `ip` (or, for ip6tables, `ip6`) family's tables and chains, then the rules chain by chain
/// (`NFTChainRuleDumper`), turns each rule's expressions back into iptables-save words
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
    public static func read(
        netnsPath: String, tables: Set<String> = IPTablesReader.kubeProxyTables, family: IPTablesFamily = .ipv4
    ) throws(DataplaneError) -> IPTablesRuleset {
        guard SystemFile.exists(netnsPath) else {
            throw DataplaneError("network namespace \(netnsPath) does not exist")
        }
        let fd = open(netnsPath, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw DataplaneError("iptables-nft netlink: cannot open \(netnsPath): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        // Only the socket is opened in the namespace (a socket stays in the namespace it was
        // created in, socket(7)); the rules are read and parsed on the calling thread, so
        // their memory comes from, and goes back to, the arena the decoder uses next.
        let opened: Result<NFTChainRuleDumper, DataplaneError>
        do {
            opened = try NetworkNamespaceThread.run(namespaceFD: fd) { () -> Result<NFTChainRuleDumper, DataplaneError> in
                do throws(DataplaneError) {
                    return .success(try NFTChainRuleDumper())
                } catch {
                    return .failure(error)
                }
            }
        } catch {
            throw DataplaneError("iptables-nft netlink: cannot enter network namespace \(netnsPath): \(error)")
        }
        return try read(with: try opened.get(), tables: tables, family: family)
    }

    /// Reads in the calling thread's own network namespace.
    public static func readHere(
        tables: Set<String> = IPTablesReader.kubeProxyTables, family: IPTablesFamily = .ipv4
    ) throws(DataplaneError) -> IPTablesRuleset {
        try read(with: try NFTChainRuleDumper(), tables: tables, family: family)
    }

    /// Reads `tables` through `dumper`'s socket (in the namespace it was opened in).
    static func read(with dumper: NFTChainRuleDumper, tables: Set<String>, family: IPTablesFamily)
        throws(DataplaneError) -> IPTablesRuleset
    {
        let catalog = try NFTIPTablesDump.fetch(dumper, family: family)
        // Each piece is parsed, on a second thread, while the next one is dumped and
        // written: the parser copies its rule lines (without their `-A CHAIN `) as the
        // rules' storage (`IPTablesRuleLines`) and keeps no piece, so the text never
        // exists whole.
        let source = family == .ipv4 ? "iptables-nft netlink" : "ip6tables-nft netlink"
        let parser = BackgroundSaveParser(parser: IPTablesSaveParser(sourceName: source))
        do {
            try saveText(catalog, tables: tables, dumper: dumper, family: family) { (piece) throws(DataplaneError) in
                try parser.feed(piece)
            }
        } catch {
            parser.cancel()
            throw error
        }
        return try parser.finish().selecting(tables: tables)
    }

    /// The chains of table `name` in `iptables-nft-save` order: every built-in chain of the
    /// table (hook order), also those not created in the kernel yet, then the user chains
    /// by the byte order of their names.
    static func orderedChains(of name: String, in dump: NFTIPTablesDump) -> [NFTIPTablesDump.Chain] {
        let present = dump.chains.filter { $0.table == name }
        let builtin = builtinOrder.filter { IPTablesChain.builtinChains[name]?.contains($0) == true }.map { b in
            present.first { $0.name == b && $0.hook != nil }
                ?? NFTIPTablesDump.Chain(
                    table: name, name: b, hook: 0, policy: 1, packets: 0, bytes: 0, existsInKernel: false)
        }
        let builtinNames = Set(builtin.map(\.name))
        var user = present.filter { !builtinNames.contains($0.name) }
        if user.allSatisfy({ $0.name.utf8.allSatisfy { $0 < 0x80 } }) {
            // For ASCII, String order is byte order (and takes a memcmp fast path).
            user.sort { $0.name < $1.name }
        } else {
            user = user.map { (key: Array($0.name.utf8), chain: $0) }
                .sorted { $0.key.lexicographicallyPrecedes($1.key) }
                .map(\.chain)
        }
        return builtin + user
    }

    /// Writes the iptables-save text of the tables in `dump` to `output` in pieces of
    /// about `pieceSize` bytes, each ending with a line break. Rules are fetched chain by
    /// chain with `dumper` and turned into words as they arrive, so no rule is held in
    /// two forms at once; tables outside `tables` get placeholder lines (`# chain`,
    /// `# rule`) so that line numbers match a full dump.
    static func saveText(
        _ dump: NFTIPTablesDump, tables: Set<String>, dumper: NFTChainRuleDumper, family: IPTablesFamily = .ipv4,
        pieceSize: Int = 1 << 18,
        _ output: ([UInt8]) throws(DataplaneError) -> Void
    ) throws(DataplaneError) {
        var text: [UInt8] = []
        text.reserveCapacity(pieceSize + 4096)
        func line(_ s: String) throws(DataplaneError) {
            text.append(contentsOf: s.utf8)
            text.append(0x0A)
            if text.count >= pieceSize {
                try output(text)
                text.removeAll(keepingCapacity: true)
            }
        }
        for name in tableOrder {
            guard dump.tables.contains(name) else { continue }
            let chains = orderedChains(of: name, in: dump)
            if let bad = chains.first(where: { c in c.name.utf8.contains { $0 <= 0x20 } }) {
                throw DataplaneError(
                    "iptables-nft netlink: table \(name) has a chain name with a space or control character (\(bad.name.utf8.count) bytes)"
                )
            }
            let decode = tables.contains(name)
            try line("# Generated by kspy from nf_tables netlink")
            try line("*" + name)
            for c in chains {
                guard decode else {
                    try line("# chain")
                    continue
                }
                let policy = c.hook == nil ? "-" : (c.policy == 0 ? "DROP" : "ACCEPT")
                try line(":\(c.name) \(policy) [\(c.packets):\(c.bytes)]")
            }
            for c in chains where c.existsInKernel {
                var number = 0
                try dumper.forEachRule(family: family.nfproto, table: name, chain: c.name) {
                    (r) throws(DataplaneError) in
                    number += 1
                    guard decode else {
                        try line("# rule")
                        return
                    }
                    var expressions: [NFTIPTablesExpression] = []
                    if let iter = nftnl_expr_iter_create(r) {
                        while let e = nftnl_expr_iter_next(iter) { expressions.append(NFTIPTablesDump.expression(e)) }
                        nftnl_expr_iter_destroy(iter)
                    }
                    var comment: String?
                    var length: UInt32 = 0
                    if let p = nftnl_rule_get_data(r, nftAttr(NFTNL_RULE_USERDATA), &length) {
                        comment = NFTWire.comment(Array(UnsafeRawBufferPointer(start: p, count: Int(length))))
                    }
                    let words = try NFTIPTablesRuleDecoder.words(
                        expressions, userComment: comment, family: family,
                        place:
                            "table \(name) chain \(c.name) rule \(number) (handle \(nftnl_rule_get_u64(r, nftAttr(NFTNL_RULE_HANDLE))))"
                    )
                    try line("-A " + c.name + words)
                }
            }
            try line("COMMIT")
            try line("# Completed")
        }
        if !text.isEmpty { try output(text) }
    }
}

/// The iptables tables of one family (`ip` or `ip6` in nf_tables) and their chains, as
/// nf_tables netlink lists them (rules are fetched per chain, see `NFTChainRuleDumper`).
struct NFTIPTablesDump {
    struct Chain {
        var table: String
        var name: String
        var hook: Int?
        var policy: UInt32
        var packets: UInt64
        var bytes: UInt64
        /// False for a built-in chain iptables-nft-save lists that the kernel does not have yet.
        var existsInKernel = true
    }

    var tables: Set<String> = []
    var chains: [Chain] = []

    static func fetch(_ dumper: NFTChainRuleDumper, family ipFamily: IPTablesFamily = .ipv4) throws(DataplaneError)
        -> NFTIPTablesDump
    {
        let family = ipFamily.nfproto
        let known = Set(NFTIPTablesReader.tableOrder)
        var dump = NFTIPTablesDump()
        try dumper.dump(NFTWire.getTable, family: family) { (nlh) throws(DataplaneError) in
            guard let t = nftnl_table_alloc() else { return }
            defer { nftnl_table_free(t) }
            if nftnl_table_nlmsg_parse(nlh, t) < 0 {
                throw DataplaneError(
                    "iptables-nft netlink: cannot parse a table message (\(nlh.pointee.nlmsg_len) bytes)")
            }
            if let name = NFTWire.str(nftnl_table_get_str(t, nftAttr(NFTNL_TABLE_NAME))), known.contains(name) {
                dump.tables.insert(name)
            }
        }
        guard !dump.tables.isEmpty else { return dump }
        try dumper.dump(NFTWire.getChain, family: family) { (nlh) throws(DataplaneError) in
            guard let c = nftnl_chain_alloc() else { return }
            defer { nftnl_chain_free(c) }
            if nftnl_chain_nlmsg_parse(nlh, c) < 0 {
                throw DataplaneError(
                    "iptables-nft netlink: cannot parse a chain message (\(nlh.pointee.nlmsg_len) bytes)")
            }
            guard let table = NFTWire.str(nftnl_chain_get_str(c, nftAttr(NFTNL_CHAIN_TABLE))),
                dump.tables.contains(table),
                let name = NFTWire.str(nftnl_chain_get_str(c, nftAttr(NFTNL_CHAIN_NAME)))
            else { return }
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
            return .cmp(
                sreg: D.u32(e, NFTNL_EXPR_CMP_SREG), op: D.u32(e, NFTNL_EXPR_CMP_OP),
                data: D.data(e, NFTNL_EXPR_CMP_DATA))
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
