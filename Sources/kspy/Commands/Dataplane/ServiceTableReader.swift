import KspyDataplane

/// Reads the service frontends of every dataplane `kspy svc` asked for. In `auto`
/// mode each dataplane is tried and those not present on the node are skipped (their
/// absence is listed in `absent`); a dataplane that is present but cannot be decoded
/// is an error (`failures`), reported and not hidden.
struct ServiceTableReader {
    var modes: [DataplaneMode]
    var netnsPath: String?
    var fromFile: String?
    var ciliumMaps: String

    struct Result {
        var frontends: [ServiceFrontend] = []
        var absent: [String] = []
        var failures: [String] = []
    }

    /// Messages meaning "this dataplane is not on this node" rather than a failure.
    private static func isAbsence(_ error: DataplaneError) -> Bool {
        let text = error.description
        return text == IPVSReader.notAvailableMessage || text.contains("not found under") || text.contains("not present")
            || text.contains("not available in this build")
    }

    func read() -> Result {
        var result = Result()
        for mode in modes {
            do {
                result.frontends += try frontends(mode)
            } catch {
                if Self.isAbsence(error) {
                    result.absent.append("\(mode.rawValue): \(error)")
                } else {
                    result.failures.append("\(mode.rawValue): \(error)")
                }
            }
        }
        return result
    }

    private func frontends(_ mode: DataplaneMode) throws(DataplaneError) -> [ServiceFrontend] {
        switch mode {
        case .ipvs:
            if let fromFile { return try IPVSReader.readProcText(path: fromFile).frontends() }
            let reader: IPVSReader
            if let netnsPath { reader = try IPVSReader.live(netnsPath: netnsPath) } else { reader = try IPVSReader.live() }
            return try IPVSReader.readWithFallback(reader: reader).frontends()
        case .cilium:
            return try CiliumServiceReader(mapsDirectory: ciliumMaps).frontends()
        case .iptables:
            if let fromFile { return KubeProxyIPTablesDecoder(try IPTablesReader.readFile(fromFile)).frontends() }
            // Both backends may hold rules (kube-proxy uses one; stale rules can remain in the
            // other), each in both families on a dual-stack node.
            var frontends: [ServiceFrontend] = []
            var problems: [String] = []
            for (backend, family) in IPTablesReader.liveSources {
                do {
                    frontends += try IPTablesReader.frontends(backend: backend, netnsPath: netnsPath, family: family)
                } catch {
                    problems.append(error.description)
                }
            }
            if frontends.isEmpty && problems.count == IPTablesReader.liveSources.count {
                throw DataplaneError(problems.joined(separator: "; "))
            }
            return frontends
        case .nftables:
            let ruleset: NFTRuleset
            if let fromFile {
                do {
                    ruleset = try NFTablesJSONParser.parse(contentsOfFile: fromFile)
                } catch let error as DataplaneError {
                    throw error
                } catch {
                    throw DataplaneError("cannot read nft JSON \(fromFile): \(error)")
                }
            } else if let netnsPath {
                ruleset = try NFTablesNetlinkReader.read(netnsPath: netnsPath)
            } else {
                ruleset = try NFTablesNetlinkReader.readHere()
            }
            return KubeProxyNFTablesDecoder(ruleset).frontends()
        }
    }
}
