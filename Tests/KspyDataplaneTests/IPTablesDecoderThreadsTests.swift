import Testing

@testable import KspyDataplane

/// The decoder walks `KUBE-SERVICES` on two threads on a large ruleset; the decoding must
/// be the one a single thread gives, in the same order, from lines and from built rules.
@Suite("IPTables decoder on two threads")
struct IPTablesDecoderThreadsTests {
    static let inputs: [(label: String, rules: String)] =
        IPTablesScenarios.labelledRules + [
            (
                "stale",
                IPTablesScenarios.fullRules.replacingOccurrences(
                    of: "*nat\n", with: "*nat\n:KUBE-SVC-GONE - [0:0]\n:KUBE-SEP-GONE - [0:0]\n")
            )
        ]

    @Test("two threads decode what one does", arguments: [0, 1, 2, 3], [false, true])
    func sameAsOneThread(_ index: Int, recordingPaths: Bool) throws {
        let (label, text) = Self.inputs[index]
        let lines = try IPTablesSaveParser().parse(text)
        for ruleset in [lines, IPTablesRuleLinesTests.built(lines)] {
            let decoder = KubeProxyIPTablesDecoder(ruleset)
            let one = decoder.decode(recordingPaths: recordingPaths, threads: 1)
            let two = decoder.decode(recordingPaths: recordingPaths, threads: 2)
            #expect(one.frontends.count > 3, "\(label)")
            #expect(two.frontends == one.frontends, "\(label)")
            #expect(two.chainPaths == one.chainPaths, "\(label)")
            #expect(two.staleChains == one.staleChains, "\(label)")
            #expect(two.masqueradeMark == one.masqueradeMark, "\(label)")
        }
        if label == "stale" {
            #expect(KubeProxyIPTablesDecoder(lines).decode(recordingPaths: false, threads: 2).staleChains == [
                "KUBE-SEP-GONE", "KUBE-SVC-GONE",
            ])
        }
    }
}
