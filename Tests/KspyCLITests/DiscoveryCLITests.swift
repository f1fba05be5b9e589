import Foundation
import Glibc
import KspyKernel
import KspyRuntime
import Testing
import KspyTestSupport

/// `kspy ps`, `pid`, `pods`, `pod` and `ns` end to end through the binary, against kspy
/// test pods under both cgroup drivers: every JSON contract key is checked against what
/// the kernel shows (/proc/<pid>/ns, /proc/<pid>/cgroup, cgroupfs, rtnetlink via the
/// runtime's own records).
@Suite(.serialized) struct DiscoveryCLITests {
    let tag = String(UInt32.random(in: 0...UInt32.max), radix: 16)
    var stateDir: String { "/tmp/kspy-disc-test-\(tag)" }
    var cgroupRoot: String { "kspy-disc-\(tag)/kubepods" }
    var bridge: String { "kd\(tag.prefix(8))" }
    var hostDirectory: String { "/tmp/kspy-disc-host-\(tag)" }
    /// Options pointing discovery at this test's pods only.
    var discovery: [String] { ["--kspy-state", stateDir] }

    func testpod(_ driver: String) -> [String] {
        [
            "--state-dir", stateDir, "--cgroup-root", cgroupRoot, "--cgroup-driver", driver, "--bridge", bridge,
            "--pod-cidr", "10.251.\(Int(tag.prefix(2), radix: 16) ?? 7).0/24",
        ]
    }

    private func manifest(_ name: String, namespace: String = "disc") -> String {
        """
        apiVersion: v1
        kind: Pod
        metadata:
          name: \(name)
          namespace: \(namespace)
          annotations: {kubernetes.io/config.source: file}
        spec:
          terminationGracePeriodSeconds: 1
          volumes:
            - {name: scratch, emptyDir: {medium: Memory}}
            - {name: data, hostPath: {path: \(hostDirectory), type: DirectoryOrCreate}}
          containers:
            - name: web
              image: \(TestPodCLITests.image)
              command: ["sleep", "3600"]
              resources: {requests: {cpu: 100m}, limits: {cpu: 250m, memory: 48Mi}}
              volumeMounts:
                - {name: scratch, mountPath: /scratch}
                - {name: data, mountPath: /data, readOnly: true}
            - name: sidecar
              image: \(TestPodCLITests.image)
              command: ["sleep", "3600"]
        """
    }

    private func tearDown(_ driver: String) {
        _ = try? CLIRunner.run(["testpod", "delete", "--all"] + testpod(driver))
        try? FileManager.default.removeItem(atPath: stateDir)
        try? FileManager.default.removeItem(atPath: hostDirectory)
    }

    private func json(_ result: CLIRunner.Result) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(result.stdout.utf8))
    }

    /// The runtime's own record of the pod (`kspy testpod list -o json`).
    private func record(_ driver: String) throws -> [String: Any] {
        let listed = try CLIRunner.run(["testpod", "list", "-o", "json"] + testpod(driver))
        let pods = try #require(try json(listed) as? [[String: Any]])
        return try #require(pods.first)
    }

    private func inode(_ pid: Int, _ kind: String) throws -> Int {
        Int(try NamespaceID.of(path: "/proc/\(pid)/ns/\(kind)").inode)
    }

    /// The memory-controller line of /proc/<pid>/cgroup (kubelet's tree on v1).
    private func memoryCgroup(_ pid: Int) throws -> String {
        let entries = try Procfs().cgroups(pid: Int32(pid))
        return try #require(entries.first { $0.controllers.contains("memory") }).path
    }

    @Test(arguments: ["cgroupfs", "systemd"]) func contractsMatchTheKernel(driver: String) throws {
        guard requireRoot() else { return }
        defer { tearDown(driver) }
        let applied = try CLIRunner.run(["testpod", "apply", "-f", "-"] + testpod(driver), stdin: manifest("shop"))
        try #require(applied.status == 0, "\(applied.stderr)")
        let pod = try record(driver)
        let uid = try #require(pod["uid"] as? String)
        let pausePID = try #require(pod["pausePID"] as? Int)
        let containers = try #require(pod["containers"] as? [[String: Any]])
        var containerPIDs: [String: Int] = [:]
        var containerIDs: [String: String] = [:]
        for container in containers {
            let name = try #require(container["name"] as? String)
            containerPIDs[name] = try #require(container["pid"] as? Int)
            containerIDs[name] = try #require(container["id"] as? String)
        }

        // kspy pods
        let pods = try CLIRunner.run(["pods", "-o", "json"] + discovery)
        #expect(pods.status == 0, "\(pods.stderr)")
        let summaries = try #require(try json(pods) as? [[String: Any]])
        let summary = try #require(summaries.first { $0["uid"] as? String == uid })
        #expect(summary["name"] as? String == "shop")
        #expect(summary["namespace"] as? String == "disc")
        #expect(summary["qosClass"] as? String == "Burstable")
        #expect(summary["runtime"] as? String == "kspy")
        #expect(summary["pausePID"] as? Int == pausePID)
        #expect(summary["sandboxID"] as? String == pod["sandboxID"] as? String)
        #expect(summary["podIP"] as? String == pod["podIP"] as? String)
        #expect(summary["containerCount"] as? Int == 2)
        #expect(summary["isStatic"] as? Bool == true)

        // kspy ps --pod
        let ps = try CLIRunner.run(["ps", "--pod", "disc/shop", "-o", "json"] + discovery)
        #expect(ps.status == 0, "\(ps.stderr)")
        let rows = try #require(try json(ps) as? [[String: Any]])
        #expect(Set(rows.compactMap { $0["pid"] as? Int }) == Set([pausePID] + containerPIDs.values))
        for row in rows {
            let pid = try #require(row["pid"] as? Int)
            for key in [
                "pid", "comm", "role", "podUID", "podName", "podNamespace", "containerID", "containerName", "runtime",
                "qosClass", "cgroupPath", "namespaces",
            ] {
                #expect(row.keys.contains(key), "ps row lacks \(key)")
            }
            #expect(row["podUID"] as? String == uid)
            #expect(row["podName"] as? String == "shop")
            #expect(row["qosClass"] as? String == "Burstable")
            #expect(row["cgroupPath"] as? String == (try memoryCgroup(pid)))
            #expect(row["comm"] as? String == (try SystemFile.readTrimmed("/proc/\(pid)/comm")))
            let namespaces = try #require(row["namespaces"] as? [String: [String: Any]])
            for kind in ["net", "ipc", "uts", "mnt", "pid"] {
                #expect(namespaces[kind]?["inode"] as? Int == (try inode(pid, kind)), "\(kind) of \(pid)")
            }
            if pid == pausePID {
                #expect(row["role"] as? String == "pause")
                #expect(row["containerID"] as? String == pod["sandboxID"] as? String)
                #expect(row["containerName"] is NSNull)
            } else {
                let name = try #require(containerPIDs.first { $0.value == pid }?.key)
                #expect(row["role"] as? String == "container")
                #expect(row["containerName"] as? String == name)
                #expect(row["containerID"] as? String == containerIDs[name])
                // App containers join the pause's net/ipc/uts and have their own mnt/pid.
                #expect(namespaces["net"]?["sharedWithPause"] as? Bool == true)
                #expect(namespaces["uts"]?["sharedWithPause"] as? Bool == true)
                #expect(namespaces["mnt"]?["sharedWithPause"] as? Bool == false)
                #expect(namespaces["pid"]?["sharedWithPause"] as? Bool == false)
            }
        }

        // kspy pid, with a host process: null pod fields, role host.
        let webPID = try #require(containerPIDs["web"])
        let pid = try CLIRunner.run(["pid", String(webPID), String(getpid()), "-o", "json"] + discovery)
        #expect(pid.status == 0, "\(pid.stderr)")
        let answers = try #require(try json(pid) as? [[String: Any]])
        #expect(answers.count == 2)
        #expect(answers.first?["containerName"] as? String == "web")
        let host = try #require(answers.last)
        #expect(host["role"] as? String == "host")
        for key in ["podUID", "podName", "podNamespace", "containerID", "containerName", "qosClass"] {
            #expect(host[key] is NSNull, "host \(key) should be null")
        }

        // kspy pod, addressed by a UID prefix.
        let shown = try CLIRunner.run(["pod", String(uid.prefix(8)), "-o", "json"] + discovery)
        #expect(shown.status == 0, "\(shown.stderr)")
        let view = try #require(try json(shown) as? [String: Any])
        #expect(view["uid"] as? String == uid)
        #expect(view["name"] as? String == "shop")
        #expect(view["namespace"] as? String == "disc")
        #expect(view["qosClass"] as? String == "Burstable")
        #expect(view["runtime"] as? String == "kspy")
        #expect(view["sandboxID"] as? String == pod["sandboxID"] as? String)
        #expect(view["isStatic"] as? Bool == true)
        let pause = try #require(view["pause"] as? [String: Any])
        #expect(pause["pid"] as? Int == pausePID)
        #expect(pause["containerID"] as? String == pod["sandboxID"] as? String)
        #expect(pause["parentPID"] as? Int == pod["supervisorPID"] as? Int)
        let podNamespaces = try #require(view["namespaces"] as? [String: [String: Any]])
        #expect(podNamespaces["net"]?["inode"] as? Int == (try inode(pausePID, "net")))
        #expect(Set(podNamespaces["net"]?["sharedBy"] as? [String] ?? []) == ["web", "sidecar"])
        let cgroup = try #require(view["cgroup"] as? [String: Any])
        #expect(cgroup["version"] as? String == "v1")
        #expect(cgroup["driver"] as? String == driver)
        #expect(cgroup["path"] as? String == pod["cgroupParent"] as? String)
        for key in ["memoryLimitBytes", "cpuQuotaMicros", "cpuPeriodMicros", "cpuShares"] {
            #expect(cgroup.keys.contains(key), "pod cgroup lacks \(key)")
        }
        let podCgroupDir = "/sys/fs/cgroup/cpu" + (pod["cgroupParent"] as? String ?? "")
        #expect(cgroup["cpuShares"] as? Int == Int(try SystemFile.readTrimmed(podCgroupDir + "/cpu.shares")))

        let network = try #require(view["network"] as? [String: Any])
        #expect(network["ips"] as? [String] == [pod["podIP"] as? String ?? "?"])
        let interfaces = try #require(network["interfaces"] as? [[String: Any]])
        let eth0 = try #require(interfaces.first { $0["name"] as? String == "eth0" })
        #expect(eth0["hostVeth"] as? String == pod["hostVeth"] as? String)
        #expect(eth0["bridge"] as? String == bridge)
        #expect((eth0["addresses"] as? [String])?.contains("\(pod["podIP"] as? String ?? "?")/24") == true)

        let views = try #require(view["containers"] as? [[String: Any]])
        let web = try #require(views.first { $0["name"] as? String == "web" })
        #expect(web["id"] as? String == containerIDs["web"])
        #expect(web["pids"] as? [Int] == [webPID])
        let webCgroup = try memoryCgroup(webPID)
        #expect(web["cgroupPath"] as? String == webCgroup)
        let limits = try #require(web["limits"] as? [String: Any])
        #expect(limits["memoryLimitBytes"] as? Int == 48 * 1024 * 1024)
        #expect(limits["cpuQuotaMicros"] as? Int == 25000)
        #expect(limits["cpuPeriodMicros"] as? Int == 100000)
        #expect(
            limits["memoryLimitBytes"] as? Int
                == Int(try SystemFile.readTrimmed("/sys/fs/cgroup/memory" + webCgroup + "/memory.limit_in_bytes")))
        let webNamespaces = try #require(web["namespaces"] as? [String: [String: Any]])
        #expect(webNamespaces["mnt"]?["inode"] as? Int == (try inode(webPID, "mnt")))
        #expect(webNamespaces["net"]?["sharedWithPause"] as? Bool == true)
        let security = try #require(web["security"] as? [String: Any])
        let status = try Procfs().status(pid: Int32(webPID))
        #expect(security["uid"] as? Int == status.uid.map { Int($0.effective) })
        #expect(security["capabilities"] as? [String] == status.capEffective.map(Capabilities.names))
        #expect(security["noNewPrivs"] as? Bool == status.noNewPrivs)
        #expect(web["oomScoreAdj"] as? Int == (try Procfs().oomScoreAdj(pid: Int32(webPID))))
        let rootfs = try #require(web["rootfs"] as? [String: Any])
        #expect(rootfs["fsType"] as? String == "overlay")
        #expect(rootfs["lowerDirs"] as? [String] == [TestPodCLITests.image])
        #expect((rootfs["upperDir"] as? String)?.hasPrefix(stateDir) == true)
        let mounts = try #require(web["mounts"] as? [[String: Any]])
        let scratch = try #require(mounts.first { $0["mountPath"] as? String == "/scratch" })
        #expect(scratch["kind"] as? String == "emptyDir")
        #expect(scratch["volumeName"] as? String == "scratch")
        #expect(scratch["medium"] as? String == "Memory")
        #expect(
            scratch["hostPath"] as? String
                == "\(stateDir)/pods/\(uid)/volumes/kubernetes.io~empty-dir/scratch")
        let data = try #require(mounts.first { $0["mountPath"] as? String == "/data" })
        #expect(data["kind"] as? String == "hostPath")
        #expect(data["hostPath"] as? String == hostDirectory)
        #expect(data["readOnly"] as? Bool == true)

        // kspy ns: the pod's net namespace is held by the pause and used by all three.
        let ns = try CLIRunner.run(["ns", "--type", "net", "-o", "json"] + discovery)
        #expect(ns.status == 0, "\(ns.stderr)")
        let namespaces = try #require(try json(ns) as? [[String: Any]])
        let net = try #require(namespaces.first { $0["inode"] as? Int == (try? inode(pausePID, "net")) })
        #expect(net["kind"] as? String == "net")
        #expect(net["holderPID"] as? Int == pausePID)
        #expect(net["processCount"] as? Int == 3)
        #expect(net["owner"] as? String == "pod")
        #expect(net["podUID"] as? String == uid)
        #expect(namespaces.allSatisfy { $0["kind"] as? String == "net" }, "--type net lists only net namespaces")
    }

    @Test func lookupErrorsAreOneLine() throws {
        guard requireRoot() else { return }
        defer { tearDown("cgroupfs") }
        for namespace in ["a", "b"] {
            let applied = try CLIRunner.run(
                ["testpod", "apply", "-f", "-"] + testpod("cgroupfs"), stdin: manifest("twin", namespace: namespace))
            try #require(applied.status == 0, "\(applied.stderr)")
        }
        let ambiguous = try CLIRunner.run(["pod", "twin"] + discovery)
        #expect(ambiguous.status != 0)
        #expect(ambiguous.stderr.contains("pod \"twin\" is ambiguous"))
        #expect(ambiguous.stderr.contains("a/twin") && ambiguous.stderr.contains("b/twin"))
        #expect(ambiguous.stderr.split(separator: "\n").count == 1, "\(ambiguous.stderr)")

        let exact = try CLIRunner.run(["pod", "b/twin", "-o", "json"] + discovery)
        #expect(exact.status == 0)
        #expect((try json(exact) as? [String: Any])?["namespace"] as? String == "b")

        let missing = try CLIRunner.run(["pod", "nosuch"] + discovery)
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("pod \"nosuch\" not found on this node (searched: "))
        #expect(missing.stderr.split(separator: "\n").count == 1, "\(missing.stderr)")

        // One unknown PID: the others are still answered, the exit status is non-zero.
        let gone = try CLIRunner.run(["pid", "4194303", String(getpid()), "-o", "json"] + discovery)
        #expect(gone.status != 0)
        #expect(gone.stderr.contains("pid 4194303: no such process"))
        #expect((try json(gone) as? [[String: Any]])?.first?["pid"] as? Int == Int(getpid()))

        let bad = try CLIRunner.run(["ns", "--type", "bogus"])
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("unknown namespace kind \"bogus\""))
    }
}
