import Foundation
import Glibc
import KspyDataplane

/// `kspy-fuzz`. Built by `scripts/fuzz.sh` (`-sanitize=fuzzer,address
/// -DKSPY_LIBFUZZER`) it hands its command line to libFuzzer's driver, which feeds
/// inputs to the target named by `KSPY_FUZZ_TARGET`. Built normally, `kspy-fuzz TARGET
/// FILE...` replays inputs (a crash the fuzzer found, a corpus) through the same target
/// and prints each outcome.
@main struct FuzzEntry {
    static func main() {
        #if KSPY_LIBFUZZER
            var argc = CommandLine.argc
            var argv = CommandLine.unsafeArgv
            exit(LLVMFuzzerRunDriver(&argc, &argv, fuzzOneInput))
        #else
            replay(Array(CommandLine.arguments.dropFirst()))
        #endif
    }

    /// Runs `target` on one input; an error message of more than one line is a bug.
    static func check(_ target: ParserFuzzTarget, _ bytes: [UInt8]) -> String? {
        let message = target.run(bytes)
        if let message, message.isEmpty || message.contains("\n") {
            fatalError("\(target.rawValue): not a one-line error: \(message.debugDescription)")
        }
        return message
    }

    static func replay(_ arguments: [String]) {
        guard let name = arguments.first, let target = ParserFuzzTarget(rawValue: name), arguments.count > 1 else {
            let names = ParserFuzzTarget.allCases.map(\.rawValue).joined(separator: "|")
            printError("usage: kspy-fuzz \(names) FILE...")
            exit(2)
        }
        for path in arguments.dropFirst() {
            guard let data = FileManager.default.contents(atPath: path) else {
                printError("kspy-fuzz: cannot read \(path)")
                exit(1)
            }
            print("\(path): \(check(target, Array(data)) ?? "decoded")")
        }
    }

    static func printError(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}

#if KSPY_LIBFUZZER
    /// libFuzzer's driver (compiler-rt, linked by `-sanitize=fuzzer`).
    @_silgen_name("LLVMFuzzerRunDriver")
    func LLVMFuzzerRunDriver(
        _ argc: UnsafeMutablePointer<Int32>,
        _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
        _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
    ) -> Int32

    /// The target libFuzzer runs, from `KSPY_FUZZ_TARGET`.
    private let fuzzTarget: ParserFuzzTarget = {
        let name = ProcessInfo.processInfo.environment["KSPY_FUZZ_TARGET"] ?? ""
        guard let target = ParserFuzzTarget(rawValue: name) else {
            let names = ParserFuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")
            fatalError("set KSPY_FUZZ_TARGET to one of: \(names)")
        }
        return target
    }()

    private func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
        let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
        _ = FuzzEntry.check(fuzzTarget, bytes)
        return 0
    }
#endif
