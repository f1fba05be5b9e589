import KspyKernel

/// A temporary directory tree standing for a host root in the metadata tests; files are
/// written by the tests from the facts in runtimes.md §3, never copied from a node.
struct ScratchTree {
    /// The tree's root directory.
    let root: String

    /// Creates a fresh directory under /tmp.
    init() throws {
        var generator = SystemRandomNumberGenerator()
        root = "/tmp/kspy-inspect-test-" + String(generator.next() as UInt64, radix: 16)
        try SystemFile.makeDirectories(root)
    }

    /// Writes `text` to `relative` (a host path) under the root, creating parents.
    func write(_ relative: String, _ text: String) throws {
        let path = root + relative
        let parent = String(path[..<(path.lastIndex(of: "/") ?? path.endIndex)])
        try SystemFile.makeDirectories(parent)
        try SystemFile.writeAtomically(Array(text.utf8), to: path)
    }

    /// Creates directory `relative` (a host path) under the root.
    func makeDirectory(_ relative: String) throws {
        try SystemFile.makeDirectories(root + relative)
    }

    /// Removes the tree.
    func remove() {
        try? SystemFile.removeTree(root)
    }
}
