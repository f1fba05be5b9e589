import Glibc
import KspyKernel
import Testing

extension NetlinkTests {
    /// The message and attribute codec on hand-built bytes: layout, alignment, nesting,
    /// and that malformed input throws instead of trapping. No kernel involved.
    @Suite struct NetlinkCodecTests {
        /// A raw nlmsghdr in host byte order (as netlink(7) defines it).
        static func header(length: UInt32, type: UInt16, flags: UInt16 = 0, sequence: UInt32 = 0, port: UInt32 = 0)
            -> [UInt8]
        {
            var bytes: [UInt8] = []
            withUnsafeBytes(of: length) { bytes.append(contentsOf: $0) }
            withUnsafeBytes(of: type) { bytes.append(contentsOf: $0) }
            withUnsafeBytes(of: flags) { bytes.append(contentsOf: $0) }
            withUnsafeBytes(of: sequence) { bytes.append(contentsOf: $0) }
            withUnsafeBytes(of: port) { bytes.append(contentsOf: $0) }
            return bytes
        }

        @Test func truncatedMessageThrowsInsteadOfTrapping() throws {
            // The header claims 200 bytes, the buffer holds 40.
            let bytes = Self.header(length: 200, type: NetlinkConstants.RTM_NEWLINK) + [UInt8](repeating: 0, count: 24)
            #expect(bytes.count == 40)
            #expect(throws: NetlinkError.self) { try NetlinkMessage.parseAll(bytes) }
            do {
                _ = try NetlinkMessage.parseAll(bytes)
            } catch {
                guard case .malformed(let what) = error else {
                    Issue.record("expected .malformed, got \(error)")
                    return
                }
                #expect(what.contains("200"))
                #expect(what.contains("40"))
            }
        }

        @Test func messageLengthBelowHeaderAndCutHeaderThrow() throws {
            #expect(throws: NetlinkError.self) {
                try NetlinkMessage.parseAll(Self.header(length: 8, type: 2) + [0, 0, 0, 0])
            }
            // 12 bytes: a header cut in the middle.
            #expect(throws: NetlinkError.self) {
                try NetlinkMessage.parseAll(Array(Self.header(length: 16, type: 3).prefix(12)))
            }
            // A zero length must not loop forever.
            #expect(throws: NetlinkError.self) { try NetlinkMessage.parseAll(Self.header(length: 0, type: 3)) }
            #expect(try NetlinkMessage.parseAll([UInt8]()) == [])
        }

        @Test func encodesHeaderAndSplitsSeveralMessagesOfOneDatagram() throws {
            let first = NetlinkMessage(type: 16, flags: 0x2, sequence: 7, portID: 99, payload: [1, 2, 3, 4, 5])
            let second = NetlinkMessage(type: 3, flags: 0x2, sequence: 7, portID: 99, payload: [0, 0, 0, 0])
            let encoded = try first.encoded()
            // nlmsg_len counts header + unpadded payload; the message is padded to 4.
            #expect(encoded.count == 24)
            #expect(Array(encoded.prefix(16)) == Self.header(length: 21, type: 16, flags: 2, sequence: 7, port: 99))
            #expect(Array(encoded[16..<21]) == [1, 2, 3, 4, 5])
            #expect(Array(encoded[21...]) == [0, 0, 0])
            let parsed = try NetlinkMessage.parseAll(encoded + second.encoded())
            #expect(parsed == [first, second])
            // Parsing works on a slice that does not start at index 0.
            let slice = ([0xff, 0xff] + encoded)[2...]
            #expect(try NetlinkMessage.parseAll(slice) == [first])
        }

        @Test func attributesAreAlignedAndNested() throws {
            var encoder = NetlinkAttributeEncoder()
            try encoder.append(3, string: "abc")
            encoder.append(4, u8: 0xab)
            encoder.append(5, u16: 0x1234)
            encoder.append(6, u32: 0xdead_beef)
            encoder.append(7, u64: 0x0102_0304_0506_0708)
            try encoder.append(8, bytes: [9, 8, 7, 6, 5])
            try encoder.appendNested(18) { (nest) throws(NetlinkError) in
                try nest.append(1, string: "veth")
                try nest.appendNested(2) { (inner) throws(NetlinkError) in inner.append(1, s32: -5) }
            }
            let bytes = encoder.bytes
            #expect(bytes.count % 4 == 0)
            // "abc\0": nla_len 8 (4 + 4), no padding needed.
            #expect(Array(bytes[0..<8]) == [8, 0, 3, 0, 0x61, 0x62, 0x63, 0])
            // u8: nla_len 5, padded to 8.
            #expect(Array(bytes[8..<16]) == [5, 0, 4, 0, 0xab, 0, 0, 0])
            // u16: nla_len 6, padded to 8.
            #expect(Array(bytes[16..<24]) == [6, 0, 5, 0, 0x34, 0x12, 0, 0])

            let attributes = try NetlinkAttribute.parseAll(bytes)
            #expect(attributes.map(\.type) == [3, 4, 5, 6, 7, 8, 18])
            #expect(attributes.attribute(3)?.string == "abc")
            #expect(try attributes.attribute(4)?.u8() == 0xab)
            #expect(try attributes.attribute(5)?.u16() == 0x1234)
            #expect(try attributes.attribute(6)?.u32() == 0xdead_beef)
            #expect(try attributes.attribute(7)?.u64() == 0x0102_0304_0506_0708)
            #expect(attributes.attribute(8)?.payload == [9, 8, 7, 6, 5])
            let nest = try #require(attributes.attribute(18))
            #expect(nest.isNestedFlagSet)
            #expect(!attributes[0].isNestedFlagSet)
            let inner = try nest.nested()
            #expect(inner.attribute(1)?.string == "veth")
            #expect(try inner.attribute(2)?.nested().attribute(1)?.s32() == -5)
            // The nest's nla_len covers its padded content: 4 + 12 ("veth\0" padded) + 12.
            let nestOffset = bytes.count - 28
            #expect(bytes[nestOffset] == 28)
            #expect(UInt16(bytes[nestOffset + 2]) | UInt16(bytes[nestOffset + 3]) << 8 == 18 | 0x8000)
        }

        @Test func malformedAttributesThrow() throws {
            // nla_len 40 with only 8 bytes present.
            #expect(throws: NetlinkError.self) { try NetlinkAttribute.parseAll([40, 0, 1, 0, 1, 2, 3, 4]) }
            // nla_len 2, below the 4-byte header.
            #expect(throws: NetlinkError.self) { try NetlinkAttribute.parseAll([2, 0, 1, 0]) }
            // A nest whose inner attribute overruns the nest.
            let outer = NetlinkAttribute(type: 18, payload: [12, 0, 1, 0, 0x61])
            #expect(throws: NetlinkError.self) { try outer.nested() }
            // An integer accessor on a payload of the wrong size.
            let short = NetlinkAttribute(type: 4, payload: [1, 2])
            #expect(throws: NetlinkError.self) { try short.u32() }
            // Trailing padding shorter than a header is ignored.
            #expect(try NetlinkAttribute.parseAll([5, 0, 1, 0, 7, 0, 0]).count == 1)
        }

        @Test func typedParsersRejectShortFamilyHeaders() throws {
            let shortLink = NetlinkMessage(type: NetlinkConstants.RTM_NEWLINK, payload: [0, 0, 1, 0, 5, 0])
            #expect(throws: NetlinkError.self) { try Link(message: shortLink) }
            let shortAddress = NetlinkMessage(type: NetlinkConstants.RTM_NEWADDR, payload: [2, 24, 0])
            #expect(throws: NetlinkError.self) { try InterfaceAddress(message: shortAddress) }
            let shortRoute = NetlinkMessage(type: NetlinkConstants.RTM_NEWROUTE, payload: [2, 0, 0, 0, 254])
            #expect(throws: NetlinkError.self) { try Route(message: shortRoute) }
            // An IPv4 address attribute with 3 bytes.
            var attributes = NetlinkAttributeEncoder()
            try attributes.append(NetlinkConstants.IFA_LOCAL, bytes: [10, 0, 0])
            let badAddress = NetlinkMessage(
                type: NetlinkConstants.RTM_NEWADDR,
                header: InterfaceAddressHeader(family: NetlinkConstants.AF_INET, prefixLength: 24, index: 2).encoded(),
                attributes: attributes)
            #expect(throws: NetlinkError.self) { try InterfaceAddress(message: badAddress) }
        }

        @Test func parsesALinkMessageBuiltLikeTheKernels() throws {
            var attributes = NetlinkAttributeEncoder()
            try attributes.append(NetlinkConstants.IFLA_IFNAME, string: "veth0")
            attributes.append(NetlinkConstants.IFLA_MTU, u32: 1450)
            try attributes.append(NetlinkConstants.IFLA_ADDRESS, bytes: [0x02, 0x42, 0xac, 0x11, 0x00, 0x02])
            attributes.append(NetlinkConstants.IFLA_MASTER, u32: 4)
            attributes.append(NetlinkConstants.IFLA_LINK, u32: 9)
            attributes.append(NetlinkConstants.IFLA_LINK_NETNSID, s32: 0)
            try attributes.appendNested(NetlinkConstants.IFLA_LINKINFO) { (info) throws(NetlinkError) in
                try info.append(NetlinkConstants.IFLA_INFO_KIND, string: "veth")
                try info.append(NetlinkConstants.IFLA_INFO_SLAVE_KIND, string: "bridge")
            }
            let header = InterfaceInfoHeader(deviceType: 1, index: 7, flags: 0x11043)
            let message = NetlinkMessage(
                type: NetlinkConstants.RTM_NEWLINK, header: header.encoded(), attributes: attributes)
            let link = try Link(message: try #require(try NetlinkMessage.parseAll(try message.encoded()).first))
            #expect(
                link
                    == Link(
                        index: 7, name: "veth0", kind: "veth", portKind: "bridge", flags: 0x11043, deviceType: 1,
                        mtu: 1450, mac: "02:42:ac:11:00:02", masterIndex: 4, peerIndex: 9, linkNetnsID: 0))
            #expect(link.isUp)
            #expect(link.hasCarrier)
        }
    }
}
