import Testing

@testable import KspyDataplane

/// The nf_tables reader's parsing thread: the same ruleset as parsing in line, errors
/// handed back to the producer, and a cancelled parse that ends.
@Suite struct BackgroundSaveParserTests {
    /// `text` cut into pieces of about `size` bytes at line ends.
    static func pieces(_ text: String, size: Int) -> [[UInt8]] {
        var result: [[UInt8]] = []
        var current: [UInt8] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            current += Array(line.utf8) + [0x0A]
            if current.count >= size {
                result.append(current)
                current = []
            }
        }
        if !current.isEmpty { result.append(current) }
        return result
    }

    @Test(arguments: [64, 4096]) func sameRulesetAsParsingInLine(pieceSize: Int) throws {
        let text = IPTablesScenarios.fullRules
        let parser = BackgroundSaveParser(parser: IPTablesSaveParser(sourceName: "t"))
        for piece in Self.pieces(text, size: pieceSize) { try parser.feed(piece) }
        let background = try parser.finish()
        let inLine = try IPTablesSaveParser(sourceName: "t").parse(bytes: Array(text.utf8))
        #expect(background == inLine)
        #expect(KubeProxyIPTablesDecoder(background).frontends() == KubeProxyIPTablesDecoder(inLine).frontends())
    }

    @Test func aParseErrorReachesTheProducerWithItsLine() {
        // The second `*nat` is an error some way into the input.
        let text = "*nat\n:KUBE-SERVICES - [0:0]\nCOMMIT\n" + IPTablesScenarios.fullRules
        let parser = BackgroundSaveParser(parser: IPTablesSaveParser(sourceName: "t"))
        var thrown: DataplaneError?
        do throws(DataplaneError) {
            for piece in Self.pieces(text, size: 16) { try parser.feed(piece) }
            _ = try parser.finish()
        } catch {
            thrown = error
        }
        let inLine: DataplaneError?
        do {
            _ = try IPTablesSaveParser(sourceName: "t").parse(bytes: Array(text.utf8))
            inLine = nil
        } catch {
            inLine = error
        }
        #expect(thrown != nil)
        #expect(thrown?.description == inLine?.description)
        #expect(thrown?.description.contains("appears twice") == true)
    }

    @Test func aTruncatedDumpIsReportedAndACancelEnds() {
        let parser = BackgroundSaveParser(parser: IPTablesSaveParser(sourceName: "t"))
        #expect(throws: DataplaneError.self) {
            try parser.feed(Array("*nat\n:KUBE-SERVICES - [0:0]\n".utf8))
            _ = try parser.finish()
        }
        let cancelled = BackgroundSaveParser(parser: IPTablesSaveParser(sourceName: "t"))
        try? cancelled.feed(Array("*nat\n".utf8))
        cancelled.cancel()  // returns: the thread has ended
    }
}
