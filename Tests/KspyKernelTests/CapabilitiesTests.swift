import Glibc
import KspyKernel
import Testing
import KspyTestSupport

/// Capability names (capabilities(7)) in the `CAP_*` spelling; unknown bits `cap_<n>`.
@Suite struct CapabilitiesTests {
    @Test func namesBits() {
        #expect(Capabilities.names(0x1) == ["CAP_CHOWN"])
        #expect(Capabilities.names(0) == [])
        #expect(Capabilities.names(1 << 21) == ["CAP_SYS_ADMIN"])
        #expect(Capabilities.names(1 << 40) == ["CAP_CHECKPOINT_RESTORE"])
        #expect(Capabilities.names(1 << 41 | 1 << 63) == ["cap_41", "cap_63"])
        #expect(Capabilities.knownNames.count == 41)
        #expect(Capabilities.bit(named: "SYS_ADMIN") == 21)
        #expect(Capabilities.bit(named: "cap_net_admin") == 12)
        #expect(Capabilities.bit(named: "CAP_BPF") == 39)
        #expect(Capabilities.bit(named: "cap_41") == 41)
        #expect(Capabilities.bit(named: "NOT_A_CAP") == nil)
        #expect(Capabilities.mask(["CHOWN", "KILL"]) == 0x21)
        #expect(Capabilities.mask(["CHOWN", "BOGUS"]) == nil)
    }

    @Test func rootBoundingSetHasSysAdmin() throws {
        guard requireRoot() else { return }
        let bounding = try #require(try Procfs().status(pid: getpid()).capBounding)
        let names = Capabilities.names(bounding)
        #expect(names.contains("CAP_SYS_ADMIN"))
        #expect(names.count == bounding.nonzeroBitCount)
        // The kernel's bounding set covers every capability it knows
        // (/proc/sys/kernel/cap_last_cap), minus any a parent dropped.
        let last = try #require(Int(try SystemFile.readTrimmed("/proc/sys/kernel/cap_last_cap")))
        #expect(bounding >> UInt64(last + 1) == 0)
        #expect(Capabilities.mask(names) == bounding)
    }
}
