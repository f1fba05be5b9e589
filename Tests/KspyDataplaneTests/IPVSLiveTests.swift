import Glibc
import KspyDataplane
import KspyKernel
import Testing

/// The live reader on the development kernel, which has no IPVS: the family lookup
/// fails with ENOENT and the reader says so in one line (no crash, no root needed).
@Suite struct IPVSLiveTests {
    static var kernelHasIPVS: Bool {
        access("/proc/net/ip_vs", F_OK) == 0 || access("/sys/module/ip_vs", F_OK) == 0
    }

    @Test func liveReaderReportsMissingIPVS() throws {
        let hadIPVS = Self.kernelHasIPVS
        let reader = try IPVSReader.live()
        let error = IPVSFixture.failure { () throws(DataplaneError) in try reader.read() }
        if hadIPVS || Self.kernelHasIPVS {
            // A kernel with IPVS: either it read (root) or it needs CAP_NET_ADMIN.
            if let error { #expect(error.description.hasPrefix(IPVSReader.permissionMessagePrefix)) }
            print("note: this kernel has IPVS; the not-available path was not exercised")
            return
        }
        #expect(error == DataplaneError(IPVSReader.notAvailableMessage))
        #expect(
            IPVSFixture.failure { () throws(DataplaneError) in try IPVSReader.readProcText(path: "/proc/net/ip_vs") }
                == DataplaneError(IPVSReader.notAvailableMessage))
    }

    /// The live generic netlink socket works against a family every kernel has
    /// ("nlctrl" itself), so the live path is exercised up to the IPVS lookup.
    @Test func liveSocketResolvesTheControllerFamily() throws {
        let socket = try GenericNetlinkSocket()
        let family = try socket.resolveFamily(named: "nlctrl")
        #expect(family.id == GenericNetlinkConstants.GENL_ID_CTRL && family.name == "nlctrl")
        #expect(throws: NetlinkError.self) { _ = try socket.resolveFamily(named: "no-such-family") }
    }

    @Test func liveReaderInAnotherNamespaceNeedsAValidPath() {
        let error = IPVSFixture.failure { () throws(DataplaneError) in
            try IPVSReader.live(netnsPath: "/nonexistent/ns/net")
        }
        #expect(error?.description.contains("/nonexistent/ns/net") == true)
    }
}
