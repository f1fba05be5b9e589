import ArgumentParser
import Foundation
import KspyRuntime

/// `kspy testpod apply -f pod.yaml`.
struct TestPodApply: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply",
        abstract: "Create and start a test pod from a Pod manifest (YAML or JSON).")

    @Option(name: [.customShort("f"), .customLong("filename")], help: "The manifest file, or - for stdin.", completion: .file())
    var file: String

    @OptionGroup var runtimeOptions: TestPodRuntimeOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let text = try ManifestInput.read(file)
        let applied = try runtimeOptions.runtime().apply(manifestText: text)
        for warning in applied.warnings { Renderer.warn("warning: \(warning)") }
        switch output.format {
        case .json, .yaml:
            try Renderer.emit(applied.state, format: output.format) { _ in Table(headers: []) }
        case .table, .wide:
            Renderer.write("pod/\(applied.state.name) created (uid \(applied.state.uid), pause PID \(applied.state.pausePID.map(String.init) ?? "-"))\n")
        }
    }
}

/// Reads a manifest from a file or stdin with a one-line error.
enum ManifestInput {
    static func read(_ path: String) throws -> String {
        if path == "-" {
            return String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CLIError("cannot read manifest \(path): no such file or not readable")
        }
        return String(decoding: data, as: UTF8.self)
    }
}
