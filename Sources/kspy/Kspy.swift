import ArgumentParser

@main
struct Kspy: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kspy",
        abstract: "Inspect and debug a Kubernetes node from the kernel's own state.")
}
