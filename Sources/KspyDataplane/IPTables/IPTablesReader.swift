import KspyKernel

/// Which iptables backend holds the rules: kube-proxy uses whichever its
/// iptables binary selects, and both can hold rules at once on one node
/// (dataplanes.md §0, §6.3).
public enum IPTablesBackend: String, Codable, Hashable, Sendable, CaseIterable {
    /// x_tables (`ip_tables` kernel blob), read with `iptables-legacy-save`.
    case legacy
    /// nf_tables tables made by iptables-nft, read (for now) with `iptables-nft-save`.
    case nft

    /// The save program for this backend and `family`: `iptables-legacy-save`,
    /// `ip6tables-nft-save`, …
    public func saveProgram(for family: IPTablesFamily) -> String { family.command + "-" + rawValue + "-save" }
}

/// Reads kube-proxy's iptables rules: live from a network namespace (through the
/// backend's `iptables-save`, run inside the namespace with `nsenter --net=PATH`), or
/// offline from a saved dump. Everything goes through `IPTablesSaveParser`.
public enum IPTablesReader {
    /// The tables kube-proxy's iptables mode writes to that kspy decodes.
    public static let kubeProxyTables: Set<String> = ["nat", "filter"]

    /// Reads the legacy (x_tables) backend's `tables` in the network namespace at
    /// `netnsPath` (`/proc/<pid>/ns/net`, `/run/netns/<name>`), or in kspy's own
    /// namespace when nil.
    ///
    /// Runs `iptables-legacy-save` **without `-t`**, which dumps only the tables that
    /// exist (those listed in the namespace's `/proc/net/ip_tables_names`), and keeps
    /// `tables` from it. `iptables-legacy-save -t nat` would instead instantiate an empty
    /// legacy nat table in a namespace that has none (the kernel autoloads and registers
    /// it on first access), i.e. change the node it is inspecting.
    /// - Throws: `DataplaneError` when the program is missing or fails, or its output
    ///   does not parse (with the line).
    public static func readLegacy(
        netnsPath: String?, tables: Set<String> = kubeProxyTables, family: IPTablesFamily = .ipv4
    ) throws(DataplaneError) -> IPTablesRuleset {
        try read(backend: .legacy, netnsPath: netnsPath, tables: tables, family: family)
    }

    /// **Interim** reader for the nf_tables backend: parses `iptables-nft-save` text run
    /// in the namespace at `netnsPath` (kspy's own when nil). It depends on the
    /// iptables-nft binary on the node and on its version understanding the rules
    /// (`iptables-nft-save` prints xt match/target blobs it knows); it is to be replaced by
    /// reading the rules over nf_tables netlink with libnftnl (the xt info blobs,
    /// dataplanes.md §6.1–§6.2), a separate task.
    /// - Throws: `DataplaneError` as `readLegacy`.
    public static func readNFTText(netnsPath: String?, tables: Set<String> = kubeProxyTables)
        throws(DataplaneError) -> IPTablesRuleset
    {
        try read(backend: .nft, netnsPath: netnsPath, tables: tables)
    }

    /// Reads `backend` (the nft backend through the interim `iptables-nft-save` text path,
    /// see `readNFTText`) in the namespace at `netnsPath` and keeps `tables`.
    public static func read(
        backend: IPTablesBackend, netnsPath: String?, tables: Set<String> = kubeProxyTables,
        family: IPTablesFamily = .ipv4
    ) throws(DataplaneError) -> IPTablesRuleset {
        let program = backend.saveProgram(for: family)
        guard let save = IPTablesCommand.locate(program) else {
            throw DataplaneError("\(program) not found (looked in $PATH and the sbin/bin directories)")
        }
        var arguments = [save]
        if let netnsPath {
            guard SystemFile.exists(netnsPath) else {
                throw DataplaneError("network namespace \(netnsPath) does not exist")
            }
            guard let nsenter = IPTablesCommand.locate("nsenter") else {
                throw DataplaneError("nsenter not found: it is needed to run \(program) in \(netnsPath)")
            }
            arguments = [nsenter, "--net=\(netnsPath)", save]
        }
        let location = netnsPath.map { " in \($0)" } ?? ""
        let output = try IPTablesCommand.run(arguments)
        if output.status != .exited(0) {
            let message =
                String(decoding: output.stderr, as: UTF8.self)
                .split(separator: "\n").first.map(String.init) ?? ""
            throw DataplaneError(
                "\(program)\(location) failed (\(output.status))\(message.isEmpty ? "" : ": \(message)")")
        }
        let parser = IPTablesSaveParser(sourceName: "\(program)\(location)")
        return try parser.parse(bytes: output.stdout).selecting(tables: tables)
    }

    /// Parses a saved dump at `path`: `iptables-save` output of either backend, with or
    /// without `-c` counters, one table or all.
    /// - Throws: `DataplaneError` naming the file (and the line for bad content).
    public static func readFile(_ path: String) throws(DataplaneError) -> IPTablesRuleset {
        let bytes: [UInt8]
        do {
            bytes = try SystemFile.readBytes(path)
        } catch {
            throw DataplaneError("cannot read iptables dump \(path): \(error)")
        }
        return try IPTablesSaveParser(sourceName: path).parse(bytes: bytes)
    }

    /// Reads `backend` in `netnsPath` (kspy's own namespace when nil) the way kspy
    /// reads a live node: the nf_tables backend over netlink (`NFTIPTablesReader`), the
    /// legacy one through `iptables-legacy-save`.
    public static func readLive(backend: IPTablesBackend, netnsPath: String?, family: IPTablesFamily = .ipv4)
        throws(DataplaneError) -> IPTablesRuleset
    {
        switch backend {
        case .nft:
            if let netnsPath { return try NFTIPTablesReader.read(netnsPath: netnsPath, family: family) }
            return try NFTIPTablesReader.readHere(family: family)
        case .legacy:
            return try readLegacy(netnsPath: netnsPath, family: family)
        }
    }

    /// Reads `backend` live in `netnsPath` and decodes kube-proxy's frontends from it.
    public static func frontends(backend: IPTablesBackend, netnsPath: String?, family: IPTablesFamily = .ipv4)
        throws(DataplaneError) -> [ServiceFrontend]
    {
        KubeProxyIPTablesDecoder(try readLive(backend: backend, netnsPath: netnsPath, family: family)).frontends()
    }

    /// Every backend and family a live node can hold kube-proxy's rules in: nf_tables
    /// first, IPv4 before IPv6 (kube-proxy uses one backend; stale rules can remain in
    /// the other, and a dual-stack node has both families).
    public static let liveSources: [(backend: IPTablesBackend, family: IPTablesFamily)] = [
        (.nft, .ipv4), (.nft, .ipv6), (.legacy, .ipv4), (.legacy, .ipv6),
    ]
}
