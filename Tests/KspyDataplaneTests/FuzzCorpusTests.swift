import KspyKernel
import Testing

@testable import KspyDataplane

/// The fuzz seed corpus (`Fixtures/fuzz/<target>/`, what `scripts/fuzz.sh` starts
/// from and where fixed crashes are added) replayed through the same
/// `ParserFuzzTarget` entry libFuzzer drives: the seeds that are real recordings must
/// decode, and every input, seeds cut short or with bytes flipped, must end in a
/// one-line error or a decode — never a crash.
@Suite struct FuzzCorpusTests {
    private func seeds(_ target: ParserFuzzTarget) throws -> [(name: String, bytes: [UInt8])] {
        let directory = DataplaneTest.fixtures + "/fuzz/" + target.rawValue
        return try SystemFile.listDirectory(directory).sorted().map { name in
            (name, try SystemFile.readBytes(directory + "/" + name))
        }
    }

    @Test(arguments: ParserFuzzTarget.allCases) func seedsDecode(target: ParserFuzzTarget) throws {
        let all = try seeds(target)
        #expect(!all.isEmpty, "no seeds for \(target.rawValue)")
        for seed in all {
            #expect(target.run(seed.bytes) == nil, "\(target.rawValue)/\(seed.name)")
        }
    }

    @Test(arguments: ParserFuzzTarget.allCases) func damagedSeedsGiveOneLineErrors(target: ParserFuzzTarget) throws {
        var generator = SystemRandomNumberGenerator()
        var refused = 0
        for seed in try seeds(target) {
            var inputs: [[UInt8]] = []
            // Cut at a spread of offsets, and 40 single-byte changes.
            let step = max(1, seed.bytes.count / 60)
            for cut in stride(from: 0, to: seed.bytes.count, by: step) { inputs.append(Array(seed.bytes[..<cut])) }
            for _ in 0..<40 where seed.bytes.count > 1 {
                var flipped = seed.bytes
                let index = Int.random(in: 1..<flipped.count, using: &generator)  // keep the selector byte
                flipped[index] = UInt8.random(in: 0...255, using: &generator)
                inputs.append(flipped)
            }
            for input in inputs {
                if let message = target.run(input) {
                    refused += 1
                    #expect(!message.isEmpty && !message.contains("\n"), "\(target.rawValue)/\(seed.name): \(message)")
                }
            }
        }
        #expect(refused > 0, "no damaged \(target.rawValue) input was refused")
    }
}
