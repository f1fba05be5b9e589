import Testing

@testable import KspyDataplane

/// `IPTablesSaveParser.Session`, which the nf_tables netlink reader feeds piece by piece
/// as it writes the text: pieces parse exactly as the whole text, and the end is checked.
@Suite("IPTables save parser session")
struct IPTablesSaveParserSessionTests {
    @Test("text fed line by line parses to the same ruleset, line numbers included")
    func piecesEqualWhole() throws {
        let text = IPTablesSaveParserTests.dump
        let whole = try IPTablesSaveParser(sourceName: "t").parse(text)
        var session = IPTablesSaveParser.Session(parser: IPTablesSaveParser(sourceName: "t"))
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            try session.feed(Array((line + "\n").utf8))
        }
        let piecewise = try session.finish()
        #expect(piecewise == whole)
        #expect(piecewise.table("nat")?.chain("KUBE-SVC-A")?.rules.map(\.line) == [21, 22, 23, 24])
    }

    @Test("an error names the line counted over all pieces; a table left open is a truncated dump")
    func errorsCountLinesAcrossPieces() throws {
        var session = IPTablesSaveParser.Session(parser: IPTablesSaveParser(sourceName: "t"))
        try session.feed(Array("*nat\n:X - [0:0]\n".utf8))
        #expect {
            try session.feed(Array("-A X -j RETURN\ngarbage\n".utf8))
        } throws: { error in
            "\(error)".hasPrefix("t line 4: unexpected line 'garbage'")
        }
        var open = IPTablesSaveParser.Session(parser: IPTablesSaveParser(sourceName: "t"))
        try open.feed(Array("*nat\n:X - [0:0]\n".utf8))
        try open.feed(Array("-A X -j RETURN\n".utf8))
        #expect {
            _ = try open.finish()
        } throws: { error in
            "\(error)".hasPrefix("t line 3: input ends inside table nat")
        }
    }
}
