import Glibc
import KspyKernel

/// File access for the metadata readers, relative to a host root so tests (and a debug
/// pod with the host mounted elsewhere) can point them at another tree. Missing
/// directories and files are "no data" (runtimes.md §3: each store exists only on nodes
/// running that runtime).
struct HostFiles: Sendable {
    /// The directory standing for the host's `/`.
    var hostRoot: String

    /// `relative` (an absolute host path) placed under `hostRoot`.
    func path(_ relative: String) -> String {
        var root = hostRoot
        while root.hasSuffix("/") { root.removeLast() }
        let tail = relative.drop(while: { $0 == "/" })
        return root + "/" + String(tail)
    }

    /// The names in directory `path` (already under the root); empty when it does not
    /// exist or is not a directory.
    func list(_ path: String) throws(KernelError) -> [String] {
        (try SystemFile.listDirectoryIfPresent(path) ?? []).sorted()
    }

    /// The JSON file at `path` (already under the root); nil when it is missing,
    /// unreadable or malformed, so one bad entry never hides the others.
    func json(at path: String) -> MetadataJSON? {
        guard let bytes = try? SystemFile.readBytes(path) else { return nil }
        return MetadataJSON.parse(bytes)
    }
}
