import KspyKernel

/// The process `kspy exec` enters: a pod's container (its first process) or the
/// pod's pause, held by a pidfd that was opened and then checked against the start
/// time the scan saw, so a PID recycled since the scan is never entered
/// (DESIGN.md "pidfd over PID").
public struct ExecTarget: Sendable {
    /// What to enter.
    public enum Selection: Sendable, Equatable {
        /// An app container by name (or ID); nil: the pod's first app container (the
        /// running one that started first).
        case container(String?)
        /// The pod's sandbox (pause).
        case pause
    }

    /// The pod.
    public let pod: DiscoveredPod
    /// The container (the sandbox for `.pause`).
    public let container: DiscoveredContainer
    /// The target process's PID.
    public let pid: Int32
    /// The pidfd of the verified target.
    public let pidfd: Pidfd
    /// The target's namespaces.
    public let namespaces: [NamespaceKind: NamespaceID]

    /// Resolves `selection` in `pod` and opens the target.
    /// - Throws: `ExecTargetError`.
    public init(pod: DiscoveredPod, selection: Selection, snapshot: NodeSnapshot) throws(ExecTargetError) {
        let chosen: DiscoveredContainer
        switch selection {
        case .pause:
            guard let sandbox = pod.sandbox else { throw .notRunning(target: "the pause of pod \(pod.displayName)") }
            chosen = sandbox
        case .container(let name?):
            guard let match = pod.containers.first(where: { $0.name == name || $0.id == name }) else {
                throw .containerNotFound(
                    name: name, pod: pod.displayName, available: pod.containers.map { $0.name ?? $0.id })
            }
            chosen = match
        case .container(nil):
            // kubectl's default is the first container of the spec; kubelet starts them
            // in spec order, so the running container that started first stands for it.
            // Start times have clock-tick resolution; the lower PID breaks ties.
            func started(_ container: DiscoveredContainer) -> (UInt64, Int32) {
                let pid = container.initPID ?? .max
                return (snapshot.process(pid: pid)?.startTimeTicks ?? .max, pid)
            }
            let running = pod.containers.filter { !$0.pids.isEmpty }
            guard let first = running.min(by: { started($0) < started($1) }) ?? pod.containers.first else {
                throw .noContainers(pod: pod.displayName)
            }
            chosen = first
        }
        let label = chosen.isSandbox ? "the pause of pod \(pod.displayName)" : "container \"\(chosen.name ?? chosen.id)\" of pod \(pod.displayName)"
        guard let pid = chosen.initPID, let record = snapshot.process(pid: pid),
            let opened = LiveProcess.openWithDirectory(pid: pid, startTime: record.startTimeTicks)
        else { throw .notRunning(target: label) }
        self.pod = pod
        container = chosen
        self.pid = pid
        pidfd = opened.pidfd
        directory = opened.directory
        // A scan without namespaces (cheaper) leaves them to be read for the target only.
        if record.namespaces.isEmpty, let read = try? opened.directory.namespaces() {
            namespaces = read
        } else {
            namespaces = record.namespaces
        }
    }

    /// The target's `/proc/<pid>` directory, opened and checked with `pidfd`.
    private let directory: ProcessDirectory

    /// The target's working directory as its mount namespace sees it (the
    /// `/proc/<pid>/cwd` link), or `/` when it cannot be read.
    public func workingDirectory() -> String {
        guard let path = try? directory.readLink("cwd"), path.hasPrefix("/") else { return "/" }
        return path
    }

    /// The target's environment (`/proc/<pid>/environ`), empty when unreadable.
    public func environment(procfs: Procfs = Procfs()) -> [String] {
        (try? procfs.environment(pid: pid)) ?? []
    }
}
