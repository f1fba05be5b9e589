import CLibbpf
import Glibc
import Synchronization

/// Routes libbpf's diagnostic output (libbpf_set_print(3)): instead of libbpf's
/// default of writing warnings to stderr, messages printed on a thread inside
/// `capture` are collected and returned, so a caller can attach them to a
/// `BPFError` and print nothing when the operation succeeds. Messages outside a
/// capture are dropped. With `KSPY_LIBBPF_DEBUG=1` in the environment every message,
/// debug level included, also goes to stderr.
public enum BPFLibraryLog {
    /// Per capturing thread (pthread_self), the messages so far.
    private static let captures = Mutex([UInt: [String]]())
    private static let verbose = getenv("KSPY_LIBBPF_DEBUG").map { String(cString: $0) == "1" } ?? false
    private static let installOnce: Void = {
        _ = libbpf_set_print(BPFLibraryLog.printCallback)
    }()

    /// Installs the print function (idempotent; process-wide, as libbpf's is).
    public static func install() { _ = installOnce }

    /// Runs `body`, returning its result and libbpf's warning and info messages
    /// printed on this thread meanwhile.
    public static func capture<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> (T, [String]) {
        install()
        let thread = UInt(pthread_self())
        captures.withLock { $0[thread] = [] }
        let result: T
        do {
            result = try body()
        } catch {
            _ = captures.withLock { $0.removeValue(forKey: thread) }
            throw error
        }
        let lines = captures.withLock { $0.removeValue(forKey: thread) } ?? []
        return (result, lines)
    }

    /// `libbpf_print_fn_t`: formats the message and files it under the calling thread.
    private static let printCallback: libbpf_print_fn_t = { level, format, arguments in
        guard let format, let arguments else { return 0 }
        var buffer = [CChar](repeating: 0, count: 1024)
        let written = buffer.withUnsafeMutableBufferPointer { vsnprintf($0.baseAddress, $0.count, format, arguments) }
        guard written >= 0 else { return 0 }
        let message = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        if BPFLibraryLog.verbose {
            let line = "libbpf: " + message
            _ = line.withCString { write(STDERR_FILENO, $0, strlen($0)) }
        }
        guard level != LIBBPF_DEBUG else { return Int32(written) }
        let thread = UInt(pthread_self())
        BPFLibraryLog.captures.withLock { state in
            guard state[thread] != nil else { return }
            // The verifier log comes as one long message: keep its lines apart.
            for line in message.split(separator: "\n", omittingEmptySubsequences: true) {
                state[thread]?.append(String(line))
            }
            // Bound a runaway log (a verifier log can be megabytes): keep the tail.
            if let count = state[thread]?.count, count > 400 {
                state[thread]?.removeFirst(count - 400)
            }
        }
        return Int32(written)
    }
}
