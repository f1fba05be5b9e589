import ArgumentParser
import Foundation
import KspyKernel
import KspyRuntime

/// `kspy demo`: a newcomer's first look — creates a test pod, shows what it is made of
/// in the kernel, deletes it.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Create a test pod, show its pause process, namespaces and cgroups, delete it.")

    @Option(name: [.customShort("f"), .customLong("filename")], help: "The demo manifest.", completion: .file())
    var file: String = "examples/demo-pod.yaml"

    @Option(name: .customLong("image-dir"), help: "Where to build the busybox image the manifest names.")
    var imageDirectory: String = "/var/lib/kspy/images/busybox"

    @OptionGroup var runtimeOptions: TestPodRuntimeOptions

    func run() throws {
        try BusyboxImage(directory: imageDirectory).prepare()
        let runtime = runtimeOptions.runtime()
        let applied = try runtime.apply(manifestText: try ManifestInput.read(file))
        let state = applied.state
        defer {
            do {
                try runtime.delete(state.uid)
                try runtime.removeNetworkIfUnused()
                Renderer.write("\n$ kspy testpod delete \(state.name)\npod \(state.namespace)/\(state.name) deleted\n")
            } catch {
                Renderer.warn("error: deleting the demo pod: \(error)")
            }
        }
        Renderer.write("$ kspy testpod list\n")
        Renderer.write(TestPodList.table(runtime.list(), wide: false).render())
        guard let pausePID = state.pausePID else { throw CLIError("the demo pod has no pause process") }

        Renderer.write("\npause process: PID \(pausePID) (comm \((try? SystemFile.readTrimmed("/proc/\(pausePID)/comm")) ?? "?"))\n")
        var namespaces = Table(headers: ["NAMESPACE", "PAUSE INODE"] + state.containers.map { $0.name.uppercased() })
        for kind in NamespaceKind.allCases {
            guard let pauseID = try? NamespaceID.of(pid: pausePID, kind) else { continue }
            var row = [kind.rawValue, String(pauseID.inode)]
            for container in state.containers {
                guard let pid = container.pid, let id = try? NamespaceID.of(pid: pid, kind) else {
                    row.append("-")
                    continue
                }
                row.append(id == pauseID ? "shared" : String(id.inode))
            }
            namespaces.rows.append(row)
        }
        Renderer.write(namespaces.render())

        Renderer.write("\ncgroups (/proc/<pid>/cgroup, memory hierarchy):\n")
        var cgroups = Table(headers: ["PROCESS", "PID", "CGROUP"])
        let processes = [("pause", pausePID)] + state.containers.compactMap { c in c.pid.map { (c.name, $0) } }
        for (name, pid) in processes {
            let lines = ((try? SystemFile.read("/proc/\(pid)/cgroup")) ?? "").split(separator: "\n")
            let memory = lines.first { $0.split(separator: ":", maxSplits: 2).dropFirst().first == "memory" }
                ?? lines.first { $0.hasPrefix("0::") }
            cgroups.rows.append([name, String(pid), memory.map { String($0.split(separator: ":", maxSplits: 2).last ?? "") } ?? "?"])
        }
        Renderer.write(cgroups.render())
    }
}
