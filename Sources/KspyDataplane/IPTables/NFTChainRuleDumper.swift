import CLibnftnl
import Glibc

/// An nf_tables netlink socket (libmnl) for the iptables-nft reader that dumps tables,
/// chains, and the rules of **one chain per request**, the way iptables-nft itself
/// fetches its rule cache (iptables `nft-cache.c`).
///
/// A single `NFT_MSG_GETRULE` dump of a whole table is quadratic in the kernel: every
/// resumed dump part (at most 32 KiB, `netlink_recvmsg` caps `max_recvmsg_len`) walks
/// the table's chains and rules from the start again to skip what was already sent
/// (`nf_tables_dump_rules`, net/netfilter/nf_tables_api.c). A dump restricted to one
/// chain (`NFTA_RULE_TABLE` + `NFTA_RULE_CHAIN`) finds the chain by hash and walks only
/// its rules. Request and receive buffers are allocated once and reused for every dump.
final class NFTChainRuleDumper {
    private let socket: OpaquePointer
    private let portID: UInt32
    private var sequence: UInt32
    private var request = [CChar](repeating: 0, count: 4096)
    /// Larger than the kernel's 32 KiB dump part, so one receive never truncates.
    private var buffer = [UInt8](repeating: 0, count: 1 << 16)

    /// Opens and binds a `NETLINK_NETFILTER` socket in the calling thread's network namespace.
    init() throws(DataplaneError) {
        guard let socket = mnl_socket_open(NETLINK_NETFILTER) else {
            throw DataplaneError("iptables-nft netlink: socket: \(String(cString: strerror(errno)))")
        }
        guard mnl_socket_bind(socket, 0, pid_t(0)) >= 0 else {
            let e = errno
            mnl_socket_close(socket)
            throw DataplaneError("iptables-nft netlink: bind: \(String(cString: strerror(e)))")
        }
        self.socket = socket
        portID = mnl_socket_get_portid(socket)
        sequence = UInt32(truncatingIfNeeded: time(nil))
    }

    deinit { mnl_socket_close(socket) }

    /// Sends an `NLM_F_DUMP` request of `type` (`NFTWire.getTable`, …; `payload` adds
    /// attributes) and calls `body` with every reply message, in order, straight from the
    /// receive buffer. A dump of something that does not exist (ENOENT) is empty.
    func dump(
        _ type: UInt16, family: UInt16, payload: ((UnsafeMutablePointer<nlmsghdr>) -> Void)? = nil,
        _ body: (UnsafePointer<nlmsghdr>) throws(DataplaneError) -> Void
    ) throws(DataplaneError) {
        sequence &+= 1
        let seq = sequence
        let sent: Int = request.withUnsafeMutableBufferPointer { buf in
            guard let nlh = nftnl_nlmsg_build_hdr(buf.baseAddress, type, family, UInt16(NFTWire.dumpFlags), seq)
            else { return -1 }
            payload?(nlh)
            return mnl_socket_sendto(socket, nlh, Int(nlh.pointee.nlmsg_len))
        }
        guard sent >= 0 else {
            throw DataplaneError("iptables-nft netlink: send type \(type): \(String(cString: strerror(errno)))")
        }
        while true {
            let n = buffer.withUnsafeMutableBytes { mnl_socket_recvfrom(socket, $0.baseAddress, $0.count) }
            guard n >= 0 else {
                throw DataplaneError("iptables-nft netlink: receive type \(type): \(String(cString: strerror(errno)))")
            }
            if n == 0 { return }
            var finished = false
            var failure: DataplaneError?

            func walk(_ raw: UnsafeRawBufferPointer) throws(DataplaneError) {
                var offset = 0
                let headerSize = MemoryLayout<nlmsghdr>.size
                while offset + headerSize <= n {
                    let nlh = (raw.baseAddress! + offset).assumingMemoryBound(to: nlmsghdr.self)
                    let length = Int(nlh.pointee.nlmsg_len)
                    guard length >= headerSize, offset + length <= n else {
                        throw DataplaneError("iptables-nft netlink: truncated reply to type \(type) (\(length) bytes)")
                    }
                    defer { offset += (length + 3) & ~3 }
                    if nlh.pointee.nlmsg_seq != seq || nlh.pointee.nlmsg_pid != portID { continue }
                    switch Int32(nlh.pointee.nlmsg_type) {
                    case NLMSG_DONE:
                        finished = true
                        return
                    case NLMSG_ERROR:
                        let code =
                            length >= headerSize + 4
                            ? (raw.baseAddress! + offset + headerSize).loadUnaligned(as: Int32.self) : -EPROTO
                        if code == 0 { continue }
                        if code == -ENOENT {
                            finished = true
                            return
                        }
                        throw DataplaneError(
                            "iptables-nft netlink: dump type \(type): \(String(cString: strerror(-code)))")
                    case NLMSG_NOOP:
                        continue
                    default:
                        try body(UnsafePointer(nlh))
                    }
                }
            }

            buffer.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
                do throws(DataplaneError) {
                    try walk(raw)
                } catch {
                    failure = error
                }
            }
            if let failure { throw failure }
            if finished { return }
        }
    }

    /// Calls `body` with each rule message of `chain` in `table` (chain order), straight
    /// from the receive buffer (valid until `body` returns).
    func forEachRuleMessage(
        family: UInt16, table: String, chain: String,
        _ body: (UnsafePointer<nlmsghdr>) throws(DataplaneError) -> Void
    ) throws(DataplaneError) {
        let filter: (UnsafeMutablePointer<nlmsghdr>) -> Void = { nlh in
            guard let r = nftnl_rule_alloc() else { return }
            defer { nftnl_rule_free(r) }
            nftnl_rule_set_str(r, nftAttr(NFTNL_RULE_TABLE), table)
            nftnl_rule_set_str(r, nftAttr(NFTNL_RULE_CHAIN), chain)
            nftnl_rule_nlmsg_build_payload(nlh, r)
        }
        try dump(NFTWire.getRule, family: family, payload: filter, body)
    }

    /// Calls `body` with each rule of `chain` in `table` (chain order), parsed by libnftnl;
    /// the rule object is freed after `body` returns.
    func forEachRule(
        family: UInt16, table: String, chain: String, _ body: (OpaquePointer) throws(DataplaneError) -> Void
    ) throws(DataplaneError) {
        try forEachRuleMessage(family: family, table: table, chain: chain) { (nlh) throws(DataplaneError) in
            try Self.withRule(of: nlh, table: table, chain: chain, body)
        }
    }

    /// Calls `body` with rule `message` (of `chain` in `table`) parsed by libnftnl; the
    /// rule object is freed after `body` returns.
    static func withRule<T>(
        of message: UnsafePointer<nlmsghdr>, table: String, chain: String,
        _ body: (OpaquePointer) throws(DataplaneError) -> T
    ) throws(DataplaneError) -> T {
        guard let r = nftnl_rule_alloc() else {
            throw DataplaneError("iptables-nft netlink: out of memory for a rule of \(table) \(chain)")
        }
        defer { nftnl_rule_free(r) }
        if nftnl_rule_nlmsg_parse(message, r) < 0 {
            throw DataplaneError(
                "iptables-nft netlink: cannot parse a rule message of \(table) \(chain) (\(message.pointee.nlmsg_len) bytes)"
            )
        }
        return try body(r)
    }
}
