/// An `NFTTable` with its chains and sets found by name in constant time: a kube-proxy
/// table has a chain per service and per endpoint (tens of thousands), and decoding
/// looks chains up at every verdict it follows. The first of equally named entries
/// wins, as `NFTTable.chain(_:)` / `set(_:)` find it.
struct NFTTableIndex {
    let table: NFTTable
    private let chains: [String: Int]
    private let sets: [String: Int]

    init(_ table: NFTTable) {
        self.table = table
        var chains: [String: Int] = [:]
        chains.reserveCapacity(table.chains.count)
        for (index, chain) in table.chains.enumerated() where chains[chain.name] == nil { chains[chain.name] = index }
        var sets: [String: Int] = [:]
        for (index, set) in table.sets.enumerated() where sets[set.name] == nil { sets[set.name] = index }
        self.chains = chains
        self.sets = sets
    }

    /// The chain `name`, nil when the table has none.
    func chain(_ name: String) -> NFTChain? { chains[name].map { table.chains[$0] } }

    /// The set or map `name`, nil when the table has none.
    func set(_ name: String) -> NFTSet? { sets[name].map { table.sets[$0] } }
}
