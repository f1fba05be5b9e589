import Foundation
import KspyDataplane
import Testing

@Suite("IPTables save parser: malformed input")
struct IPTablesMalformedInputTests {
    /// The line number named in a parser error ("… line N: …").
    static func line(of error: DataplaneError) -> Int? {
        let parts = error.description.split(separator: " ")
        guard let i = parts.firstIndex(of: "line"), i + 1 < parts.count else { return nil }
        return Int(parts[i + 1].dropLast())
    }

    static func parseError(_ text: String) -> DataplaneError? {
        do {
            _ = try IPTablesSaveParser(sourceName: "dump").parse(text)
            return nil
        } catch {
            return error
        }
    }

    @Test(
        "each kind of bad input names its line",
        arguments: [
            BadInput("-A KUBE-SERVICES -j ACCEPT\n", 1, "outside a table"),
            BadInput(
                "*nat\n:KUBE-SERVICES - [0:0]\n-A KUBE-SERVICES -m comment --comment \"unterminated -j ACCEPT\nCOMMIT\n",
                3, "unterminated quote"),
            BadInput("*nat\n:KUBE-SERVICES - [0:0]\n-A KUBE-SERVICES -j ACCEPT\n", 3, "without COMMIT"),
            BadInput("*nat\n:A - [0:0]\n*filter\nCOMMIT\n", 3, "before table nat"),
            BadInput("COMMIT\n", 1, "COMMIT outside a table"),
            BadInput("*nat\n:A - [0:0]\n-A B -j ACCEPT\nCOMMIT\n", 3, "does not declare"),
            BadInput("*nat\n:A - [0:0]\n-A A -j\nCOMMIT\n", 3, "-j needs one target"),
            BadInput("*nat\n:A - [0:0]\n-A A -m\nCOMMIT\n", 3, "-m needs one module"),
            BadInput(
                "*nat\n:A - [0:0]\n-A A -m statistic --mode random --probability abc -j A\nCOMMIT\n", 3,
                "is not a number"),
            BadInput("*nat\n:A - [0:0]\n-A A -m statistic --mode random -j A\nCOMMIT\n", 3, "without --probability"),
            BadInput("*nat\n:A - [0:0]\n-A A -p tcp -m tcp --dport 99999 -j A\nCOMMIT\n", 3, "is not a port"),
            BadInput("*nat\n:A - [0:0]\n-A A -j DNAT\nCOMMIT\n", 3, "DNAT without --to-destination"),
            BadInput("*nat\n:A - [0:0]\n-A A -j DNAT --to-destination 10.0.0.1:http\nCOMMIT\n", 3, "is not a port"),
            BadInput("*nat\n:A - [0:0]\n-A A -j MARK --set-xmark 0xZZ/0x1\nCOMMIT\n", 3, "is not a 32-bit number"),
            BadInput("*nat\n:A - [0:0]\n-A A stray -j ACCEPT\nCOMMIT\n", 3, "where an option was expected"),
            BadInput("*nat\n:A - [0:0]\n-A A -s 1.2.3.4 !\nCOMMIT\n", 3, "'!' with no option"),
            BadInput("*nat\n:A\nCOMMIT\n", 2, "chain declaration needs"),
            BadInput("*nat\n:A - [x:1]\nCOMMIT\n", 2, "bad counters"),
            BadInput("*nat\n:A - [0:0]\n:A - [0:0]\nCOMMIT\n", 3, "declared twice"),
            BadInput("*nat\n:A - [0:0]\n[1:2 -A A -j ACCEPT\nCOMMIT\n", 3, "bad rule counters"),
            BadInput("*nat\nCOMMIT\n*nat\nCOMMIT\n", 3, "appears twice"),
            BadInput("*\nCOMMIT\n", 1, "bad table name"),
            BadInput("*nat\n:A - [0:0]\nhello world\nCOMMIT\n", 3, "unexpected line 'hello world'"),
            BadInput("*nat\n:A - [0:0]\n-X A\nCOMMIT\n", 3, "rules start with -A"),
            BadInput("\u{0}\u{1}binary\n", 1, "unexpected line"),
        ])
    func badInput(_ bad: BadInput) throws {
        let (text, line, fragment) = (bad.text, bad.line, bad.fragment)
        let e = try #require(Self.parseError(text), "no error for \(text.debugDescription)")
        #expect(Self.line(of: e) == line, "\(e)")
        #expect(e.description.contains(fragment), "\(e)")
        #expect(e.description.hasPrefix("dump line \(line): "))
        #expect(!e.description.contains("\n"))
    }

    /// A dump as iptables-save prints it (several tables, counters).
    static var dump: String {
        IPTablesSaveParserTests.dump
            + (try! IPTablesTest.fixture("iptables-nft-save-nat.txt"))
            .replacingNat()
    }

    @Test("truncation at every byte offset: an error naming a line, or a shorter valid dump")
    func truncations() throws {
        let full = Array(Self.dump.utf8)
        var errors = 0
        var valid = 0
        for offset in 0...full.count {
            let prefix = String(decoding: full[0..<offset], as: UTF8.self)
            let lines = prefix.split(separator: "\n", omittingEmptySubsequences: false)
            if let e = Self.parseError(prefix) {
                errors += 1
                let n = try #require(Self.line(of: e), "\(e)")
                #expect(n >= 1 && n <= lines.count, "offset \(offset): \(e)")
                #expect(!e.description.contains("\n"))
            } else {
                valid += 1
                // Only a cut between tables (after COMMIT, or inside comments) is valid.
                let meaningful = lines.map { $0.trimmingCharacters(in: .whitespaces) }
                    .filter { !$0.isEmpty && !$0.hasPrefix("#") }
                #expect(meaningful.isEmpty || meaningful.last == "COMMIT", "offset \(offset) parsed without error")
            }
        }
        #expect(errors > full.count * 9 / 10)
        #expect(valid > 0)
    }

    @Test("garbage lines inserted anywhere are reported on exactly their line")
    func garbageLines() throws {
        let base = Self.dump.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let garbage = [
            "garbage", "-A", "-A NO-SUCH-CHAIN -j ACCEPT", ":", ":X", "*", "[1:2]", "-X KUBE-SERVICES", "\u{0}",
            "-A KUBE-SVC-A -m comment --comment \"open", "!", "-N KUBE-NEW", "iptables -t nat -L", "{}", "COMMIT now",
            "-A KUBE-SVC-A -j", "\u{FFFD}\u{FFFD}", ":A B C D", "[0:0]",
        ]
        var rng = SplitMix64(seed: 0x6b73_7079)
        for round in 0..<400 {
            let at = Int(rng.next() % UInt64(base.count))
            let bad = garbage[Int(rng.next() % UInt64(garbage.count))]
            var lines = base
            lines.insert(bad, at: at)
            let text = lines.joined(separator: "\n")
            let e = try #require(
                Self.parseError(text), "round \(round): \(bad.debugDescription) at line \(at + 1) accepted")
            #expect(Self.line(of: e) == at + 1, "round \(round): \(bad.debugDescription) at line \(at + 1): \(e)")
        }
    }

    @Test("random byte flips never crash: a ruleset or a one-line error")
    func byteFlips() {
        let base = Array(Self.dump.utf8)
        var rng = SplitMix64(seed: 42)
        for _ in 0..<300 {
            var bytes = base
            for _ in 0..<(1 + Int(rng.next() % 4)) {
                bytes[Int(rng.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: rng.next())
            }
            do {
                let rs = try IPTablesSaveParser().parse(bytes: bytes)
                _ = KubeProxyIPTablesDecoder(rs).decode()
            } catch {
                #expect(Self.line(of: error) != nil, "\(error)")
                #expect(!error.description.contains("\n"))
            }
        }
    }
}

/// One bad input with the line and message fragment its error must have.
struct BadInput: Sendable, CustomTestStringConvertible {
    let text: String
    let line: Int
    let fragment: String
    init(_ text: String, _ line: Int, _ fragment: String) {
        self.text = text
        self.line = line
        self.fragment = fragment
    }
    var testDescription: String { "\(fragment) (line \(line))" }
}

/// A small deterministic PRNG (SplitMix64) for the fuzz loops.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension String {
    /// The fixture's nat table renamed so it can follow another dump's nat table.
    fileprivate func replacingNat() -> String { replacingOccurrences(of: "*nat", with: "*raw") }
}
