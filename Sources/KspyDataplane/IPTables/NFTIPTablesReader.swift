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
        try read(netnsPath: netnsPath, tables: tables, family: family, sharing: .whenBacklogged)
    }

    /// Which batches the dumping thread writes as lines itself instead of leaving them to
    /// the parsing thread.
    enum RenderSharing {
        /// Those that would otherwise wait for the parsing thread.
        case whenBacklogged
        /// Those for which the function of the batch's index says so (tests).
        case chosen(@Sendable (Int) -> Bool)
    }

    /// `read(netnsPath:tables:family:)` with batches of `batchSize` bytes shared between
    /// the threads as `sharing` says.
    static func read(
        netnsPath: String, tables: Set<String> = IPTablesReader.kubeProxyTables, family: IPTablesFamily = .ipv4,
        batchSize: Int = 1 << 18, sharing: RenderSharing
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
        return try read(
            with: try opened.get(), tables: tables, family: family, batchSize: batchSize, sharing: sharing)
    }

    /// Reads in the calling thread's own network namespace.
    public static func readHere(
        tables: Set<String> = IPTablesReader.kubeProxyTables, family: IPTablesFamily = .ipv4
    ) throws(DataplaneError) -> IPTablesRuleset {
        try read(with: try NFTChainRuleDumper(), tables: tables, family: family)
    }

    /// Reads `tables` through `dumper`'s socket (in the namespace it was opened in).
    static func read(
        with dumper: NFTChainRuleDumper, tables: Set<String>, family: IPTablesFamily, batchSize: Int = 1 << 18,
        sharing: RenderSharing = .whenBacklogged
    ) throws(DataplaneError) -> IPTablesRuleset {
        let plan = NFTSavePlan(try NFTIPTablesDump.fetch(dumper, family: family), tables: tables)
        try plan.checkChainNames()
        // The rules come off the socket on this thread; a second one writes them as
        // iptables-save lines and parses those while the next rules are dumped. The parser
        // copies its rule lines (without their `-A CHAIN `) as the rules' storage
        // (`IPTablesRuleLines`) and keeps no piece, so the text never exists whole.
        let source = family == .ipv4 ? "iptables-nft netlink" : "ip6tables-nft netlink"
        // kspy writes these lines itself: they are scanned as parsed, built when read.
        let parser = BackgroundSaveParser<NFTSaveBatch>(
            parser: IPTablesSaveParser(sourceName: source), checkingRuleWords: false
        ) {
            (batch) throws(DataplaneError) in try batch.text(chains: plan.chains, family: family)
        }
        do {
            var index = 0
            try plan.dump(with: dumper, family: family, batchSize: batchSize) { (batch) throws(DataplaneError) in
                // When the parsing thread is behind, this one writes the lines itself
                // rather than wait: the two threads share the work.
                let renderHere: Bool
                switch sharing {
                case .whenBacklogged: renderHere = parser.isBacklogged
                case .chosen(let choose): renderHere = choose(index)
                }
                index += 1
                try parser.feed(renderHere ? try batch.rendered(chains: plan.chains, family: family) : batch)
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

    /// The iptables-save line of rule `r` (parsed by libnftnl), `number` of `chain`.
    static func ruleLine(_ r: OpaquePointer, chain: NFTIPTablesDump.Chain, number: Int, family: IPTablesFamily)
        throws(DataplaneError) -> String
    {
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
                "table \(chain.table) chain \(chain.name) rule \(number) (handle \(nftnl_rule_get_u64(r, nftAttr(NFTNL_RULE_HANDLE))))"
        )
        return "-A " + chain.name + words
    }
}

/// The iptables tables of one family (`ip` or `ip6` in nf_tables) and their chains, as
/// nf_tables netlink lists them (rules are fetched per chain, see `NFTChainRuleDumper`).
struct NFTIPTablesDump {
    struct Chain: Sendable {
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

