import Foundation
import Glibc
import KspyKernel
import Testing

/// Shared helpers of the dataplane tests.
enum DataplaneTest {
    /// True when the test may use root-only kernel features. Without root: a failure
    /// when CI=true (privileged tests must run in CI), otherwise a printed reason and a skip.
    static func requireRoot() -> Bool {
        if geteuid() == 0 { return true }
        if ProcessInfo.processInfo.environment["CI"] == "true" {
            Issue.record("this test needs root, and CI must run it as root")
        } else {
            print("skipped: this test needs root (run as root, or with CI=true to make it fail)")
        }
        return false
    }

    /// The directory of recorded fixtures, `Tests/KspyDataplaneTests/Fixtures/`
    /// (copied from real kernels' recordings; never read from outside the repository).
    static var fixtures: String {
        let file = #filePath
        return String(file[..<(file.lastIndex(of: "/") ?? file.endIndex)]) + "/Fixtures"
    }

    /// The bytes of fixture `relativePath`.
    static func fixture(_ relativePath: String) throws -> [UInt8] {
        try SystemFile.readBytes(fixtures + "/" + relativePath)
    }
}
