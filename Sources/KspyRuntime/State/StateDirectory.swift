import Foundation
import Glibc
import KspyKernel

/// The on-disk layout of kspy's test pods (default `/run/kspy`, a tmpfs: nothing
/// survives a reboot, like the runtimes' own `/run` state):
///
///     <root>/lock                         flock(2) held while pods are created/removed
///     <root>/pods/<uid>/pod.json          `PodState`
///     <root>/pods/<uid>/manifest.json     the validated manifest
///     <root>/pods/<uid>/supervisor.log    the supervisor's own diagnostics
///     <root>/pods/<uid>/supervisor.pid    its PID and start time
///     <root>/pods/<uid>/containers/<name>/{rootfs,upper,work}   overlay root
///     <root>/pods/<uid>/containers/<name>/<restart>.log        stdout+stderr
///     <root>/pods/<uid>/volumes/kubernetes.io~empty-dir/<name>
///                                         emptyDir volumes (tmpfs for medium Memory)
///     <root>/pods/<uid>/etc-hosts, hostname                 bound into containers
public struct StateDirectory: Sendable {
    /// The root directory.
    public let root: String

    /// The default root, `/run/kspy`.
    public static let defaultRoot = "/run/kspy"

    /// A state directory at `root` (not created until needed).
    public init(root: String = StateDirectory.defaultRoot) {
        var trimmed = root
        while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed.removeLast() }
        self.root = trimmed
    }

    /// `<root>/pods`.
    public var podsDirectory: String { root + "/pods" }

    /// The directory of pod `uid`.
    public func podDirectory(_ uid: String) -> String { podsDirectory + "/" + uid }

    /// `pod.json` of pod `uid`.
    public func stateFile(_ uid: String) -> String { podDirectory(uid) + "/pod.json" }

    /// `<pid> <start time>` of pod `uid`'s supervisor, written by apply.
    public func supervisorFile(_ uid: String) -> String { podDirectory(uid) + "/supervisor.pid" }

    /// The validated manifest of pod `uid`.
    public func manifestFile(_ uid: String) -> String { podDirectory(uid) + "/manifest.json" }

    /// The directory of container `name` of pod `uid`.
    public func containerDirectory(_ uid: String, _ name: String) -> String {
        podDirectory(uid) + "/containers/" + name
    }

    /// The directory backing emptyDir volume `name` of pod `uid`, laid out like
    /// kubelet's `/var/lib/kubelet/pods/<uid>/volumes/kubernetes.io~empty-dir/<name>`
    /// (plugin name with `/` escaped as `~`) so discovery maps it back the same way.
    public func volumeDirectory(_ uid: String, _ name: String) -> String {
        podDirectory(uid) + "/volumes/kubernetes.io~empty-dir/" + name
    }

    /// Runs `body` holding an exclusive flock(2) on `<root>/lock`, so concurrent
    /// `apply`/`delete` calls see each other's pods (and later, IP allocations).
    public func withLock<T>(_ body: () throws -> T) throws -> T {
        try SystemFile.makeDirectories(root, mode: 0o700)
        return try FileLock.withExclusiveLock(root + "/lock", body)
    }

    /// UIDs of the pods that have a directory here (readable state or not).
    public func podUIDs() -> [String] {
        ((try? SystemFile.listDirectory(podsDirectory)) ?? []).sorted()
    }

    /// Reads the state of pod `uid`.
    public func readState(_ uid: String) throws -> PodState {
        let bytes = try SystemFile.readBytes(stateFile(uid))
        do {
            return try JSONDecoder().decode(PodState.self, from: Data(bytes))
        } catch {
            throw RuntimeError.corruptState(path: stateFile(uid), reason: "\(error)")
        }
    }

    /// Writes the state of a pod atomically (readers see the old or the new file).
    public func writeState(_ state: PodState) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data = try encoder.encode(state)
        try SystemFile.writeAtomically(Array(data), to: stateFile(state.uid))
    }

    /// Every pod whose state file can be read, sorted by namespace and name.
    public func readAllStates() -> [PodState] {
        podUIDs().compactMap { try? readState($0) }.sorted {
            ($0.namespace, $0.name) < ($1.namespace, $1.name)
        }
    }
}
