import KspyKernel
import Testing

extension NetlinkTests {
    /// IPv4 parsing, formatting and prefix math; IPv6 formatting.
    @Suite struct NetlinkAddressTests {
        @Test func parsesAndFormatsDottedQuads() throws {
            let address = try #require(IPv4Address("10.244.0.5"))
            #expect(address.value == 0x0AF4_0005)
            #expect(address.description == "10.244.0.5")
            #expect(address.networkBytes == [10, 244, 0, 5])
            #expect(IPv4Address(networkBytes: [192, 168, 1, 254])?.description == "192.168.1.254")
            #expect(IPv4Address("0.0.0.0")?.value == 0)
            #expect(IPv4Address("255.255.255.255")?.value == UInt32.max)
            for bad in [
                "", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1.2.3.4 ", " 1.2.3.4", "1..3.4", "a.b.c.d",
                "+1.2.3.4", "1.2.3.-4", "1.2.3.1000",
            ] {
                #expect(IPv4Address(bad) == nil, "\(bad.debugDescription) must not parse")
            }
            #expect(IPv4Address(networkBytes: [1, 2, 3]) == nil)
            #expect(IPv4Address("10.0.0.1")! < IPv4Address("10.0.0.2")!)
        }

        @Test func computesPrefixMath() throws {
            let network = try #require(IPv4Network("10.244.0.0/24"))
            #expect(network.description == "10.244.0.0/24")
            #expect(network.netmask.description == "255.255.255.0")
            #expect(network.broadcast.description == "10.244.0.255")
            #expect(network.addressCount == 256)
            #expect(network.hostCount == 254)
            #expect(network.host(1)?.description == "10.244.0.1")
            #expect(network.host(254)?.description == "10.244.0.254")
            #expect(network.host(255) == nil)
            #expect(network.host(0) == nil)
            #expect(network.contains(IPv4Address("10.244.0.77")!))
            #expect(!network.contains(IPv4Address("10.244.1.0")!))
            #expect(network.contains(IPv4Network("10.244.0.128/25")!))
            #expect(!network.contains(IPv4Network("10.244.0.0/16")!))
            // Host bits are cleared.
            #expect(IPv4Network("10.244.3.7/22")?.description == "10.244.0.0/22")
            #expect(IPv4Network("10.244.3.7/22")?.broadcast.description == "10.244.3.255")
            // Edges.
            let all = try #require(IPv4Network("0.0.0.0/0"))
            #expect(all.netmask.value == 0)
            #expect(all.contains(IPv4Address("203.0.113.9")!))
            #expect(all.addressCount == 1 << 32)
            let pointToPoint = try #require(IPv4Network("10.98.0.0/31"))
            #expect(pointToPoint.hostCount == 2)
            #expect(pointToPoint.host(1)?.description == "10.98.0.0")
            #expect(pointToPoint.host(2)?.description == "10.98.0.1")
            let single = try #require(IPv4Network("192.0.2.1/32"))
            #expect(single.host(1)?.description == "192.0.2.1")
            #expect(single.host(2) == nil)
            #expect(IPv4Network("10.98.0.0/30")?.broadcast.description == "10.98.0.3")
            for bad in ["10.0.0.0/33", "10.0.0.0/", "10.0.0.0", "10.0.0.0/-1", "10.0.0/8", "10.0.0.0/24/1"] {
                #expect(IPv4Network(bad) == nil, "\(bad.debugDescription) must not parse")
            }
        }

        @Test func formatsIPv6() throws {
            let linkLocal = try #require(IPv6Address("fe80::1"))
            #expect(linkLocal.bytes == [0xfe, 0x80] + [UInt8](repeating: 0, count: 13) + [1])
            #expect(linkLocal.description == "fe80::1")
            var documentation = [UInt8](repeating: 0, count: 16)
            documentation[0] = 0x20
            documentation[1] = 0x01
            documentation[2] = 0x0d
            documentation[3] = 0xb8
            documentation[15] = 0x42
            #expect(IPv6Address(networkBytes: documentation)?.description == "2001:db8::42")
            #expect(AddressFamily.ipv6.format(documentation) == "2001:db8::42")
            #expect(AddressFamily.ipv4.format([10, 0, 0, 1]) == "10.0.0.1")
            #expect(AddressFamily.ipv4.format(documentation) == nil)
            #expect(IPv6Address("10.0.0.1") == nil)
            #expect(IPv6Address(networkBytes: [1, 2]) == nil)
        }
    }
}
