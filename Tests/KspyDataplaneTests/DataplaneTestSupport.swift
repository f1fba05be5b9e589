import Foundation
import Glibc
import KspyKernel
import Testing
import KspyTestSupport

/// Shared helpers of the dataplane tests.
enum DataplaneTest {
    /// `KspyTestSupport.requireRoot` (fails in CI without root, skips elsewhere).
    static func requireRoot(_ test: String = #function) -> Bool { KspyTestSupport.requireRoot(test) }

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
