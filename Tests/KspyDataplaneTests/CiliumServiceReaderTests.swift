import Glibc
import KspyDataplane
import KspyKernel
import Testing

/// `CiliumServiceReader` against real BPF maps: created with Cilium's exact layouts,
/// pinned in a bpffs of the test's own, filled, then read back.
@Suite("Cilium service reader (real kernel)", .serialized)
struct CiliumServiceReaderTests {
    // flags
    static let externalIP: UInt8 = 1 << 0
    static let nodePort: UInt8 = 1 << 1
    static let extLocal: UInt8 = 1 << 2
    static let affinity: UInt8 = 1 << 4
    static let loadBalancer: UInt8 = 1 << 5
    static let routable: UInt8 = 1 << 6
    static let sourceRange: UInt8 = 1 << 7
    // flags2
    static let twoScopes: UInt8 = 1 << 5

    static func ep(_ ip: String, _ port: Int, _ weight: Double, _ state: String = "active") -> ServiceEndpoint {
        ServiceEndpoint(ip: ip, port: port, weight: weight, state: state)
    }

    static func fe(
        _ vip: String, _ port: Int, _ proto: String = "tcp", _ kind: ServiceKind = .clusterIP,
        _ endpoints: [ServiceEndpoint], affinity: SessionAffinity? = nil, notes: [String]
    ) -> ServiceFrontend {
        ServiceFrontend(
            vip: vip, port: port, protocol: proto, kind: kind, name: nil, mode: .cilium, endpoints: endpoints,
            affinity: affinity, notes: notes)
    }

    /// Fills the maps with one service of every kind the reader must tell apart.
    static func fillScenario(_ maps: CiliumTestMaps) throws {
        try maps.backend(1, "10.244.1.5", 53, proto: 17)
        try maps.backend(2, "10.244.1.6", 8080)
        try maps.backend(3, "10.244.2.7", 8080)
        try maps.backend(4, "10.244.1.8", 8443)
        try maps.backend(5, "10.244.2.9", 8443)
        try maps.backend(6, "10.244.3.10", 8443, state: 1)  // terminating
        try maps.backend(7, "10.244.1.20", 80)
        try maps.backend(8, "10.244.2.21", 80)
        try maps.backend(9, "10.244.1.30", 8080)
        try maps.backend(10, "10.244.1.40", 8443)
        try maps.backend(11, "10.244.1.50", 9090)
        try maps.backend(12, "10.244.2.51", 9090)
        try maps.backend(13, "10.244.1.60", 80)
        try maps.backend(14, "10.244.2.61", 80)
        try maps.backend(15, "10.244.3.62", 80, state: 2)  // quarantined
        try maps.backend(16, "10.244.1.70", 80)
        try maps.backend(17, "10.244.2.71", 80)
        try maps.backend(100, "fd00:10:244:1::5", 8080)
        try maps.backend(101, "fd00:10:244:2::7", 8080)

        // ClusterIPs with 1, 2 and 3 backends (one terminating).
        try maps.service("10.96.0.10", 53, proto: 17, revNAT: 1, backends: [1])
        try maps.service("10.96.0.20", 80, revNAT: 2, backends: [2, 3])
        try maps.service("10.96.0.30", 443, revNAT: 3, backends: [4, 5, 6])
        // NodePort on a node address, and its surrogate 0.0.0.0 entry.
        try maps.service("192.168.1.10", 30080, flags: nodePort | routable, revNAT: 4, backends: [7, 8])
        try maps.service("0.0.0.0", 30080, flags: nodePort, revNAT: 5, backends: [7, 8])
        // LoadBalancer with source ranges.
        try maps.service(
            "203.0.113.10", 80, flags: loadBalancer | routable | sourceRange, revNAT: 6, backends: [9])
        // ExternalIP with ClientIP affinity (3 h) and the random algorithm.
        try maps.service(
            "198.51.100.7", 8443, flags: externalIP | routable | affinity,
            word: CiliumServiceValue.masterWord(affinityTimeoutSeconds: 10800, algorithm: 1), revNAT: 7,
            backends: [10])
        // externalTrafficPolicy=Local: external scope has the local backend, internal all.
        let local = nodePort | routable | extLocal
        try maps.service("192.168.1.10", 30090, scope: 0, flags: local, flags2: twoScopes, revNAT: 8, backends: [11])
        try maps.service(
            "192.168.1.10", 30090, scope: 1, flags: local, flags2: twoScopes, revNAT: 8, backends: [11, 12])
        // A slot pointing at a backend id that is not in the backends map.
        try maps.service("10.96.0.40", 80, revNAT: 9, backends: [999])
        // Two active slots and one quarantined.
        try maps.service("10.96.0.50", 80, revNAT: 10, backends: [13, 14], quarantined: [15])
        // Maglev, one backend in two of three slots.
        try maps.service(
            "10.96.0.60", 80, word: CiliumServiceValue.masterWord(affinityTimeoutSeconds: 0, algorithm: 2),
            revNAT: 11, backends: [16, 16, 17])
        // IPv6 ClusterIP.
        try maps.service("fd00:10:96::a", 80, revNAT: 1, backends: [100, 101])
    }

    static let expected: [ServiceFrontend] = [
        fe(
            "0.0.0.0", 30080, "tcp", .nodePort, [ep("10.244.1.20", 80, 0.5), ep("10.244.2.21", 80, 0.5)],
            notes: ["non-routable", "revNAT 5"]),
        fe("10.96.0.10", 53, "udp", .clusterIP, [ep("10.244.1.5", 53, 1)], notes: ["non-routable", "revNAT 1"]),
        fe(
            "10.96.0.20", 80, "tcp", .clusterIP, [ep("10.244.1.6", 8080, 0.5), ep("10.244.2.7", 8080, 0.5)],
            notes: ["non-routable", "revNAT 2"]),
        fe(
            "10.96.0.30", 443, "tcp", .clusterIP,
            [
                ep("10.244.1.8", 8443, 1.0 / 3), ep("10.244.2.9", 8443, 1.0 / 3),
                ep("10.244.3.10", 8443, 1.0 / 3, "terminating"),
            ],
            notes: ["non-routable", "revNAT 3"]),
        fe(
            "10.96.0.40", 80, "tcp", .clusterIP, [ep("", 0, 1, "missing backend 999")],
            notes: ["non-routable", "revNAT 9"]),
        fe(
            "10.96.0.50", 80, "tcp", .clusterIP,
            [ep("10.244.1.60", 80, 0.5), ep("10.244.2.61", 80, 0.5), ep("10.244.3.62", 80, 0, "quarantined")],
            notes: ["non-routable", "1 quarantined", "revNAT 10"]),
        fe(
            "10.96.0.60", 80, "tcp", .clusterIP, [ep("10.244.1.70", 80, 2.0 / 3), ep("10.244.2.71", 80, 1.0 / 3)],
            notes: ["non-routable", "maglev", "revNAT 11"]),
        fe(
            "192.168.1.10", 30080, "tcp", .nodePort, [ep("10.244.1.20", 80, 0.5), ep("10.244.2.21", 80, 0.5)],
            notes: ["revNAT 4"]),
        fe(
            "192.168.1.10", 30090, "tcp", .nodePort, [ep("10.244.1.50", 9090, 1)],
            notes: ["scope external", "local traffic policy (external)", "revNAT 8"]),
        fe(
            "192.168.1.10", 30090, "tcp", .nodePort, [ep("10.244.1.50", 9090, 0.5), ep("10.244.2.51", 9090, 0.5)],
            notes: ["scope internal", "local traffic policy (external)", "revNAT 8"]),
        fe(
            "198.51.100.7", 8443, "tcp", .externalIP, [ep("10.244.1.40", 8443, 1)],
            affinity: SessionAffinity(type: "ClientIP", timeoutSeconds: 10800), notes: ["random", "revNAT 7"]),
        fe(
            "203.0.113.10", 80, "tcp", .loadBalancer, [ep("10.244.1.30", 8080, 1)],
            notes: ["source ranges", "revNAT 6"]),
        fe(
            "fd00:10:96::a", 80, "tcp", .clusterIP,
            [ep("fd00:10:244:1::5", 8080, 0.5), ep("fd00:10:244:2::7", 8080, 0.5)],
            notes: ["non-routable", "revNAT 1"]),
    ]

    @Test func readsEveryServiceKindExactlyAsWritten() throws {
        guard DataplaneTest.requireRoot() else { return }
        try CiliumTestBPFFS.with { dir in
            let maps = try CiliumTestMaps(directory: dir)
            try Self.fillScenario(maps)
            let reader = CiliumServiceReader(mapsDirectory: dir)
            let frontends = try reader.frontends()
            #expect(frontends.count == Self.expected.count)
            for (got, want) in zip(frontends, Self.expected) {
                #expect(got == want)
            }
            #expect(frontends == Self.expected)
            // This kernel has BPF_MAP_LOOKUP_BATCH for hash maps.
            #expect(try reader.tables().map(\.method) == [.batch, .batch])
            // Weights of every frontend with active slots add up to 1.
            for frontend in frontends where !frontend.notes.contains("no endpoints") {
                #expect(abs(frontend.endpoints.map(\.weight).reduce(0, +) - 1) < 1e-9)
            }
        }
    }

    @Test func iterationFallbackReadsTheSame() throws {
        guard DataplaneTest.requireRoot() else { return }
        try CiliumTestBPFFS.with { dir in
            let maps = try CiliumTestMaps(directory: dir)
            try Self.fillScenario(maps)
            let reader = CiliumServiceReader(mapsDirectory: dir, preferBatch: false)
            #expect(try reader.frontends() == Self.expected)
            #expect(try reader.tables().map(\.method) == [.iteration, .iteration])
        }
    }

    @Test func readsOlderAgentsBackendsV2WithoutReverseNAT() throws {
        guard DataplaneTest.requireRoot() else { return }
        try CiliumTestBPFFS.with { dir in
            let maps = try CiliumTestMaps(directory: dir, families: [.ipv4], backendLayout: .v2, reverseNAT: false)
            try maps.backend(1, "10.244.0.9", 8080, state: 3, layout: .v2)  // maintenance
            try maps.backend(2, "10.244.0.10", 8080, layout: .v2)
            // Older agents wrote proto 0 (any) and slot entries in key order.
            try maps.service("10.96.5.5", 8080, proto: 0, revNAT: 3, backends: [1, 2])
            try maps.service("10.96.5.6", 0, proto: 0, revNAT: 4, backends: [])
            let frontends = try CiliumServiceReader(mapsDirectory: dir).frontends()
            #expect(
                frontends == [
                    Self.fe(
                        "10.96.5.5", 8080, "any", .clusterIP,
                        [Self.ep("10.244.0.9", 8080, 0.5, "maintenance"), Self.ep("10.244.0.10", 8080, 0.5)],
                        notes: ["non-routable", "revNAT 3"]),
                    Self.fe(
                        "10.96.5.6", 0, "any", .clusterIP, [],
                        notes: ["non-routable", "all ports", "no endpoints", "revNAT 4"]),
                ])
        }
    }

    @Test func reportsMissingSlotsAndReverseNATDisagreement() throws {
        guard DataplaneTest.requireRoot() else { return }
        try CiliumTestBPFFS.with { dir in
            let maps = try CiliumTestMaps(directory: dir, families: [.ipv4])
            try maps.backend(1, "10.244.0.1", 80)
            try maps.service("10.96.7.7", 80, revNAT: 20, backends: [1, 1, 1], writeReverseNAT: false)
            // Drop slot 2: a third of the traffic finds no slot.
            let key =
                try CiliumTestMaps.address("10.96.7.7") + CiliumTestMaps.be16(80) + CiliumTestMaps.le16(2)
                + [6, 0, 0, 0]
            #expect(try maps.map(CiliumLayout.servicesMap(.ipv4)).delete(key: key))
            // A reverse-NAT entry for another service that points elsewhere.
            try maps.service("10.96.8.8", 80, revNAT: 21, backends: [1], writeReverseNAT: false)
            try maps.map(CiliumLayout.reverseNATMap(.ipv4)).update(
                key: CiliumTestMaps.le16(21), value: CiliumTestMaps.address("10.96.8.9") + CiliumTestMaps.be16(81))
            let frontends = try CiliumServiceReader(mapsDirectory: dir).frontends()
            #expect(
                frontends == [
                    Self.fe(
                        "10.96.7.7", 80, "tcp", .clusterIP,
                        [Self.ep("10.244.0.1", 80, 2.0 / 3), Self.ep("", 0, 1.0 / 3, "missing slot 2")],
                        notes: ["non-routable", "revNAT 20 missing"]),
                    Self.fe(
                        "10.96.8.8", 80, "tcp", .clusterIP, [Self.ep("10.244.0.1", 80, 1)],
                        notes: ["non-routable", "revNAT 21 → 10.96.8.9:81"]),
                ])
        }
    }

    @Test func refusesAServicesMapWithAWrongValueSize() throws {
        guard DataplaneTest.requireRoot() else { return }
        try CiliumTestBPFFS.with { dir in
            let maps = try CiliumTestMaps(directory: dir, families: [])
            try maps.create("cilium_lb4_services_v2", keySize: 12, valueSize: 16)
            try maps.create("cilium_lb4_backends_v3", keySize: 4, valueSize: 12)
            #expect(
                throws: DataplaneError(
                    "Cilium map cilium_lb4_services_v2 at \(dir)/cilium_lb4_services_v2 has an unknown layout: "
                        + "key 12 bytes, value 16 bytes; kspy decodes key 12 bytes, value 12 bytes (lb4_key → lb4_service)"
                )
            ) {
                try CiliumServiceReader(mapsDirectory: dir).frontends()
            }
        }
    }

    @Test func refusesABackendsMapWithAWrongValueSize() throws {
        guard DataplaneTest.requireRoot() else { return }
        try CiliumTestBPFFS.with { dir in
            let maps = try CiliumTestMaps(directory: dir, families: [])
            try maps.create("cilium_lb6_services_v2", keySize: 24, valueSize: 12)
            try maps.create("cilium_lb6_backends_v3", keySize: 4, valueSize: 20)
            #expect(
                throws: DataplaneError(
                    "Cilium map cilium_lb6_backends_v3 at \(dir)/cilium_lb6_backends_v3 has an unknown layout: "
                        + "key 4 bytes, value 20 bytes; kspy decodes key 4 bytes, value 24 bytes "
                        + "(u32 backend id → lb6_backend v3)")
            ) {
                try CiliumServiceReader(mapsDirectory: dir).frontends()
            }
        }
    }

    @Test func missingMapsAreAClearError() throws {
        guard DataplaneTest.requireRoot() else { return }
        try CiliumTestBPFFS.with { dir in
            #expect(
                throws: DataplaneError(
                    "Cilium maps not found under \(dir) (no cilium_lb4_services_v2 or cilium_lb6_services_v2 pinned there)"
                )
            ) {
                try CiliumServiceReader(mapsDirectory: dir).frontends()
            }
            let absent = dir + "/no-such-dir"
            #expect(
                throws: DataplaneError(
                    "Cilium maps not found under \(absent) (no cilium_lb4_services_v2 or cilium_lb6_services_v2 pinned there)"
                )
            ) {
                try CiliumServiceReader(mapsDirectory: absent).frontends()
            }
            // Services without any backends map.
            let maps = try CiliumTestMaps(directory: dir, families: [])
            try maps.create("cilium_lb4_services_v2", keySize: 12, valueSize: 12)
            #expect(
                throws: DataplaneError(
                    "Cilium map cilium_lb4_backends_v3 (or _v2) not found under \(dir), though cilium_lb4_services_v2 is there"
                )
            ) {
                try CiliumServiceReader(mapsDirectory: dir).frontends()
            }
        }
    }

    @Test func readerNeverWritesThroughItsDescriptors() throws {
        guard DataplaneTest.requireRoot() else { return }
        try CiliumTestBPFFS.with { dir in
            let maps = try CiliumTestMaps(directory: dir, families: [.ipv4])
            try maps.backend(1, "10.244.0.1", 80)
            try maps.service("10.96.9.9", 80, revNAT: 1, backends: [1])
            let before = try maps.map(CiliumLayout.servicesMap(.ipv4)).dump().entries.sorted {
                $0.key.lexicographicallyPrecedes($1.key)
            }
            _ = try CiliumServiceReader(mapsDirectory: dir).frontends()
            let after = try maps.map(CiliumLayout.servicesMap(.ipv4)).dump().entries.sorted {
                $0.key.lexicographicallyPrecedes($1.key)
            }
            #expect(before == after)
            #expect(after.count == 2)
            // The pins the reader opened are still there.
            #expect(SystemFile.exists(dir + "/cilium_lb4_services_v2"))
        }
    }
}
