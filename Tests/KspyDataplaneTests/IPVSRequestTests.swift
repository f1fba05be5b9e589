import Glibc
import KspyDataplane
import KspyKernel
import Testing

/// The requests kspy builds are byte for byte the recorded ones (built with the
/// recorded sequence numbers; the recorded nlmsg_pid is 0, as kspy sends it), and the
/// reader sends only recorded requests.
@Suite struct IPVSRequestTests {
    @Test func requestsEqualTheRecordings() throws {
        let id = IPVSFixture.familyID
        let services = try IPVSMessageParser.services(
            fromReply: IPVSFixture.reply("04-ipvs-get-service-dump"), familyID: id)
        #expect(services.count == 6)
        var built: [String: NetlinkMessage] = [
            "01-ctrl-getfamily-IPVS": try GenericNetlinkFamily.lookupRequest(name: "IPVS", sequence: 1),
            "02-ipvs-get-info": IPVSRequest.getInfo(family: id, sequence: 2),
            "03-ipvs-get-config": IPVSRequest.getConfig(family: id, sequence: 3),
            "04-ipvs-get-service-dump": IPVSRequest.dumpServices(family: id, sequence: 4),
            "11-ipvs-get-daemon-dump": IPVSRequest.dumpDaemons(family: id, sequence: 11),
        ]
        // 05…10 are the dest dumps of the services in the order the service dump gave them.
        for (index, service) in services.enumerated() {
            let name = IPVSFixture.names[4 + index]
            built[name] = try IPVSRequest.dumpDestinations(of: service, family: id, sequence: UInt32(5 + index))
        }
        #expect(built.count == IPVSFixture.names.count)
        for name in IPVSFixture.names {
            let message = try #require(built[name])
            #expect(try message.encoded() == IPVSFixture.request(name), "\(name)")
        }
    }

    @Test func readerSendsOnlyRecordedRequests() throws {
        let (reader, replay) = try IPVSFixture.replayReader()
        _ = try reader.read()
        // family, info, config, service dump, 6 dest dumps — each matched a recording
        // (an unrecorded request would have thrown).
        let sent = replay.sentRequests
        #expect(sent.count == 10)
        let recorded = try IPVSFixture.names.prefix(10).map {
            GenericNetlinkReplay.normalized(try IPVSFixture.request($0))
        }
        #expect(
            Set(sent.map { $0.map(String.init).joined(separator: ",") })
                == Set(recorded.map { $0.map(String.init).joined(separator: ",") }))
    }

    @Test func unrecordedRequestIsRefused() throws {
        let replay = GenericNetlinkReplay(exchanges: try IPVSFixture.exchanges())
        let reader = IPVSReader(transport: replay)
        // A dest dump of a service that was not recorded.
        let service = IPVSService(
            addressFamily: 2, protocolNumber: 6, address: [10, 96, 0, 99], port: 80, fwmark: nil, scheduler: "rr",
            flags: 2, timeout: 0, netmask: nil)
        let request = try IPVSRequest.dumpDestinations(of: service, family: IPVSFixture.familyID)
        #expect(throws: NetlinkError.self) { _ = try replay.exchange(request, description: "test") }
        _ = reader
    }

    /// An NLMSG_ERROR reply to the family lookup, as a kernel without IPVS sends it.
    static func errorReply(to request: [UInt8], errno: Int32, pid: UInt32 = 275) -> [UInt8] {
        var bytes: [UInt8] = []
        func append<T: FixedWidthInteger>(_ value: T) { withUnsafeBytes(of: value) { bytes.append(contentsOf: $0) } }
        append(UInt32(36))
        append(UInt16(2))  // NLMSG_ERROR
        append(UInt16(0x100))  // NLM_F_CAPPED
        append(request.count >= 12 ? UInt32(request[8]) : 0)  // the request's seq (< 256 here)
        append(pid)
        append(-errno)
        bytes.append(contentsOf: request.prefix(16))
        return bytes
    }

    @Test func missingFamilyIsReportedClearly() throws {
        let request = try IPVSFixture.request("01-ctrl-getfamily-IPVS")
        let replay = GenericNetlinkReplay(exchanges: [
            .init(request: request, reply: Self.errorReply(to: request, errno: ENOENT))
        ])
        let error = IPVSFixture.failure { () throws(DataplaneError) in try IPVSReader(transport: replay).read() }
        #expect(error == DataplaneError(IPVSReader.notAvailableMessage))
    }

    @Test func missingCapabilityFallsBackToProcText() throws {
        let infoRequest = try IPVSFixture.request("02-ipvs-get-info")
        var exchanges = try IPVSFixture.exchanges()
        exchanges[1] = .init(request: infoRequest, reply: Self.errorReply(to: infoRequest, errno: EPERM))
        let reader = IPVSReader(transport: GenericNetlinkReplay(exchanges: exchanges))
        let error = IPVSFixture.failure { () throws(DataplaneError) in try reader.read() }
        #expect(error?.description.hasPrefix(IPVSReader.permissionMessagePrefix) == true)
        #expect(error?.description.contains("IPVS_CMD_GET_INFO") == true)

        let procPath = DataplaneTest.fixtures + "/ipvs/proc-net-ip_vs.txt"
        let snapshot = try IPVSReader.readWithFallback(reader: reader, procPath: procPath)
        #expect(snapshot.source == .procText && snapshot.services.count == 6)
    }
}
