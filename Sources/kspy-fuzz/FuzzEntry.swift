import KspyDataplane

#if KSPY_LIBFUZZER
    import Foundation

    /// libFuzzer's entry (`scripts/fuzz.sh` builds with `-sanitize=fuzzer,address
    /// -DKSPY_LIBFUZZER`): the target named by `KSPY_FUZZ_TARGET` runs on each input.
    private let fuzzTarget: ParserFuzzTarget = {
        let name = ProcessInfo.processInfo.environment["KSPY_FUZZ_TARGET"] ?? ""
        guard let target = ParserFuzzTarget(rawValue: name) else {
            let names = ParserFuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")
            fatalError("set KSPY_FUZZ_TARGET to one of: \(names)")
        }
        return target
    }()

    @_cdecl("LLVMFuzzerTestOneInput")
    public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
        let message = fuzzTarget.run(Array(UnsafeBufferPointer(start: data, count: size)))
        if let message, message.contains("\n") { fatalError("multi-line error: \(message)") }
        return 0
    }
#else
    import Glibc

    /// Without libFuzzer: `kspy-fuzz TARGET FILE...` replays inputs (a crash found by
    /// the fuzzer, a corpus) through the same target and prints each outcome.
    @main struct FuzzReplay {
        static func main() {
            func printError(_ line: String) {
                let text = line + "\n"
                _ = text.withCString { write(2, $0, strlen($0)) }
            }
            let arguments = Array(CommandLine.arguments.dropFirst())
            guard let name = arguments.first, let target = ParserFuzzTarget(rawValue: name), arguments.count > 1 else {
                let names = ParserFuzzTarget.allCases.map(\.rawValue).joined(separator: "|")
                printError("usage: kspy-fuzz \(names) FILE...")
                exit(2)
            }
            for path in arguments.dropFirst() {
                guard let file = fopen(path, "rb") else {
                    printError("kspy-fuzz: cannot open \(path)")
                    exit(1)
                }
                var bytes: [UInt8] = []
                var chunk = [UInt8](repeating: 0, count: 65536)
                while true {
                    let n = fread(&chunk, 1, chunk.count, file)
                    if n <= 0 { break }
                    bytes += chunk[0..<n]
                }
                fclose(file)
                print("\(path): \(target.run(bytes) ?? "decoded")")
            }
        }
    }
#endif
