import Foundation
import Glibc
import KspyKernel
import Testing
import KspyTestSupport

/// `kspy exec` end to end against a real test pod: the namespaces, cgroup, fds and
/// exit status the command really gets, and the one-line errors.
@Suite(.serialized) struct ExecCLITests {
    let tag = String(UInt32.random(in: 0...UInt32.max), radix: 16)
    var stateDir: String { "/tmp/kspy-exec-test-\(tag)" }
    var testpod: [String] {
        [
            "--state-dir", stateDir, "--cgroup-root", "kspy-exec-\(tag)/kubepods", "--bridge", "ke\(tag.prefix(8))",
            "--pod-cidr", "10.252.\(Int(tag.prefix(2), radix: 16) ?? 9).0/24",
        ]
    }
    var discovery: [String] { ["--kspy-state", stateDir] }

    private var manifest: String {
        """
        apiVersion: v1
        kind: Pod
        metadata: {name: shell, namespace: exec}
        spec:
          hostname: inside
          restartPolicy: Never
          terminationGracePeriodSeconds: 1
          containers:
            - name: main
              image: \(TestPodCLITests.image)
              command: ["sleep", "3600"]
              env: [{name: GREETING, value: hello}]
            - name: done
              image: \(TestPodCLITests.image)
              command: ["true"]
        """
    }

    /// Applies the pod and returns its `testpod list` record.
    private func start() throws -> [String: Any] {
        let applied = try CLIRunner.run(["testpod", "apply", "-f", "-"] + testpod, stdin: manifest)
        try #require(applied.status == 0, "\(applied.stderr)")
        let listed = try CLIRunner.run(["testpod", "list", "-o", "json"] + testpod)
        let pods = try #require(try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]])
        return try #require(pods.first)
    }

    private func tearDown() {
        _ = try? CLIRunner.run(["testpod", "delete", "--all"] + testpod)
        try? FileManager.default.removeItem(atPath: stateDir)
    }

    private func exec(_ arguments: [String], _ command: String...) throws -> CLIRunner.Result {
        try CLIRunner.run(["exec", "exec/shell"] + arguments + discovery + ["--"] + command)
    }

    private func inode(_ path: String) throws -> String { String(try NamespaceID.of(path: path).inode) }

    @Test func runsInsideThePod() throws {
        guard requireRoot() else { return }
        defer { tearDown() }
        let pod = try start()
        let pausePID = try #require(pod["pausePID"] as? Int)
        let containers = try #require(pod["containers"] as? [[String: Any]])
        let main = try #require(containers.first { $0["name"] as? String == "main" })

        let hostname = try exec([], "hostname")
        #expect(hostname.status == 0, "\(hostname.stderr)")
        #expect(hostname.stdout == "inside\n")

        let net = try exec(["-c", "main"], "readlink", "/proc/self/ns/net")
        #expect(net.stdout == "net:[\(try inode("/proc/\(pausePID)/ns/net"))]\n")
        let env = try exec(["--env-from-target", "--env", "EXTRA=1"], "sh", "-c", "echo $GREETING $EXTRA")
        #expect(env.stdout == "hello 1\n")

        // --ns net: the pod's eth0 with the host's filesystem and mount namespace.
        let podIP = try #require(pod["podIP"] as? String)
        let onlyNet = try exec(["--ns", "net"], "sh", "-c", "ip -4 -o addr show eth0; readlink /proc/self/ns/mnt")
        #expect(onlyNet.status == 0, "\(onlyNet.stderr)")
        #expect(onlyNet.stdout.contains("inet \(podIP)/"))
        #expect(onlyNet.stdout.hasSuffix("mnt:[\(try inode("/proc/self/ns/mnt"))]\n"))

        // Nothing of kspy's leaks: only 0, 1, 2 and ls's own directory fd.
        let fds = try exec([], "ls", "/proc/self/fd")
        let listed = Set(fds.stdout.split(separator: "\n").map(String.init))
        #expect(listed.isSubset(of: ["0", "1", "2", "3"]) && listed.isSuperset(of: ["0", "1", "2"]), "\(listed)")

        #expect(try exec([], "sh", "-c", "exit 42").status == 42)
        #expect(try exec([], "sh", "-c", "kill -9 $$").status == 137)

        // The container's cgroup with the default --cgroup, not with --no-cgroup.
        let containerCgroup = try #require(main["cgroupPath"] as? String)
        // In every hierarchy: v1 through `tasks`, the unified one by clone3 CLONE_INTO_CGROUP.
        let inside = try exec([], "cat", "/proc/self/cgroup")
        #expect(inside.stdout.contains(":memory:\(containerCgroup)\n"), "\(inside.stdout)")
        let insideLines = inside.stdout.split(separator: "\n")
        #expect(insideLines.count == (try String(contentsOfFile: "/proc/self/cgroup", encoding: .utf8)).split(separator: "\n").count)
        #expect(insideLines.allSatisfy { $0.hasSuffix(":" + containerCgroup) }, "\(inside.stdout)")
        let outside = try exec(["--no-cgroup"], "cat", "/proc/self/cgroup")
        #expect(outside.status == 0)
        #expect(!outside.stdout.contains(containerCgroup))
    }

    @Test func errorsAreOneLine() throws {
        guard requireRoot() else { return }
        defer { tearDown() }
        _ = try start()
        func oneLine(_ result: CLIRunner.Result, _ text: String) {
            #expect(result.status != 0)
            #expect(result.stderr.contains(text), "\(result.stderr)")
            #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
        }
        oneLine(
            try CLIRunner.run(["exec", "nosuch"] + discovery + ["--", "true"]), "pod \"nosuch\" not found on this node")
        oneLine(try exec(["-c", "web"], "true"), "container \"web\" not found in pod exec/shell (containers: done, main)")
        oneLine(try exec([], "no-such-command"), "command \"no-such-command\" not found in the target's root")
        // `done` ran `true` and exited (restartPolicy Never).
        var exited: CLIRunner.Result
        let deadline = Date().addingTimeInterval(10)
        repeat {
            exited = try exec(["-c", "done"], "true")
            if exited.stderr.contains("is not running") || Date() > deadline { break }
            usleep(200_000)
        } while true
        oneLine(exited, "container \"done\" of pod exec/shell is not running")
    }
}
