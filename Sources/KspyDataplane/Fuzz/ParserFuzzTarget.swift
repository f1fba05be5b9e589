import Foundation
import KspyKernel

/// Every parser kspy runs on bytes it did not write (dump files, netlink replies, BPF
/// map entries, xt blobs), by name, for fuzzing (`scripts/fuzz.sh`, libFuzzer through
/// `-sanitize=fuzzer`) and for replaying the fuzz corpus in the tests. A target takes
/// any bytes and either decodes them or throws a `DataplaneError` (or, for the JSON
/// front end, Foundation's error); crashing, hanging or a multi-line error is a bug.
public enum ParserFuzzTarget: String, CaseIterable, Sendable {
    /// iptables-save text through the save parser and the kube-proxy decoder.
    case iptablesSave = "iptables-save"
    /// `nft -j list ruleset` JSON through the JSON parser and the kube-proxy decoder.
    case nftJSON = "nft-json"
    /// IPVS generic-netlink replies; the first byte picks the reply kind.
    case ipvsNetlink = "ipvs-netlink"
    /// `/proc/net/ip_vs` text.
    case ipvsProc = "ipvs-proc"
    /// Cilium lb map keys and values; the first byte picks the map and family.
    case ciliumMaps = "cilium-maps"
    /// xt match/target info blobs as iptables-nft stores them; the first byte picks
    /// the extension and revision.
    case xtInfo = "xt-info"

    /// Runs the target on `bytes`; returns the error message when the input was
    /// refused, nil when it decoded.
    @discardableResult
    public func run(_ bytes: [UInt8]) -> String? {
        do {
            try decode(bytes)
            return nil
        } catch let error as DataplaneError {
            return error.description
        } catch {
            return "\(error)"
        }
    }

    private func decode(_ bytes: [UInt8]) throws {
        let selector = bytes.first ?? 0
        let rest = Array(bytes.dropFirst())
        switch self {
        case .iptablesSave:
            let ruleset = try IPTablesSaveParser(sourceName: "fuzz input").parse(bytes: bytes)
            _ = KubeProxyIPTablesDecoder(ruleset).decode()
        case .nftJSON:
            _ = KubeProxyNFTablesDecoder(try NFTablesJSONParser.parse(Data(bytes))).decode()
        case .ipvsNetlink:
            switch selector % 5 {
            case 0: _ = try IPVSMessageParser.family(fromReply: rest)
            case 1: _ = try IPVSMessageParser.info(fromReply: rest)
            case 2: _ = try IPVSMessageParser.config(fromReply: rest)
            case 3: _ = try IPVSMessageParser.services(fromReply: rest)
            default: _ = try IPVSMessageParser.destinations(fromReply: rest, serviceAddressFamily: UInt16(AF_INET))
            }
        case .ipvsProc:
            _ = try IPVSProcParser.parse(String(decoding: bytes, as: UTF8.self), hz: 250)
        case .ciliumMaps:
            let family: AddressFamily = selector & 1 == 0 ? .ipv4 : .ipv6
            switch (selector >> 1) % 7 {
            case 0: _ = try CiliumServiceKey(bytes: rest, family: family)
            case 1: _ = try CiliumServiceValue(bytes: rest)
            case 2: _ = try CiliumBackend(bytes: rest, family: family, layout: .v3)
            case 3: _ = try CiliumBackend(bytes: rest, family: family, layout: .v2)
            case 4: _ = try CiliumReverseNAT(bytes: rest, family: family)
            case 5: _ = try CiliumBackend.id(fromKey: rest)
            default: _ = try CiliumReverseNAT.index(fromKey: rest)
            }
        case .xtInfo:
            let extensions: [(name: String, isTarget: Bool)] = [
                ("comment", false), ("statistic", false), ("tcp", false), ("udp", false), ("mark", false),
                ("conntrack", false), ("addrtype", false), ("recent", false), ("sctp", false), ("nfacct", false),
                ("DNAT", true), ("SNAT", true), ("MARK", true), ("MASQUERADE", true), ("REJECT", true),
            ]
            let chosen = extensions[Int(selector & 0x0f) % extensions.count]
            let revision = UInt32(selector >> 4)
            do {
                if chosen.isTarget {
                    _ = try XTInfoDecoder.target(name: chosen.name, rev: revision, info: rest)
                } else {
                    _ = try XTInfoDecoder.match(name: chosen.name, rev: revision, info: rest)
                }
            } catch {
                throw DataplaneError("xt \(chosen.name) revision \(revision): \(error.message)")
            }
        }
    }
}
