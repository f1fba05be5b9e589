import CLibnftnl
import Glibc
import KspyKernel

/// Reads nf_tables tables over netlink (libmnl + libnftnl) into the same `NFTRuleset`
/// the `nft -j` parser builds, so `KubeProxyNFTablesDecoder` decodes both alike.
///
/// Dumps `NFT_MSG_GETTABLE`, `GETCHAIN`, `GETSET` (+ `GETSETELEM` per set) and
/// `GETRULE` (per chain) for the families asked for and keeps the named table. Rule expressions are
/// turned back into statements by tracking what each register holds (`payload`, `meta`,
/// `ct`, `fib`, `numgen`, `immediate`, `bitwise`), then `cmp`/`lookup` become matches or
/// verdict maps (anonymous `__map%d` maps inlined), `immediate` on the verdict register
/// a verdict, `nat` a `dnat to`. Keys of concatenated set elements are split in 4-byte
/// aligned fields by the set's key type (dataplanes.md §2.5).
public enum NFTablesNetlinkReader {
    /// Reads `table` (`kube-proxy`) of each family (`ip`, `ip6`) inside the network
    /// namespace at `netnsPath` (`/run/netns/NAME`, `/proc/PID/ns/net`); families without
    /// the table are left out.
    public static func read(
        netnsPath: String, table: String = "kube-proxy", families: [String] = ["ip", "ip6"]
    ) throws(DataplaneError) -> NFTRuleset {
        let fd = open(netnsPath, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw DataplaneError("nft netlink: cannot open \(netnsPath): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        let outcome: Result<NFTRuleset, DataplaneError>
        do {
            outcome = try NetworkNamespaceThread.run(namespaceFD: fd) { () -> Result<NFTRuleset, DataplaneError> in
                do throws(DataplaneError) {
                    return .success(try readHere(table: table, families: families))
                } catch {
                    return .failure(error)
                }
            }
        } catch {
            throw DataplaneError("nft netlink: cannot enter network namespace \(netnsPath): \(error)")
        }
        return try outcome.get()
    }

    /// Reads in the calling thread's own network namespace.
    public static func readHere(table: String = "kube-proxy", families: [String] = ["ip", "ip6"])
        throws(DataplaneError) -> NFTRuleset
    {
        let socket = try NFTSocket()
        defer { socket.close() }
        var tables: [NFTTable] = []
        for family in families {
            guard let number = NFTWire.familyNumbers[family] else {
                throw DataplaneError("nft netlink: unknown family \(family)")
            }
            if let result = try read(table: table, family: family, number: number, socket: socket) {
                tables.append(result)
            }
        }
        return NFTRuleset(tables: tables)
    }

    /// Table `table` of one family, nil when that family has no such table. Every dump
    /// is handled message by message straight from the receive buffer.
    private static func read(table: String, family: String, number: UInt16, socket: NFTSocket) throws(DataplaneError)
        -> NFTTable?
    {
        var found = false
        try socket.dump(NFTWire.getTable, family: number) { nlh in
            guard let t = nftnl_table_alloc() else { return }
            defer { nftnl_table_free(t) }
            if nftnl_table_nlmsg_parse(nlh, t) < 0 { return }
            if let name = nftnl_table_get_str(t, nftAttr(NFTNL_TABLE_NAME)), strcmp(name, table) == 0 { found = true }
        }
        guard found else { return nil }
        var result = NFTTable(family: family, name: table)
        // Chains (a name the dump repeats is kept once).
        var chainNames: Set<String> = []
        let hookNames = ["prerouting", "input", "forward", "output", "postrouting"]
        try socket.dump(NFTWire.getChain, family: number) { (nlh) throws(DataplaneError) in
            guard let c = nftnl_chain_alloc() else { return }
            defer { nftnl_chain_free(c) }
            if nftnl_chain_nlmsg_parse(nlh, c) < 0 {
                throw DataplaneError("nft netlink: cannot parse a chain message (\(nlh.pointee.nlmsg_len) bytes)")
            }
            guard let owner = nftnl_chain_get_str(c, nftAttr(NFTNL_CHAIN_TABLE)), strcmp(owner, table) == 0,
                let name = NFTWire.str(nftnl_chain_get_str(c, nftAttr(NFTNL_CHAIN_NAME)))
            else { return }
            var hook: String?
            if nftnl_chain_is_set(c, nftAttr(NFTNL_CHAIN_HOOKNUM)) {
                let n = Int(nftnl_chain_get_u32(c, nftAttr(NFTNL_CHAIN_HOOKNUM)))
                hook = hookNames.indices.contains(n) ? hookNames[n] : "hook \(n)"
            }
            if chainNames.insert(name).inserted { result.chains.append(NFTChain(name: name, hook: hook)) }
        }
        // Sets and maps; their elements once the set dump is over (one dump at a time).
        var sets: [String: NFTWire.SetInfo] = [:]
        var setOrder: [String] = []
        try socket.dump(NFTWire.getSet, family: number) { (nlh) throws(DataplaneError) in
            guard let s = nftnl_set_alloc() else { return }
            defer { nftnl_set_free(s) }
            if nftnl_set_nlmsg_parse(nlh, s) < 0 {
                throw DataplaneError("nft netlink: cannot parse a set message (\(nlh.pointee.nlmsg_len) bytes)")
            }
            guard let owner = nftnl_set_get_str(s, nftAttr(NFTNL_SET_TABLE)), strcmp(owner, table) == 0,
                let name = NFTWire.str(nftnl_set_get_str(s, nftAttr(NFTNL_SET_NAME)))
            else { return }
            var info = NFTWire.SetInfo(name: name)
            info.flags = nftnl_set_get_u32(s, nftAttr(NFTNL_SET_FLAGS))
            info.keyTypes = NFTWire.typeParts(nftnl_set_get_u32(s, nftAttr(NFTNL_SET_KEY_TYPE)))
            info.keyLength = Int(nftnl_set_get_u32(s, nftAttr(NFTNL_SET_KEY_LEN)))
            if info.flags & NFTWire.setFlagMap != 0 {
                let dt = nftnl_set_get_u32(s, nftAttr(NFTNL_SET_DATA_TYPE))
                info.dataType = dt == NFTWire.dataVerdict ? "verdict" : NFTWire.typeName(dt)
            }
            if nftnl_set_is_set(s, nftAttr(NFTNL_SET_TIMEOUT)) {
                info.timeoutSeconds = Int(nftnl_set_get_u64(s, nftAttr(NFTNL_SET_TIMEOUT)) / 1000)
            }
            sets[name] = info
            setOrder.append(name)
        }
        for name in setOrder {
            guard let info = sets[name] else { continue }
            sets[name]?.elements = try elements(of: name, table: table, family: number, info: info, socket: socket)
        }
        for name in setOrder {
            guard let i = sets[name], !i.anonymous else { continue }
            result.sets.append(
                NFTSet(
                    name: name, keyType: i.keyTypes.map(NFTWire.typeName), dataType: i.dataType,
                    timeoutSeconds: i.timeoutSeconds, elements: i.elements))
        }
        // Rules, one dump per chain: a dump of the whole table is quadratic in the
        // kernel (every 32 KiB part walks the table's chains and rules from the start
        // again, `nf_tables_dump_rules`), a dump of one chain finds it by hash.
        guard let filter = nftnl_rule_alloc() else { throw DataplaneError("nft netlink: out of memory") }
        defer { nftnl_rule_free(filter) }
        nftnl_rule_set_str(filter, nftAttr(NFTNL_RULE_TABLE), table)
        let build: (UnsafeMutablePointer<nlmsghdr>) -> Void = { nftnl_rule_nlmsg_build_payload($0, filter) }
        for position in result.chains.indices {
            let chain = result.chains[position].name
            nftnl_rule_set_str(filter, nftAttr(NFTNL_RULE_CHAIN), chain)
            var rules: [NFTRule] = []
            try socket.dump(NFTWire.getRule, family: number, payload: build) { (nlh) throws(DataplaneError) in
                guard let r = nftnl_rule_alloc() else { return }
                defer { nftnl_rule_free(r) }
                if nftnl_rule_nlmsg_parse(nlh, r) < 0 {
                    throw DataplaneError(
                        "nft netlink: cannot parse a rule message of chain \(chain) (\(nlh.pointee.nlmsg_len) bytes)")
                }
                var decoder = NFTExpressionDecoder(family: family, sets: sets)
                rules.append(decoder.rule(r))
            }
            result.chains[position].rules = rules
        }
        return result
    }

    static func elements(
        of set: String, table: String, family: UInt16, info: NFTWire.SetInfo, socket: NFTSocket
    ) throws(DataplaneError) -> [NFTElement] {
        guard let request = nftnl_set_alloc() else { return [] }
        defer { nftnl_set_free(request) }
        nftnl_set_set_str(request, nftAttr(NFTNL_SET_NAME), set)
        nftnl_set_set_str(request, nftAttr(NFTNL_SET_TABLE), table)
        var out: [NFTElement] = []
        let interval = info.flags & NFTWire.setFlagInterval != 0 && info.keyTypes.count == 1
        var starts: [(key: [UInt8], element: NFTElement)] = []
        var ends: [[UInt8]] = []
        let build: (UnsafeMutablePointer<nlmsghdr>) -> Void = { nftnl_set_elems_nlmsg_build_payload($0, request) }
        try socket.dump(NFTWire.getSetElement, family: family, payload: build) { (nlh) throws(DataplaneError) in
            guard let s = nftnl_set_alloc() else { return }
            defer { nftnl_set_free(s) }
            if nftnl_set_elems_nlmsg_parse(nlh, s) < 0 {
                throw DataplaneError(
                    "nft netlink: cannot parse elements of set \(set) (\(nlh.pointee.nlmsg_len) bytes)")
            }
            guard let iter = nftnl_set_elems_iter_create(s) else { return }
            defer { nftnl_set_elems_iter_destroy(iter) }
            while let e = nftnl_set_elems_iter_next(iter) {
                var len: UInt32 = 0
                var raw: [UInt8] = []
                if let p = nftnl_set_elem_get(e, nftAttr(NFTNL_SET_ELEM_KEY), &len) {
                    raw = Array(UnsafeRawBufferPointer(start: p, count: Int(len)))
                }
                if nftnl_set_elem_is_set(e, nftAttr(NFTNL_SET_ELEM_FLAGS)),
                    nftnl_set_elem_get_u32(e, nftAttr(NFTNL_SET_ELEM_FLAGS)) & 1 != 0
                {
                    ends.append(raw)  // NFT_SET_ELEM_INTERVAL_END: first value after a range
                    continue
                }
                let key = NFTWire.splitKey(raw, types: info.keyTypes)
                var verdict: NFTVerdict?
                if nftnl_set_elem_is_set(e, nftAttr(NFTNL_SET_ELEM_VERDICT)) {
                    let code = Int32(bitPattern: nftnl_set_elem_get_u32(e, nftAttr(NFTNL_SET_ELEM_VERDICT)))
                    let chain = NFTWire.str(nftnl_set_elem_get_str(e, nftAttr(NFTNL_SET_ELEM_CHAIN)))
                    verdict = NFTWire.verdict(code, chain: chain)
                }
                var comment: String?
                if let p = nftnl_set_elem_get(e, nftAttr(NFTNL_SET_ELEM_USERDATA), &len) {
                    comment = NFTWire.comment(Array(UnsafeRawBufferPointer(start: p, count: Int(len))))
                }
                let element = NFTElement(key: key, verdict: verdict, comment: comment)
                if interval { starts.append((raw, element)) } else { out.append(element) }
            }
        }
        if interval {
            // Each range runs from a start to the smallest end above it; ranges that are
            // prefixes print as `addr/len` (what nft shows), others as `first-last`.
            let type = info.keyTypes[0]
            for (start, element) in starts.sorted(by: { $0.key.lexicographicallyPrecedes($1.key) }) {
                let end = ends.filter { start.lexicographicallyPrecedes($0) }.min { $0.lexicographicallyPrecedes($1) }
                var e = element
                e.key = [NFTWire.range(start, end: end, type: type)]
                out.append(e)
            }
        }
        return out
    }
}

// MARK: - Socket

/// A NETLINK_NETFILTER socket (libmnl) doing one dump at a time; its request and
/// receive buffers are allocated once and reused by every dump (a kube-proxy table
/// needs one element dump per anonymous numgen map, tens of thousands of dumps).
final class NFTSocket {
    let nl: OpaquePointer
    let portID: UInt32
    var seq: UInt32
    private var request = [CChar](repeating: 0, count: 8192)
    /// Larger than one dump part (the kernel fills at most 32 KiB per receive).
    private var buffer = [UInt8](repeating: 0, count: 1 << 17)

    init() throws(DataplaneError) {
        guard let nl = mnl_socket_open(NETLINK_NETFILTER) else {
            throw DataplaneError("nft netlink: socket: \(String(cString: strerror(errno)))")
        }
        guard mnl_socket_bind(nl, 0, pid_t(0)) >= 0 else {
            let e = errno
            mnl_socket_close(nl)
            throw DataplaneError("nft netlink: bind: \(String(cString: strerror(e)))")
        }
        self.nl = nl
        portID = mnl_socket_get_portid(nl)
        seq = UInt32(truncatingIfNeeded: time(nil))
    }

    func close() { mnl_socket_close(nl) }

    /// Sends an `NLM_F_DUMP` request of `type` (`payload` adds attributes) and calls
    /// `body` with each reply message in order, pointing into the receive buffer (valid
    /// during the call only). A dump of something that does not exist (ENOENT) is empty.
    /// When `body` throws, the rest of the dump is still drained, then the error thrown.
    func dump(
        _ type: UInt16, family: UInt16, payload: ((UnsafeMutablePointer<nlmsghdr>) -> Void)? = nil,
        _ body: (UnsafePointer<nlmsghdr>) throws(DataplaneError) -> Void
    ) throws(DataplaneError) {
        seq &+= 1
        let sequence = seq
        let sent: Int = request.withUnsafeMutableBufferPointer { buf in
            guard let nlh = nftnl_nlmsg_build_hdr(buf.baseAddress, type, family, UInt16(NFTWire.dumpFlags), sequence)
            else { return -1 }
            payload?(nlh)
            return mnl_socket_sendto(nl, nlh, Int(nlh.pointee.nlmsg_len))
        }
        guard sent >= 0 else {
            throw DataplaneError("nft netlink: send type \(type): \(String(cString: strerror(errno)))")
        }
        var failure: DataplaneError?
        var done = false
        while !done {
            let received = buffer.withUnsafeMutableBytes { mnl_socket_recvfrom(nl, $0.baseAddress, $0.count) }
            guard received > 0 else {
                if received == 0 { break }
                throw DataplaneError("nft netlink: receive type \(type): \(String(cString: strerror(errno)))")
            }
            buffer.withUnsafeBytes { raw in
                let headerSize = MemoryLayout<nlmsghdr>.size
                var offset = 0
                while offset + headerSize <= received {
                    let nlh = (raw.baseAddress! + offset).assumingMemoryBound(to: nlmsghdr.self)
                    let length = Int(nlh.pointee.nlmsg_len)
                    guard length >= headerSize, offset + length <= received else {
                        failure =
                            failure ?? DataplaneError("nft netlink: truncated reply to type \(type) (\(length) bytes)")
                        done = true
                        return
                    }
                    let next = offset + (length + 3) & ~3
                    defer { offset = next }
                    guard nlh.pointee.nlmsg_seq == sequence, nlh.pointee.nlmsg_pid == portID else { continue }
                    switch Int32(nlh.pointee.nlmsg_type) {
                    case NLMSG_DONE:
                        done = true
                        return
                    case NLMSG_ERROR:
                        let code =
                            length >= headerSize + 4
                            ? (raw.baseAddress! + offset + headerSize).loadUnaligned(as: Int32.self) : -EPROTO
                        if code == 0 { continue }
                        if code != -ENOENT {
                            failure =
                                failure
                                ?? DataplaneError("nft netlink: dump type \(type): \(String(cString: strerror(-code)))")
                        }
                        done = true
                        return
                    case NLMSG_NOOP:
                        continue
                    default:
                        guard failure == nil else { continue }
                        do throws(DataplaneError) {
                            try body(UnsafePointer(nlh))
                        } catch {
                            failure = error
                        }
                    }
                }
            }
        }
        if let failure { throw failure }
    }
}
