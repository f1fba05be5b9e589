import ArgumentParser
import Foundation
import KspyRuntime

/// The per-pod supervisor process `apply` starts (not for people to run).
struct TestPodSupervise: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "supervise",
        abstract: "Run a test pod's supervisor (started by apply).",
        shouldDisplay: false)

    @Option(name: .customLong("state-dir")) var stateDirectory: String
    @Option(name: .customLong("uid")) var uid: String

    func run() throws {
        let code = PodSupervisor.run(stateDirectory: stateDirectory, uid: uid)
        if code != 0 { throw ExitCode(code) }
    }
}
