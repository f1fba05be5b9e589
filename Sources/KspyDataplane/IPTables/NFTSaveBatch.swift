import CLibnftnl
import Glibc

/// A stretch of save text as the dumping thread collects it: lines it wrote, and rules
/// still as the netlink messages the kernel sent, which `text` writes as lines (on the
/// parsing thread).
struct NFTSaveBatch: Sendable {
    enum Item: Sendable {
        /// `bytes[range]` are whole lines.
        case text(Range<Int>)
        /// `bytes[range]` is one rule message (at a 4-byte aligned offset), rule `number`
        /// of `chains[chain]`.
        case rule(Range<Int>, chain: Int, number: Int)
    }

    var bytes: [UInt8] = []
    var items: [Item] = []

    init(capacity: Int) { bytes.reserveCapacity(capacity + 4096) }

    mutating func appendLine(_ line: String) {
        let start = bytes.count
        bytes.append(contentsOf: line.utf8)
        bytes.append(0x0A)
        if case .text(let range)? = items.last, range.upperBound == start {
            items[items.count - 1] = .text(range.lowerBound..<bytes.count)
        } else {
            items.append(.text(start..<bytes.count))
        }
    }

    mutating func appendRule(_ message: UnsafePointer<nlmsghdr>, chain: Int, number: Int) {
        while bytes.count % 4 != 0 { bytes.append(0) }
        let start = bytes.count
        bytes.append(contentsOf: UnsafeRawBufferPointer(start: message, count: Int(message.pointee.nlmsg_len)))
        items.append(.rule(start..<bytes.count, chain: chain, number: number))
    }

    /// The batch as iptables-save lines, each rule parsed by libnftnl and written by
    /// `NFTIPTablesReader.ruleLine`.
    /// - Throws: `DataplaneError` for a rule message libnftnl cannot parse, or a rule
    ///   iptables-nft does not write (`NFTIPTablesRuleDecoder`).
    func text(chains: [NFTIPTablesDump.Chain], family: IPTablesFamily) throws(DataplaneError) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var failure: DataplaneError?
        bytes.withUnsafeBytes { raw in
            for item in items {
                switch item {
                case .text(let range):
                    out.append(contentsOf: UnsafeRawBufferPointer(rebasing: raw[range]))
                case .rule(let range, let chain, let number):
                    let message = (raw.baseAddress! + range.lowerBound).assumingMemoryBound(to: nlmsghdr.self)
                    do throws(DataplaneError) {
                        let line = try Self.line(of: message, chain: chains[chain], number: number, family: family)
                        out.append(contentsOf: line.utf8)
                        out.append(0x0A)
                    } catch {
                        failure = error
                        return
                    }
                }
            }
        }
        if let failure { throw failure }
        return out
    }

    /// The batch with its rules written as lines (`text`): one text item.
    func rendered(chains: [NFTIPTablesDump.Chain], family: IPTablesFamily) throws(DataplaneError) -> NFTSaveBatch {
        var batch = NFTSaveBatch(capacity: 0)
        batch.bytes = try text(chains: chains, family: family)
        batch.items = [.text(0..<batch.bytes.count)]
        return batch
    }

    private static func line(
        of message: UnsafePointer<nlmsghdr>, chain: NFTIPTablesDump.Chain, number: Int, family: IPTablesFamily
    ) throws(DataplaneError) -> String {
        try NFTChainRuleDumper.withRule(of: message, table: chain.table, chain: chain.name) {
            (r) throws(DataplaneError) in try NFTIPTablesReader.ruleLine(r, chain: chain, number: number, family: family)
        }
    }
}
