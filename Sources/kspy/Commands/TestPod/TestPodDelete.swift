import ArgumentParser
import KspyRuntime

/// `kspy testpod delete POD` / `--all`.
struct TestPodDelete: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete",
        abstract: "Stop a test pod and remove everything it used.",
        discussion: "POD is a UID, a unique UID prefix, namespace/name or a unique name. Containers get SIGTERM, the grace period, then SIGKILL; cgroups, mounts and state are removed, also for pods whose apply or supervisor crashed.")

    @Argument(help: "The pod to delete.")
    var pods: [String] = []

    @Flag(name: .long, help: "Delete every test pod.")
    var all = false

    @OptionGroup var runtimeOptions: TestPodRuntimeOptions

    func validate() throws {
        if all == !pods.isEmpty { throw ValidationError("name a pod to delete, or use --all") }
    }

    func run() throws {
        let runtime = runtimeOptions.runtime()
        if all {
            for uid in try runtime.deleteAll() { Renderer.write("pod \(uid) deleted\n") }
            return
        }
        for pod in pods {
            let uid = try runtime.delete(pod)
            Renderer.write("pod \(pod) deleted (uid \(uid))\n")
        }
    }
}
