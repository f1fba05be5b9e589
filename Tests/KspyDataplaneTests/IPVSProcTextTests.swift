import KspyDataplane
import KspyKernel
import Testing

/// `/proc/net/ip_vs` of the recorded state decodes to the same services and frontends
/// as the netlink recordings, except for what the text lacks.
@Suite struct IPVSProcTextTests {
    /// HZ of the recorded Debian kernel (CONFIG_HZ=250: 10800 s = 2700000 jiffies).
    static let debianHZ = 250

    func netlink() throws -> IPVSSnapshot {
        try IPVSFixture.replayReader().0.read()
    }

    func text(hz: Int? = debianHZ) throws -> IPVSSnapshot {
        try IPVSProcParser.parse(IPVSFixture.text("proc-net-ip_vs.txt"), hz: hz)
    }

    /// A netlink-decoded service reduced to what `/proc/net/ip_vs` shows.
    func procVisible(_ service: IPVSService) -> IPVSService {
        var visible = service
        visible.flags &= IPVSConstants.SVC_F_PERSISTENT | IPVSConstants.SVC_F_ONEPACKET
        visible.netmask = service.isPersistent ? service.netmask : nil
        visible.timeoutJiffies = nil
        visible.persistenceEngine = nil
        visible.stats = nil
        visible.destinations = service.destinations.map { destination in
            IPVSDestination(
                addressFamily: destination.addressFamily, address: destination.address, port: destination.port,
                forwarding: destination.forwarding, weight: destination.weight,
                activeConnections: destination.activeConnections,
                inactiveConnections: destination.inactiveConnections)
        }
        return visible
    }

    @Test func headerAndServices() throws {
        let snapshot = try text()
        #expect(snapshot.source == .procText && snapshot.family == nil && snapshot.config == nil)
        #expect(snapshot.info == IPVSInfo(version: 0x010201, connectionTableSize: 4096))
        #expect(snapshot.services.count == 6)
        let api = try #require(snapshot.services.first { $0.label == "TCP 10.96.0.1:443" })
        #expect(api.timeoutJiffies == 2_700_000 && api.timeout == 10800 && api.netmask == 0xffff_ffff)
        let v6 = try #require(snapshot.services.first { $0.addressFamily == 10 })
        #expect(v6.addressText == "fd00:10:96::a" && v6.destinations.first?.addressText == "fd00:10:244:1::5")
        let mark = try #require(snapshot.services.first { $0.fwmark != nil })
        #expect(mark.fwmark == 7 && mark.scheduler == "sh" && mark.port == 0)
    }

    @Test func servicesEqualNetlinkOnTheFieldsTheTextHas() throws {
        let fromText = try text().services
        let fromNetlink = try netlink().services
        #expect(fromText.count == fromNetlink.count)
        for service in fromNetlink {
            var textService = try #require(fromText.first { $0.label == service.label }, "\(service.label)")
            textService.timeoutJiffies = nil
            #expect(textService == procVisible(service), "\(service.label)")
        }
    }

    @Test func frontendsEqualNetlinkExceptNetlinkOnlyNotes() throws {
        let fromText = try text().frontends()
        let fromNetlink = try netlink().frontends()
        #expect(fromText.count == fromNetlink.count)
        // What only netlink has (stats, tunnel type): the documented netlink-only notes.
        let netlinkOnly = ["connections ", "packets in ", "bytes in "]
        for (a, b) in zip(fromText, fromNetlink) {
            var textWithoutNotes = a
            var netlinkWithoutNotes = b
            textWithoutNotes.notes = []
            netlinkWithoutNotes.notes = []
            #expect(textWithoutNotes == netlinkWithoutNotes)
            #expect(Set(a.notes).isSubset(of: Set(b.notes)), "\(a.vip)")
            for extra in b.notes where !a.notes.contains(extra) {
                let allowed =
                    netlinkOnly.contains { extra.hasPrefix($0) }
                    || (extra.hasPrefix("endpoint ")
                        && (extra.contains(" connections ") || extra.contains(" tunnel ")))
                #expect(allowed, "unexpected netlink-only note \(extra)")
            }
        }
    }

    @Test func withoutHZTheTimeoutIsUnknown() throws {
        let api = try #require(try text(hz: nil).frontends().first { $0.vip == "10.96.0.1" })
        #expect(api.affinity == SessionAffinity(type: "ClientIP", timeoutSeconds: nil))
        #expect(api.notes.contains("persistence timeout 2700000 jiffies (kernel HZ unknown)"))
    }

    @Test func malformedTextNamesTheLine() throws {
        let good = try IPVSFixture.text("proc-net-ip_vs.txt")
        let lines = good.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let cases: [(Int, String, String)] = [
            (0, "hello", "line 1: not /proc/net/ip_vs"),
            (3, "TCP  0A600001:01B rr", "line 4: bad address:port"),
            (3, "TCP  0A600001:01BB rr  persistent", "line 4: persistent without"),
            (3, "XYZ  0A600001:01BB rr", "line 4: unknown protocol XYZ"),
            (4, "  -> 0AF40001:192B      Masq    1      0", "line 5: destination line with 5 fields"),
            (4, "  -> 0AF40001:192B      Magic   1      0          0", "line 5: unknown forwarding method"),
            (4, "  -> 0AF40001:192B      Masq    x      0          0", "line 5: bad weight"),
            (11, "TCP  [fd00:zz]:0050 rr", "line 12: bad address:port"),
            (16, "FWM  7 sh", "line 17: bad fwmark"),
        ]
        for (index, replacement, expected) in cases {
            var broken = lines
            broken[index] = replacement
            let error = IPVSFixture.failure { () throws(DataplaneError) in
                try IPVSProcParser.parse(broken.joined(separator: "\n"), hz: 250)
            }
            #expect(error?.description.contains(expected) == true, "\(error?.description ?? "no error") vs \(expected)")
            #expect(error?.description.contains("\n") == false)
        }
        let orphan = IPVSFixture.failure { () throws(DataplaneError) in
            try IPVSProcParser.parse(
                lines.prefix(3).joined(separator: "\n") + "\n  -> 0AF40001:192B Masq 1 0 0", hz: nil)
        }
        #expect(orphan?.description.contains("line 4: destination before any service") == true)
        #expect(IPVSFixture.failure { () throws(DataplaneError) in try IPVSProcParser.parse("", hz: nil) } != nil)
    }

    /// Random edits of the text never crash the parser.
    @Test func fuzzedTextNeverCrashes() throws {
        let good = Array(try IPVSFixture.text("proc-net-ip_vs.txt").utf8)
        var random = IPVSSplitMix(state: 0x1905)
        let alphabet = Array("0123456789ABCDEF:[]-> \nTCPUDPFWMpersistent".utf8)
        for _ in 0..<3000 {
            var bytes = good
            for _ in 0..<Int.random(in: 1...6, using: &random) {
                let index = Int.random(in: 0..<bytes.count, using: &random)
                switch Int.random(in: 0..<3, using: &random) {
                case 0: bytes[index] = alphabet.randomElement(using: &random) ?? 0
                case 1: bytes.remove(at: index)
                default: bytes.insert(alphabet.randomElement(using: &random) ?? 0, at: index)
                }
                if bytes.isEmpty { bytes = [0x20] }
            }
            if let error = IPVSFixture.failure({ () throws(DataplaneError) in
                try IPVSProcParser.parse(String(decoding: bytes, as: UTF8.self), hz: 250)
            }) {
                #expect(!error.description.isEmpty)
            }
        }
    }
}
