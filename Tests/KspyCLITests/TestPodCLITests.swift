import Foundation
import Glibc
import KspyKernel
import KspyRuntime
import Testing
import KspyTestSupport

/// `kspy testpod` end to end through the binary: the JSON contract checked against
/// what the kernel shows, and one-line errors with a non-zero exit.
@Suite(.serialized) struct TestPodCLITests {
    let stateDir = "/tmp/kspy-cli-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    var cgroupRoot: String { "kspy-cli-\(stateDir.split(separator: "-").last ?? "x")/kubepods" }
    var common: [String] { ["--state-dir", stateDir, "--cgroup-root", cgroupRoot] }

    /// The busybox image shared with the runtime tests, built once per process.
    static let image: String = {
        let directory = "/tmp/kspy-test-image"
        try? BusyboxImage(directory: directory).prepare()
        return directory
    }()

    private func manifest(_ name: String) -> String {
        """
        apiVersion: v1
        kind: Pod
        metadata: {name: \(name), namespace: cli, labels: {app: x}}
        spec:
          terminationGracePeriodSeconds: 1
          nodeSelector: {disk: ssd}
          containers:
            - name: main
              image: \(Self.image)
              command: ["sleep", "3600"]
              resources: {limits: {cpu: 250m, memory: 48Mi}}
        """
    }

    private func tearDown() {
        _ = try? CLIRunner.run(["testpod", "delete", "--all"] + common)
        _ = try? CLIRunner.run(["testpod", "delete", "--all", "--state-dir", stateDir])
        try? FileManager.default.removeItem(atPath: stateDir)
    }

    @Test func listJSONMatchesTheKernel() throws {
        guard requireRoot() else { return }
        defer { tearDown() }
        let applied = try CLIRunner.run(["testpod", "apply", "-f", "-"] + common, stdin: manifest("json"))
        #expect(applied.status == 0, "\(applied.stderr)")
        #expect(applied.stderr.contains("warning: spec.nodeSelector: not supported by kspy test pods; ignored"))

        let listed = try CLIRunner.run(["testpod", "list", "-o", "json"] + common)
        #expect(listed.status == 0)
        let pods = try #require(try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]])
        #expect(pods.count == 1)
        let pod = try #require(pods.first)
        for key in ["uid", "name", "namespace", "qosClass", "pausePID", "cgroupDriver", "cgroupParent", "containers"] {
            #expect(pod[key] != nil, "missing key \(key)")
        }
        #expect(pod["name"] as? String == "json")
        #expect(pod["namespace"] as? String == "cli")
        #expect(pod["qosClass"] as? String == "Guaranteed")
        #expect(pod["cgroupDriver"] as? String == "cgroupfs")
        let uid = try #require(pod["uid"] as? String)
        #expect(pod["cgroupParent"] as? String == "/\(cgroupRoot)/pod\(uid)")
        let pausePID = try #require(pod["pausePID"] as? Int)
        #expect(try SystemFile.readTrimmed("/proc/\(pausePID)/comm") == "pause")
        let containers = try #require(pod["containers"] as? [[String: Any]])
        let container = try #require(containers.first)
        for key in ["name", "id", "pid", "state", "restartCount"] {
            #expect(container[key] != nil, "missing container key \(key)")
        }
        #expect(container["state"] as? String == "running")
        #expect(container["restartCount"] as? Int == 0)
        let pid = try #require(container["pid"] as? Int)
        let id = try #require(container["id"] as? String)
        let cgroup = try SystemFile.read("/proc/\(pid)/cgroup")
        #expect(cgroup.contains("/\(cgroupRoot)/pod\(uid)/\(id)\n"))
        #expect(try NamespaceID.of(pid: Int32(pid), .net) == NamespaceID.of(pid: Int32(pausePID), .net))

        // YAML carries the same document.
        let yaml = try CLIRunner.run(["testpod", "list", "-o", "yaml"] + common)
        #expect(yaml.stdout.contains("pausePID: \(pausePID)"))
        // The table names the pod.
        let table = try CLIRunner.run(["testpod", "list"] + common)
        #expect(table.stdout.split(separator: "\n").first?.hasPrefix("NAMESPACE") == true)
        #expect(table.stdout.contains("json"))

        let deleted = try CLIRunner.run(["testpod", "delete", "cli/json"] + common)
        #expect(deleted.status == 0)
        let after = try CLIRunner.run(["testpod", "list", "-o", "json"] + common)
        #expect(after.stdout == "[]\n")
    }

    @Test func errorsAreOneLineWithNonZeroExit() throws {
        guard requireRoot() else { return }
        defer { tearDown() }
        let cases: [([String], String, String)] = [
            (["testpod", "delete", "nosuch"] + common, "", "Error: test pod \"nosuch\" not found (looked in \(stateDir))"),
            (
                ["testpod", "apply", "-f", "-"] + common,
                "metadata: {name: x}\nspec:\n  containers: [{name: c, image: /tmp, resources: {limits: {memory: 12XB}}}]\n",
                "Error: spec.containers[0].resources.limits.memory: \"12XB\" is not a valid quantity"
            ),
            (["testpod", "apply", "-f", "/nonexistent.yaml"] + common, "", "Error: cannot read manifest /nonexistent.yaml: no such file or not readable"),
            (["testpod", "apply", "-f", "-"] + common, "{{{", "Error: manifest:"),
        ]
        for (arguments, input, expected) in cases {
            let result = try CLIRunner.run(arguments, stdin: input)
            #expect(result.status != 0, "\(arguments)")
            let lines = result.stderr.split(separator: "\n", omittingEmptySubsequences: true)
            #expect(lines.count == 1, "stderr: \(result.stderr)")
            #expect(lines.first.map { $0.hasPrefix(expected) } == true, "stderr: \(result.stderr)")
        }
    }
}
