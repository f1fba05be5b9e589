import CLibnftnl
import Glibc
import KspyKernel

/// Reads nf_tables tables over netlink (libmnl + libnftnl) into the same `NFTRuleset`
/// the `nft -j` parser builds, so `KubeProxyNFTablesDecoder` decodes both alike.
///
/// Dumps `NFT_MSG_GETTABLE`, `GETCHAIN`, `GETSET` (+ `GETSETELEM` per set) and
/// `GETRULE` for the families asked for and keeps the named table. Rule expressions are
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
            let tableMsgs = try socket.dump(NFTWire.getTable, family: number)
            var found = false
            for m in tableMsgs {
                guard let t = nftnl_table_alloc() else { continue }
                defer { nftnl_table_free(t) }
                if m.withUnsafeBytes({ nftnl_table_nlmsg_parse(NFTWire.header($0), t) }) < 0 { continue }
                if let name = nftnl_table_get_str(t, nftAttr(NFTNL_TABLE_NAME)), String(cString: name) == table {
                    found = true
                }
            }
            guard found else { continue }
            var result = NFTTable(family: family, name: table)
            // Chains.
            for m in try socket.dump(NFTWire.getChain, family: number) {
                guard let c = nftnl_chain_alloc() else { continue }
                defer { nftnl_chain_free(c) }
                if m.withUnsafeBytes({ nftnl_chain_nlmsg_parse(NFTWire.header($0), c) }) < 0 {
                    throw DataplaneError("nft netlink: cannot parse a chain message (\(m.count) bytes)")
                }
                guard NFTWire.str(nftnl_chain_get_str(c, nftAttr(NFTNL_CHAIN_TABLE))) == table,
                    let name = NFTWire.str(nftnl_chain_get_str(c, nftAttr(NFTNL_CHAIN_NAME)))
                else { continue }
                var hook: String?
                if nftnl_chain_is_set(c, nftAttr(NFTNL_CHAIN_HOOKNUM)) {
                    let n = Int(nftnl_chain_get_u32(c, nftAttr(NFTNL_CHAIN_HOOKNUM)))
                    hook = ["prerouting", "input", "forward", "output", "postrouting"].indices.contains(n)
                        ? ["prerouting", "input", "forward", "output", "postrouting"][n] : "hook \(n)"
                }
                result.chains.append(NFTChain(name: name, hook: hook))
            }
            // Sets and maps, with their elements.
            var sets: [String: NFTWire.SetInfo] = [:]
            var setOrder: [String] = []
            for m in try socket.dump(NFTWire.getSet, family: number) {
                guard let s = nftnl_set_alloc() else { continue }
                defer { nftnl_set_free(s) }
                if m.withUnsafeBytes({ nftnl_set_nlmsg_parse(NFTWire.header($0), s) }) < 0 {
                    throw DataplaneError("nft netlink: cannot parse a set message (\(m.count) bytes)")
                }
                guard NFTWire.str(nftnl_set_get_str(s, nftAttr(NFTNL_SET_TABLE))) == table,
                    let name = NFTWire.str(nftnl_set_get_str(s, nftAttr(NFTNL_SET_NAME)))
                else { continue }
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
                info.elements = try elements(of: name, table: table, family: number, info: info, socket: socket)
                sets[name] = info
                setOrder.append(name)
            }
            for name in setOrder where !(sets[name]?.anonymous ?? true) {
                let i = sets[name]!
                result.sets.append(
                    NFTSet(
                        name: name, keyType: i.keyTypes.map(NFTWire.typeName), dataType: i.dataType,
                        timeoutSeconds: i.timeoutSeconds, elements: i.elements))
            }
            // Rules.
            for m in try socket.dump(NFTWire.getRule, family: number) {
                guard let r = nftnl_rule_alloc() else { continue }
                defer { nftnl_rule_free(r) }
                if m.withUnsafeBytes({ nftnl_rule_nlmsg_parse(NFTWire.header($0), r) }) < 0 {
                    throw DataplaneError("nft netlink: cannot parse a rule message (\(m.count) bytes)")
                }
                guard NFTWire.str(nftnl_rule_get_str(r, nftAttr(NFTNL_RULE_TABLE))) == table,
                    let chain = NFTWire.str(nftnl_rule_get_str(r, nftAttr(NFTNL_RULE_CHAIN)))
                else { continue }
                var decoder = NFTExpressionDecoder(family: family, sets: sets)
                let rule = decoder.rule(r)
                if let c = result.chains.firstIndex(where: { $0.name == chain }) {
                    result.chains[c].rules.append(rule)
                } else {
                    result.chains.append(NFTChain(name: chain, rules: [rule]))
                }
            }
            tables.append(result)
        }
        return NFTRuleset(tables: tables)
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
        for m in try socket.dump(NFTWire.getSetElement, family: family, payload: { nftnl_set_elems_nlmsg_build_payload($0, request) }) {
            guard let s = nftnl_set_alloc() else { continue }
            defer { nftnl_set_free(s) }
            if m.withUnsafeBytes({ nftnl_set_elems_nlmsg_parse(NFTWire.header($0), s) }) < 0 {
                throw DataplaneError("nft netlink: cannot parse elements of set \(set) (\(m.count) bytes)")
            }
            guard let iter = nftnl_set_elems_iter_create(s) else { continue }
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

/// A NETLINK_NETFILTER socket (libmnl) doing one dump at a time.
final class NFTSocket {
    let nl: OpaquePointer
    let portID: UInt32
    var seq: UInt32

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

    final class Collected {
        var messages: [[UInt8]] = []
    }

    /// Sends an `NLM_F_DUMP` request of `type` and returns each reply message's bytes.
    func dump(
        _ type: UInt16, family: UInt16, payload: ((UnsafeMutablePointer<nlmsghdr>) -> Void)? = nil
    ) throws(DataplaneError) -> [[UInt8]] {
        seq &+= 1
        var request = [CChar](repeating: 0, count: 8192)
        let sent: Int = request.withUnsafeMutableBufferPointer { buf in
            let nlh = nftnl_nlmsg_build_hdr(buf.baseAddress, type, family, UInt16(NFTWire.dumpFlags), seq)!
            payload?(nlh)
            return mnl_socket_sendto(nl, nlh, Int(nlh.pointee.nlmsg_len))
        }
        guard sent >= 0 else { throw DataplaneError("nft netlink: send type \(type): \(String(cString: strerror(errno)))") }
        let collected = Collected()
        let context = Unmanaged.passUnretained(collected).toOpaque()
        var buffer = [UInt8](repeating: 0, count: 1 << 17)
        while true {
            let n = buffer.withUnsafeMutableBytes { mnl_socket_recvfrom(nl, $0.baseAddress, $0.count) }
            guard n >= 0 else {
                throw DataplaneError("nft netlink: receive type \(type): \(String(cString: strerror(errno)))")
            }
            let rc = buffer.withUnsafeBytes { raw in
                mnl_cb_run(raw.baseAddress, n, seq, portID, { nlh, data in
                    guard let nlh, let data else { return 1 }
                    let box = Unmanaged<NFTSocket.Collected>.fromOpaque(data).takeUnretainedValue()
                    let bytes = UnsafeRawBufferPointer(start: UnsafeRawPointer(nlh), count: Int(nlh.pointee.nlmsg_len))
                    box.messages.append(Array(bytes))
                    return 1
                }, context)
            }
            if rc < 0 {
                if errno == ENOENT { return [] }
                throw DataplaneError("nft netlink: dump type \(type): \(String(cString: strerror(errno)))")
            }
            if rc == 0 { break }
        }
        return withExtendedLifetime(collected) { collected.messages }
    }
}
