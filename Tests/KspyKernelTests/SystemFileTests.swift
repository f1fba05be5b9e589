import Glibc
import Testing

@testable import KspyKernel

@Suite struct SystemFileTests {
    /// A directory lists its names; a missing path and a file are "no directory" (nil),
    /// where `listDirectory` throws.
    @Test func listingADirectoryThatMayBeMissing() throws {
        var template = Array("/tmp/kspy-list-XXXXXX".utf8CString)
        let directory = try #require(template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }.map { String(cString: $0) })
        defer { _ = try? SystemFile.removeTree(directory) }
        try SystemFile.writeAtomically(Array("x".utf8), to: directory + "/a")
        try SystemFile.makeDirectories(directory + "/b", mode: 0o755)
        #expect(try SystemFile.listDirectoryIfPresent(directory)?.sorted() == ["a", "b"])
        #expect(try SystemFile.listDirectoryIfPresent(directory + "/missing") == nil)
        #expect(try SystemFile.listDirectoryIfPresent(directory + "/a") == nil)
        #expect(throws: KernelError.self) { _ = try SystemFile.listDirectory(directory + "/missing") }
        #expect(try SystemFile.listDirectory(directory).sorted() == ["a", "b"])
    }
}
