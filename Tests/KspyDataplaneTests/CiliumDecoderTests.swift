import Foundation
import KspyDataplane
import KspyKernel
import Testing

/// The struct decoders against recorded `bpftool map dump -j` output of real Cilium
/// maps (kernel 6.1), and a deterministic fuzz loop.
@Suite("Cilium map decoders")
struct CiliumDecoderTests {
    /// One entry of `bpftool map dump -j` (hex strings "0x0a").
    struct BpftoolEntry: Decodable {
        var key: [String]
        var value: [String]
    }

    /// One map of `bpftool map show -j`.
    struct BpftoolMap: Decodable {
        var name: String
        var type: String
        var bytesKey: Int
        var bytesValue: Int

        enum CodingKeys: String, CodingKey {
            case name, type
            case bytesKey = "bytes_key"
            case bytesValue = "bytes_value"
        }
    }

    static func entries(_ fixture: String) throws -> [BPFMapDump.Entry] {
        let decoded = try JSONDecoder().decode(
            [BpftoolEntry].self, from: Data(DataplaneTest.fixture("cilium/" + fixture)))
        func bytes(_ hex: [String]) throws -> [UInt8] {
            try hex.map { text in
                guard text.hasPrefix("0x"), let byte = UInt8(text.dropFirst(2), radix: 16) else {
                    throw DataplaneError("bad hex byte \(text) in \(fixture)")
                }
                return byte
            }
        }
        return try decoded.map { BPFMapDump.Entry(key: try bytes($0.key), value: try bytes($0.value)) }
    }

    @Test func recordedMapsHaveTheLayoutKspyDecodes() throws {
        let maps = try JSONDecoder().decode(
            [BpftoolMap].self, from: Data(DataplaneTest.fixture("cilium/bpftool-map-show.json")))
        // The kernel truncates names to 15 characters.
        let services = try #require(maps.first { $0.name == "cilium_lb4_serv" })
        let backends = try #require(maps.first { $0.name == "cilium_lb4_back" })
        #expect(services.type == "hash" && backends.type == "hash")
        try CiliumLayout.check(
            map: "cilium_lb4_services_v2", keySize: services.bytesKey, valueSize: services.bytesValue,
            expectedKeySize: CiliumLayout.serviceKeySize(.ipv4), expectedValueSize: CiliumLayout.serviceValueSize,
            structs: "lb4_key → lb4_service")
        try CiliumLayout.check(
            map: "cilium_lb4_backends_v3", keySize: backends.bytesKey, valueSize: backends.bytesValue,
            expectedKeySize: CiliumLayout.backendKeySize,
            expectedValueSize: CiliumLayout.backendValueSize(.ipv4, layout: .v3), structs: "u32 → lb4_backend")
        // A v2 backends map (8-byte values) would be refused as v3.
        #expect(throws: DataplaneError.self) {
            try CiliumLayout.check(
                map: "cilium_lb4_backends_v3", keySize: backends.bytesKey, valueSize: 8,
                expectedKeySize: 4, expectedValueSize: 12, structs: "u32 → lb4_backend")
        }
    }

    @Test func decodesRecordedServiceEntriesFieldByField() throws {
        let raw = try Self.entries("lb4_services.dump.json")
        #expect(raw.count == 3)
        var bySlot: [UInt16: (CiliumServiceKey, CiliumServiceValue, BPFMapDump.Entry)] = [:]
        for entry in raw {
            let key = try CiliumServiceKey(bytes: entry.key, family: .ipv4)
            let value = try CiliumServiceValue(bytes: entry.value)
            bySlot[key.backendSlot] = (key, value, entry)
            // Every key is the same frontend: 10.96.0.10:80/TCP, external scope.
            #expect(key.addressText == "10.96.0.10")
            #expect(key.port == 80)
            #expect(key.proto == 6)
            #expect(key.scope == 0)
            // Re-encoding gives the recorded bytes back.
            #expect(key.bytes == entry.key)
            #expect(value.bytes == entry.value)
        }
        let master = try #require(bySlot[0]).1
        #expect(master.count == 2)
        #expect(master.reverseNATIndex == 1)
        #expect(master.flags == [])
        #expect(master.quarantinedCount == 0)
        #expect(master.backendID == 0)
        #expect(try #require(bySlot[1]).1.backendID == 1)
        #expect(try #require(bySlot[2]).1.backendID == 2)
        #expect(try #require(bySlot[1]).1.reverseNATIndex == 1)
    }

    @Test func decodesRecordedBackendEntriesFieldByField() throws {
        let raw = try Self.entries("lb4_backends.dump.json")
        var backends: [UInt32: CiliumBackend] = [:]
        for entry in raw {
            let id = try CiliumBackend.id(fromKey: entry.key)
            let backend = try CiliumBackend(bytes: entry.value, family: .ipv4, layout: .v3)
            #expect(backend.bytes(layout: .v3) == entry.value)
            #expect(CiliumBackend.key(id: id) == entry.key)
            backends[id] = backend
        }
        let one = try #require(backends[1])
        #expect(one.addressText == "10.244.1.5")
        #expect(one.port == 8080)
        #expect(one.proto == 6)
        #expect(one.state == .active)
        #expect(one.clusterID == 0)
        let two = try #require(backends[2])
        #expect(two.addressText == "10.244.2.7")
        #expect(two.port == 8080)
    }

    @Test func joinsTheRecordedMapsIntoOneFrontend() throws {
        let table = try CiliumServiceTable(
            family: .ipv4, serviceEntries: Self.entries("lb4_services.dump.json"),
            backendEntries: Self.entries("lb4_backends.dump.json"), backendLayout: .v3)
        #expect(
            table.frontends() == [
                ServiceFrontend(
                    vip: "10.96.0.10", port: 80, protocol: "tcp", kind: .clusterIP, name: nil, mode: .cilium,
                    endpoints: [
                        ServiceEndpoint(ip: "10.244.1.5", port: 8080, weight: 0.5, state: "active"),
                        ServiceEndpoint(ip: "10.244.2.7", port: 8080, weight: 0.5, state: "active"),
                    ],
                    notes: ["non-routable", "revNAT 1"])
            ])
    }

    @Test func decodesIPv6AndTheV2Layouts() throws {
        // lb6_key: fd00::a, port 443, slot 3, UDP, internal scope.
        let address = try CiliumTestMaps.address("fd00::a")
        let key6 = address + [0x01, 0xBB, 0x03, 0x00, 17, 1, 0, 0]
        let key = try CiliumServiceKey(bytes: key6, family: .ipv6)
        #expect(key.addressText == "fd00::a")
        #expect(key.port == 443 && key.backendSlot == 3 && key.proto == 17 && key.scope == 1)
        #expect(key.bytes == key6)
        // lb6_backend v3: address, port 8080, TCP, terminating, cluster 7, zone 2.
        let backend6 = address + [0x1F, 0x90, 6, 1, 7, 0, 2, 0]
        let backend = try CiliumBackend(bytes: backend6, family: .ipv6, layout: .v3)
        #expect(backend.port == 8080 && backend.state == .terminating && backend.clusterID == 7 && backend.zone == 2)
        #expect(backend.bytes(layout: .v3) == backend6)
        // v2: no cluster id or zone.
        let backend6v2 = Array(backend6.prefix(20))
        let old = try CiliumBackend(bytes: backend6v2, family: .ipv6, layout: .v2)
        #expect(old.addressText == "fd00::a" && old.port == 8080 && old.state == .terminating && old.clusterID == 0)
        #expect(old.bytes(layout: .v2) == backend6v2)
        let backend4v2: [UInt8] = [10, 0, 0, 1, 0x00, 0x50, 17, 3]
        let old4 = try CiliumBackend(bytes: backend4v2, family: .ipv4, layout: .v2)
        #expect(old4.addressText == "10.0.0.1" && old4.port == 80 && old4.proto == 17 && old4.state == .maintenance)
        // lb6_reverse_nat: 18 bytes packed.
        let reverse = try CiliumReverseNAT(bytes: address + [0x01, 0xBB], family: .ipv6)
        #expect(reverse.port == 443 && reverse.bytes == address + [0x01, 0xBB])
        #expect(try CiliumReverseNAT.index(fromKey: [0x34, 0x12]) == 0x1234)
    }

    @Test func decodesMasterFlagsAndTheFirstWord() throws {
        // affinity 10800 s, maglev; flags NodePort|ExtLocal|Affinity|Routable; flags2 TwoScopes|DSR; qcount 2.
        let word = UInt32(10800) | 2 << 24
        let bytes = CiliumTestMaps.le32(word) + [3, 0, 9, 0, 0b0101_0110, 0b1010_0000, 2, 0]
        let value = try CiliumServiceValue(bytes: bytes)
        #expect(value.affinityTimeoutSeconds == 10800)
        #expect(value.algorithm == 2)
        #expect(value.count == 3 && value.reverseNATIndex == 9 && value.quarantinedCount == 2)
        #expect(value.flags == [.nodePort, .externalLocalScope, .sessionAffinity, .routable, .twoScopes, .dsr])
        #expect(value.flags.kind == .nodePort)
        #expect(value.bytes == bytes)
        #expect(CiliumServiceFlags([.hostPort]).kind == .nodePort && CiliumServiceFlags([.hostPort]).isHostPort)
        #expect(CiliumServiceFlags([.externalIP, .nodePort]).kind == .externalIP)
        #expect(CiliumServiceFlags([.loadBalancer]).kind == .loadBalancer)
        #expect(CiliumServiceFlags([.localRedirect]).kind == .clusterIP)
        #expect(CiliumBackendState(rawValue: 9).description == "state 9")
    }

    /// Random and truncated buffers through every decoder: a DataplaneError unless the
    /// size is exactly the layout's, never a crash; joins of random well-sized entries
    /// never crash and keep weights within 0…1.
    @Test func fuzzedBuffersGiveErrorsNeverCrashes() throws {
        var random = CiliumSplitMix(state: 0x6B73_7079_6369_6C6D)
        let decoders: [(name: String, size: Int, decode: ([UInt8]) throws(DataplaneError) -> Void)] = [
            ("lb4_key", 12, { b throws(DataplaneError) in _ = try CiliumServiceKey(bytes: b, family: .ipv4) }),
            ("lb6_key", 24, { b throws(DataplaneError) in _ = try CiliumServiceKey(bytes: b, family: .ipv6) }),
            ("lb_service", 12, { b throws(DataplaneError) in _ = try CiliumServiceValue(bytes: b) }),
            (
                "lb4_backend v3", 12,
                { b throws(DataplaneError) in _ = try CiliumBackend(bytes: b, family: .ipv4, layout: .v3) }
            ),
            (
                "lb4_backend v2", 8,
                { b throws(DataplaneError) in _ = try CiliumBackend(bytes: b, family: .ipv4, layout: .v2) }
            ),
            (
                "lb6_backend v3", 24,
                { b throws(DataplaneError) in _ = try CiliumBackend(bytes: b, family: .ipv6, layout: .v3) }
            ),
            (
                "lb6_backend v2", 20,
                { b throws(DataplaneError) in _ = try CiliumBackend(bytes: b, family: .ipv6, layout: .v2) }
            ),
            ("lb4_reverse_nat", 6, { b throws(DataplaneError) in _ = try CiliumReverseNAT(bytes: b, family: .ipv4) }),
            ("lb6_reverse_nat", 18, { b throws(DataplaneError) in _ = try CiliumReverseNAT(bytes: b, family: .ipv6) }),
            ("backend id", 4, { b throws(DataplaneError) in _ = try CiliumBackend.id(fromKey: b) }),
            ("rev nat index", 2, { b throws(DataplaneError) in _ = try CiliumReverseNAT.index(fromKey: b) }),
        ]
        var accepted = 0
        var refused = 0
        for _ in 0..<4000 {
            let length = Int.random(in: 0...40, using: &random)
            let buffer = (0..<length).map { _ in UInt8.random(in: 0...255, using: &random) }
            for decoder in decoders {
                do {
                    try decoder.decode(buffer)
                    #expect(length == decoder.size, "\(decoder.name) accepted \(length) bytes")
                    accepted += 1
                } catch {
                    #expect(length != decoder.size, "\(decoder.name) refused \(length) bytes: \(error)")
                    #expect(error.description.contains("expected \(decoder.size)"))
                    refused += 1
                }
            }
        }
        #expect(accepted > 0 && refused > 0)

        // Random well-sized maps: small address and slot spaces so entries collide
        // into frontends, counts up to the u16 maximum.
        for round in 0..<40 {
            var services: [BPFMapDump.Entry] = []
            var backends: [BPFMapDump.Entry] = []
            for _ in 0..<Int.random(in: 0...60, using: &random) {
                let key: [UInt8] =
                    [10, 0, 0, UInt8.random(in: 0...3, using: &random)] + [0, UInt8.random(in: 0...2, using: &random)]
                    + [UInt8.random(in: 0...5, using: &random), 0] + [UInt8.random(in: 0...1, using: &random) * 6]
                    + [UInt8.random(in: 0...1, using: &random), 0, 0]
                let value = (0..<12).map { _ in UInt8.random(in: 0...255, using: &random) }
                let small = CiliumTestMaps.le32(UInt32.random(in: 0...6, using: &random))
                services.append(BPFMapDump.Entry(key: key, value: round % 2 == 0 ? value : small + value.suffix(8)))
            }
            for id in 0..<UInt32.random(in: 0...6, using: &random) {
                let value = (0..<12).map { _ in UInt8.random(in: 0...255, using: &random) }
                backends.append(BPFMapDump.Entry(key: CiliumTestMaps.le32(id), value: value))
            }
            let table = try CiliumServiceTable(
                family: .ipv4, serviceEntries: services, backendEntries: backends, backendLayout: .v3)
            for frontend in table.frontends() {
                let total = frontend.endpoints.map(\.weight).reduce(0, +)
                #expect(total <= 1 + 1e-9)
                #expect(frontend.endpoints.allSatisfy { $0.weight >= 0 && $0.weight <= 1 })
                #expect(frontend.endpoints.count <= 12)
            }
        }
    }
}
