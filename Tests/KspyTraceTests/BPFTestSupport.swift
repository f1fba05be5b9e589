import Foundation
import Glibc
import KspyKernel
import KspyTrace
import Testing

/// Helpers of the BPF source tests (names prefixed so they cannot clash with the
/// other trace tests' helpers in this target).
enum BPFTest {

    /// `count` random lowercase hex digits.
    static func randomHex(_ count: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        var text = ""
        while text.count < count {
            let digits = String(generator.next() as UInt64, radix: 16)
            text += String(repeating: "0", count: 16 - digits.count) + digits
        }
        return String(text.prefix(count))
    }

    /// A python3 interpreter to exec directly (its basename becomes the comm).
    static func python() -> String? {
        for candidate in ["/usr/bin/python3", "/usr/local/bin/python3"] where access(candidate, X_OK) == 0 {
            return candidate
        }
        return nil
    }

    /// The inode number of `path`.
    static func inode(_ path: String) -> UInt64? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return UInt64(info.st_ino)
    }

    /// The ids of loaded programs whose name starts with `prefix`.
    static func loadedPrograms(prefix: String) throws -> [BPFProgramInfo] {
        try BPFSystem.programs().filter { $0.name.hasPrefix(prefix) }
    }
}

/// A memory cgroup tree this test owns: `/kspy-bpftest-<hex>` at the top of the
/// memory hierarchy (v1 `memory`, or the unified one when it holds memory), with a
/// pod-like leaf below it whose limit is set. `cleanup()` kills what is inside (only
/// this test's children) and removes the tree bottom-up.
final class BPFTestMemoryCgroup {
    let hierarchy: CgroupHierarchy
    let rootPath: String
    /// The leaf's path from the hierarchy root, e.g.
    /// `/kspy-bpftest-ab12/kubepods/burstable/pod<uid>/<64 hex>`.
    let leafPath: String

    /// Creates the tree with a memory limit of `limitBytes` (and no swap) on the leaf.
    init(limitBytes: Int) throws {
        let system = try CgroupSystem.current()
        guard let memory = system.hierarchy(for: "memory") else {
            throw KernelError("find", "the memory cgroup hierarchy", errno: ENOENT)
        }
        hierarchy = memory
        rootPath = "/kspy-bpftest-" + BPFTest.randomHex(12)
        let pod =
            "pod" + BPFTest.randomHex(8) + "-" + BPFTest.randomHex(4) + "-" + BPFTest.randomHex(4) + "-"
            + BPFTest.randomHex(4) + "-" + BPFTest.randomHex(12)
        leafPath = rootPath + "/kubepods/burstable/" + pod + "/" + BPFTest.randomHex(64)
        let leaf = try Cgroup(path: leafPath, hierarchies: [memory])
        try leaf.create(controllers: ["memory"], ownedRoot: rootPath)
        let directory = self.directory
        if memory.version == .v1 {
            try SystemFile.write(String(limitBytes), to: directory + "/memory.limit_in_bytes")
            if SystemFile.exists(directory + "/memory.swappiness") {
                try SystemFile.write("0", to: directory + "/memory.swappiness")
            }
        } else {
            try SystemFile.write(String(limitBytes), to: directory + "/memory.max")
            if SystemFile.exists(directory + "/memory.swap.max") {
                try SystemFile.write("0", to: directory + "/memory.swap.max")
            }
        }
    }

    /// The leaf's directory.
    var directory: String { hierarchy.directory(for: leafPath) }

    /// Kills what is inside and removes the tree.
    func cleanup() {
        guard let root = try? Cgroup(path: rootPath, hierarchies: [hierarchy]) else { return }
        try? root.killAll(timeoutSeconds: 5)
        do { try root.remove(recursive: true, busyRetrySeconds: 3) } catch {
            Issue.record("could not remove test cgroup \(rootPath): \(error)")
        }
    }
}


