import Foundation
import KspyKernel

/// Finds containerd state roots from the live process tree, so nodes that keep them
/// elsewhere (k3s and rke2: `/run/k3s/containerd`, microk8s: under its snap) need no
/// flag. containerd's runtime shim (`containerd-shim-runc-v2 -namespace k8s.io -id <id>
/// -address …`) parents a pod's processes and runs with the sandbox's bundle directory
/// `<state>/io.containerd.runtime.v2.task/<namespace>/<id>` as its working directory
/// (runtimes.md §3.1; containerd's shim manager starts the shim in the bundle).
public enum ContainerdShimLocator {
    /// The path segment every containerd v2 task bundle lives under.
    static let taskDirectory = "/io.containerd.runtime.v2.task/"

    /// The state roots named by the working directories of the parents of pod
    /// processes (the shims), in first-seen order, as paths the reader can open: the
    /// working directory is a path in the shim's mount namespace (containerd may run in
    /// its own, as in kind), so it is reached through the shim's root,
    /// `<procRoot>/<shim>/root<state>` (proc(5): /proc/<pid>/root is the process's root
    /// seen from any mount namespace). Parents inside pods are skipped; unreadable
    /// working directories are ignored.
    public static func stateDirectories(processes: [ProcessRecord], procRoot: String = "/proc") -> [String] {
        let podPIDs = Set(processes.lazy.filter { $0.attribution != nil }.map(\.pid))
        var seenParents: Set<Int32> = []
        var roots: [String] = []
        for process in processes where process.attribution != nil {
            let parent = process.ppid
            guard parent > 1, !podPIDs.contains(parent), seenParents.insert(parent).inserted else { continue }
            guard let directory = try? ProcessDirectory(pid: parent, procRoot: procRoot),
                let cwd = try? directory.readLink("cwd"), let root = stateDirectory(ofBundle: cwd)
            else { continue }
            let reachable = procRoot + "/" + String(parent) + "/root" + root
            if !roots.contains(reachable) { roots.append(reachable) }
        }
        return roots
    }

    /// The state root of a bundle directory `<state>/io.containerd.runtime.v2.task/<ns>/<id>`,
    /// else nil.
    public static func stateDirectory(ofBundle path: String) -> String? {
        guard let range = path.range(of: taskDirectory, options: .backwards) else { return nil }
        let tail = path[range.upperBound...].split(separator: "/")
        guard tail.count == 2, !path[..<range.lowerBound].isEmpty else { return nil }
        return String(path[..<range.lowerBound])
    }
}
