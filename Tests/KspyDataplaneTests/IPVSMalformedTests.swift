import KspyDataplane
import KspyKernel
import Testing

/// Malformed replies give a one-line `DataplaneError` naming the offset, never a crash:
/// targeted corruptions with their exact errors, every truncation of every recorded
/// reply, length fields flipped, random byte flips and random bytes.
@Suite struct IPVSMalformedTests {
    static func patch(_ bytes: [UInt8], at offset: Int, u16 value: UInt16) -> [UInt8] {
        var copy = bytes
        copy[offset] = UInt8(value & 0xff)
        copy[offset + 1] = UInt8(value >> 8)
        return copy
    }

    static func patch(_ bytes: [UInt8], at offset: Int, u32 value: UInt32) -> [UInt8] {
        var copy = patch(bytes, at: offset, u16: UInt16(value & 0xffff))
        copy = patch(copy, at: offset + 2, u16: UInt16(value >> 16))
        return copy
    }

    func services(_ bytes: [UInt8]) -> DataplaneError? {
        IPVSFixture.failure { () throws(DataplaneError) in
            try IPVSMessageParser.services(fromReply: bytes, familyID: IPVSFixture.familyID)
        }
    }

    /// Layout of the service dump (see the .hex): message 0 at 0, genl header at 16,
    /// IPVS_CMD_ATTR_SERVICE at 20 (nla_len 300), its AF at 24, PROTOCOL at 32, ADDR at
    /// 40, PORT at 60, SCHED_NAME at 68, FLAGS at 76, TIMEOUT at 88, NETMASK at 96, STATS at 104.
    @Test func targetedCorruptionsNameTheOffset() throws {
        let dump = try IPVSFixture.reply("04-ipvs-get-service-dump")
        let cases: [([UInt8], String)] = [
            (Self.patch(dump, at: 0, u32: UInt32(dump.count + 4)), "message shorter than its header says"),
            (Self.patch(dump, at: 0, u32: 8), "nlmsg_len 8 below the 16-byte header at offset 0"),
            (Self.patch(dump, at: 20, u16: 400), "overruns its parent IPVS_CMD_NEW_SERVICE"),
            (Self.patch(dump, at: 24, u16: 0x200), "attribute type 1 overruns its parent IPVS_CMD_ATTR_SERVICE"),
            (Self.patch(dump, at: 24, u16: 2), "nla_len 2 of attribute type 1 in IPVS_CMD_ATTR_SERVICE below"),
            (Self.patch(dump, at: 60, u16: 5), "IPVS_SVC_ATTR_PORT has 1 bytes, expected 2 at offset 60"),
            (Self.patch(dump, at: 24, u16: 8), "IPVS_SVC_ATTR_AF has 4 bytes, expected 2 at offset 24"),
            (Self.patch(dump, at: 28, u16: 7), "unsupported address family 7 at offset 24"),
            (Self.patch(dump, at: 76, u16: 10), "IPVS_SVC_ATTR_FLAGS has 6 bytes, expected 8 at offset 76"),
            (Self.patch(dump, at: 4, u16: 33), "message type 33 is not the IPVS family (32) at offset 0"),
            (Self.patch(dump, at: 16, u16: 5), "IPVS command 5, expected IPVS_CMD_NEW_SERVICE (1) at offset 0"),
            (Self.patch(dump, at: 22, u16: 9), "IPVS_CMD_NEW_SERVICE without IPVS_CMD_ATTR_SERVICE at offset 0"),
            (Self.patch(dump, at: 26, u16: 99), "IPVS_CMD_ATTR_SERVICE without IPVS_SVC_ATTR_AF at offset 20"),
            (Array(dump.dropLast(20)), "reply ends without NLMSG_DONE or ACK (truncated) at offset 1892"),
            (dump + dump.suffix(20), "message type 3 after the end of the reply at offset 1912"),
            (Self.patch(dump, at: 1892 + 16, u32: UInt32(bitPattern: -1)), "kernel error"),
            (Array(dump.dropLast(10)), "netlink header cut off (10 of 16 bytes) at offset 1892"),
        ]
        for (bytes, expected) in cases {
            let error = services(bytes)
            #expect(error?.description.contains(expected) == true, "\(error?.description ?? "no error") vs \(expected)")
            #expect(error?.description.hasPrefix("IPVS_CMD_GET_SERVICE dump reply: ") == true)
            #expect(error?.description.contains("\n") == false)
        }

        // Stats counters: u32 or u64, nothing else (IPVS_STATS_ATTR_CONNS at 108).
        let stats = Self.patch(dump, at: 108, u16: 7)
        #expect(services(stats)?.description.contains("IPVS_STATS_ATTR_CONNS has 3 bytes, expected 4 or 8") == true)

        // A destination without its family and no service family to fall back on.
        let dests = try IPVSFixture.reply("05-ipvs-get-dest-dump-svc0")
        let withoutFamily = try IPVSMessageParser.destinations(fromReply: dests, familyID: 32)
        #expect(withoutFamily.count == 1)
        // IPVS_DEST_ATTR_ADDR_FAMILY is the 13th attribute of the nest: find and rename it.
        var renamed = dests
        var offset = 24
        while offset + 4 <= renamed.count {
            let length = Int(renamed[offset]) | Int(renamed[offset + 1]) << 8
            if renamed[offset + 2] == 11 {
                renamed[offset + 2] = 99
                break
            }
            offset += (length + 3) & ~3
        }
        let error = IPVSFixture.failure { () throws(DataplaneError) in
            try IPVSMessageParser.destinations(fromReply: renamed, familyID: 32)
        }
        #expect(error?.description.contains("without IPVS_DEST_ATTR_ADDR_FAMILY") == true)
        #expect(
            try IPVSMessageParser.destinations(fromReply: renamed, familyID: 32, serviceAddressFamily: 2)
                .first?.addressText == "10.244.0.1")
    }

    @Test func everyTruncationOfEveryReplyIsAnError() throws {
        for name in IPVSFixture.names {
            let reply = try IPVSFixture.reply(name)
            #expect(IPVSFixture.parse(name, reply) == nil, "\(name) decodes whole")
            for length in 0..<reply.count {
                let error = IPVSFixture.parse(name, Array(reply.prefix(length)))
                // The family lookup's decoder (Kernel layer) does not need the ACK; the
                // IPVS decoders need their NLMSG_DONE / ACK.
                if name.hasPrefix("01") && length >= 0x184 { continue }
                #expect(error != nil, "\(name) cut at \(length)")
            }
        }
    }

    /// Truncated replies through the whole replay reader (transport + decoders).
    @Test func truncatedRepliesThroughTheReader() throws {
        for name in IPVSFixture.names.prefix(10) {
            let reply = try IPVSFixture.reply(name)
            for length in stride(from: 0, to: reply.count, by: 3) {
                let (reader, _) = try IPVSFixture.replayReader(replacing: [name: Array(reply.prefix(length))])
                let error = IPVSFixture.failure { () throws(DataplaneError) in try reader.read() }
                #expect(error != nil, "\(name) cut at \(length)")
                #expect(error?.description.contains("\n") == false)
            }
        }
    }

    /// Every nlmsg_len and nla_len of every reply set to odd values: an error or a
    /// still-valid decode, never a crash.
    @Test func flippedLengthsNeverCrash() throws {
        for name in IPVSFixture.names {
            let reply = try IPVSFixture.reply(name)
            for offset in Self.lengthFieldOffsets(reply) {
                let isMessage = offset.isMessage
                let values: [UInt32] = [0, 1, 3, 4, 5, 15, 16, 17, 0xff, 0xffff, isMessage ? 0xffff_ffff : 0xfffe]
                let original = isMessage ? UInt32(reply[offset.at]) | UInt32(reply[offset.at + 1]) << 8 : 0
                for value in values + [original &+ 1, original &+ 4, original &- 1, original &- 4] {
                    let bytes =
                        isMessage
                        ? Self.patch(reply, at: offset.at, u32: value)
                        : Self.patch(reply, at: offset.at, u16: UInt16(truncatingIfNeeded: value))
                    if let error = IPVSFixture.parse(name, bytes) {
                        #expect(error.description.contains(" at offset ") || name.hasPrefix("01"))
                    }
                }
            }
        }
    }

    /// Offsets of every nlmsg_len and (recursively) nla_len in a valid reply.
    static func lengthFieldOffsets(_ bytes: [UInt8]) -> [(at: Int, isMessage: Bool)] {
        func load16(_ i: Int) -> Int { Int(bytes[i]) | Int(bytes[i + 1]) << 8 }
        var result: [(Int, Bool)] = []
        func walk(_ start: Int, _ end: Int, depth: Int) {
            var offset = start
            while offset + 4 <= end {
                let length = load16(offset)
                guard length >= 4, offset + length <= end else { return }
                result.append((offset, false))
                if depth < 3, length > 8 { walk(offset + 4, offset + length, depth: depth + 1) }
                offset += (length + 3) & ~3
            }
        }
        var offset = 0
        while offset + 16 <= bytes.count {
            let length = Int(bytes[offset]) | Int(bytes[offset + 1]) << 8 | Int(bytes[offset + 2]) << 16
            guard length >= 16, offset + length <= bytes.count else { break }
            result.append((offset, true))
            if length > 20 { walk(offset + 20, offset + length, depth: 0) }
            offset += (length + 3) & ~3
        }
        return result
    }

    /// Random byte flips of the recorded replies and random bytes: the decoders and the
    /// reply collector return or throw, never crash.
    @Test func randomBytesNeverCrash() throws {
        var random = IPVSSplitMix(state: 0xC0FFEE)
        let corpus = try IPVSFixture.names.map { ($0, try IPVSFixture.reply($0)) }
        var errors = 0
        for round in 0..<4000 {
            let (name, reply) = corpus[round % corpus.count]
            var bytes = reply
            for _ in 0..<Int.random(in: 1...8, using: &random) {
                bytes[Int.random(in: 0..<bytes.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
            }
            if let error = IPVSFixture.parse(name, bytes) {
                errors += 1
                #expect(!error.description.isEmpty && !error.description.contains("\n"))
            }
            var collector = NetlinkReplyCollector(sequence: 4, portID: nil, request: "fuzz")
            _ = try? collector.add(datagram: bytes)
        }
        #expect(errors > 0)
        for _ in 0..<2000 {
            let count = Int.random(in: 0...400, using: &random)
            var bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &random) }
            // Half of them with a plausible first header so the walk goes deeper.
            if count >= 20, Bool.random(using: &random) {
                bytes = Self.patch(bytes, at: 0, u32: UInt32(count))
                bytes = Self.patch(bytes, at: 4, u16: 32)
                bytes[16] = 1
            }
            for name in ["01", "02", "03", "04", "05"] { _ = IPVSFixture.parse(name, bytes) }
            var collector = NetlinkReplyCollector(sequence: 0, portID: nil, request: "fuzz")
            _ = try? collector.add(datagram: bytes)
        }
    }
}
