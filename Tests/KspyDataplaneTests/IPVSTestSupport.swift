import KspyDataplane
import KspyKernel
import Testing

/// The recorded IPVS exchanges (Fixtures/ipvs, copied from a Debian 6.1 kernel's
/// recordings; see ipvs-nl-dump.txt there for a reference decoding).
enum IPVSFixture {
    /// The recorded exchanges in order (01 family lookup … 11 daemon dump).
    static let names = [
        "01-ctrl-getfamily-IPVS", "02-ipvs-get-info", "03-ipvs-get-config", "04-ipvs-get-service-dump",
        "05-ipvs-get-dest-dump-svc0", "06-ipvs-get-dest-dump-svc1", "07-ipvs-get-dest-dump-svc2",
        "08-ipvs-get-dest-dump-svc3", "09-ipvs-get-dest-dump-svc4", "10-ipvs-get-dest-dump-svc5",
        "11-ipvs-get-daemon-dump",
    ]
    /// The IPVS family id on the recorded kernel.
    static let familyID: UInt16 = 32

    static func request(_ name: String) throws -> [UInt8] {
        try DataplaneTest.fixture("ipvs/\(name).request.bin")
    }

    static func reply(_ name: String) throws -> [UInt8] {
        try DataplaneTest.fixture("ipvs/\(name).reply.bin")
    }

    static func text(_ name: String) throws -> String {
        String(decoding: try DataplaneTest.fixture("ipvs/\(name)"), as: UTF8.self)
    }

    /// Every recorded exchange, with `replace` substituting the reply of one of them.
    static func exchanges(replacing replace: [String: [UInt8]] = [:]) throws -> [GenericNetlinkReplay.Exchange] {
        try names.map { name in
            GenericNetlinkReplay.Exchange(request: try request(name), reply: try replace[name] ?? reply(name))
        }
    }

    /// A reader over the replayed recordings.
    static func replayReader(replacing replace: [String: [UInt8]] = [:]) throws -> (IPVSReader, GenericNetlinkReplay) {
        let replay = GenericNetlinkReplay(exchanges: try exchanges(replacing: replace))
        return (IPVSReader(transport: replay), replay)
    }

    /// The error `body` throws, nil when it returns.
    static func failure<T>(_ body: () throws(DataplaneError) -> T) -> DataplaneError? {
        do {
            _ = try body()
            return nil
        } catch {
            return error
        }
    }

    /// Decodes `bytes` as the reply of the exchange `name` with the pure parser.
    static func parse(_ name: String, _ bytes: [UInt8]) -> DataplaneError? {
        failure { () throws(DataplaneError) -> Int in
            switch name.prefix(2) {
            case "01": return try IPVSMessageParser.family(fromReply: bytes).id == 0 ? 0 : 1
            case "02": return Int(try IPVSMessageParser.info(fromReply: bytes, familyID: familyID).version)
            case "03": return Int(try IPVSMessageParser.config(fromReply: bytes, familyID: familyID).tcpTimeout ?? 0)
            case "04", "11": return try IPVSMessageParser.services(fromReply: bytes, familyID: familyID).count
            default:
                return try IPVSMessageParser.destinations(
                    fromReply: bytes, familyID: familyID, serviceAddressFamily: nil
                ).count
            }
        }
    }
}

/// A small deterministic PRNG (SplitMix64) for the fuzz loops.
struct IPVSSplitMix: RandomNumberGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
