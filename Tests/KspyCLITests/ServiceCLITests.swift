import Foundation
import Glibc
import KspyKernel
import KspyTestSupport
import Testing

/// `kspy svc` and `kspy nat` end to end: kube-proxy-shaped rules loaded into a
/// throw-away network namespace, one endpoint being a real test pod's IP (reported as
/// `local` with that pod), and the IPVS kernel recording through `--from-file`.
@Suite(.serialized) struct ServiceCLITests {
    let tag = String(UInt32.random(in: 0...UInt32.max), radix: 16)
    var stateDir: String { "/tmp/kspy-svc-test-\(tag)" }
    var netnsName: String { "kspy-svc-\(tag)" }
    var testpod: [String] {
        [
            "--state-dir", stateDir, "--cgroup-root", "kspy-svc-\(tag)/kubepods", "--bridge", "ks\(tag.prefix(8))",
            "--pod-cidr", "10.253.\(Int(tag.prefix(2), radix: 16) ?? 3).0/24",
        ]
    }

    private func tearDown() {
        _ = try? CLIRunner.run(["testpod", "delete", "--all"] + testpod)
        try? FileManager.default.removeItem(atPath: stateDir)
        _ = try? Self.run("/usr/sbin/ip", ["netns", "del", netnsName])
    }

    /// Runs a host tool, returning its status.
    @discardableResult
    static func run(_ tool: String, _ arguments: [String], stdin: String = "") throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        let input = Pipe()
        process.standardInput = input
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        input.fileHandleForWriting.write(Data(stdin.utf8))
        try input.fileHandleForWriting.close()
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// The nat rules kube-proxy writes for ClusterIP 10.96.77.7:80 with two endpoints
    /// (probability 0.5 then the rest), per pkg/proxy/iptables/proxier.go.
    private func rules(local: String, remote: String) -> String {
        """
        *nat
        :PREROUTING ACCEPT [0:0]
        :OUTPUT ACCEPT [0:0]
        :KUBE-SERVICES - [0:0]
        :KUBE-MARK-MASQ - [0:0]
        :KUBE-SVC-ABCDEFGHIJKLMNOP - [0:0]
        :KUBE-SEP-AAAAAAAAAAAAAAAA - [0:0]
        :KUBE-SEP-BBBBBBBBBBBBBBBB - [0:0]
        -A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
        -A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
        -A KUBE-MARK-MASQ -j MARK --or-mark 0x4000
        -A KUBE-SERVICES -d 10.96.77.7/32 -p tcp -m comment --comment "shop/web:http cluster IP" -m tcp --dport 80 -j KUBE-SVC-ABCDEFGHIJKLMNOP
        -A KUBE-SVC-ABCDEFGHIJKLMNOP -m comment --comment "shop/web:http -> \(local):8080" -m statistic --mode random --probability 0.5000000000 -j KUBE-SEP-AAAAAAAAAAAAAAAA
        -A KUBE-SVC-ABCDEFGHIJKLMNOP -m comment --comment "shop/web:http -> \(remote):8080" -j KUBE-SEP-BBBBBBBBBBBBBBBB
        -A KUBE-SEP-AAAAAAAAAAAAAAAA -s \(local)/32 -m comment --comment "shop/web:http" -j KUBE-MARK-MASQ
        -A KUBE-SEP-AAAAAAAAAAAAAAAA -p tcp -m comment --comment "shop/web:http" -m tcp -j DNAT --to-destination \(local):8080
        -A KUBE-SEP-BBBBBBBBBBBBBBBB -s \(remote)/32 -m comment --comment "shop/web:http" -j KUBE-MARK-MASQ
        -A KUBE-SEP-BBBBBBBBBBBBBBBB -p tcp -m comment --comment "shop/web:http" -m tcp -j DNAT --to-destination \(remote):8080
        COMMIT

        """
    }

    /// The same service as kube-proxy's nftables mode writes it (dataplanes.md §2).
    private func nftRules(local: String, remote: String) -> String {
        """
        table ip kube-proxy {
            map service-ips {
                type ipv4_addr . inet_proto . inet_service : verdict
                elements = { 10.96.77.7 . tcp . 80 : goto service-ABCDEFGH-shop/web/tcp/http }
            }
            chain mark-for-masquerade {
                mark set mark or 0x4000
            }
            chain services {
                ip daddr . meta l4proto . th dport vmap @service-ips
            }
            chain nat-prerouting {
                type nat hook prerouting priority dstnat; policy accept;
                jump services
            }
            chain service-ABCDEFGH-shop/web/tcp/http {
                ip daddr 10.96.77.7 tcp dport 80 ip saddr != 10.0.0.0/8 jump mark-for-masquerade
                numgen random mod 2 vmap { 0 : goto endpoint-AAAAAAAA-shop/web/tcp/http__\(local)/8080, 1 : goto endpoint-BBBBBBBB-shop/web/tcp/http__\(remote)/8080 }
            }
            chain endpoint-AAAAAAAA-shop/web/tcp/http__\(local)/8080 {
                ip saddr \(local) jump mark-for-masquerade
                meta l4proto tcp dnat to \(local):8080
            }
            chain endpoint-BBBBBBBB-shop/web/tcp/http__\(remote)/8080 {
                ip saddr \(remote) jump mark-for-masquerade
                meta l4proto tcp dnat to \(remote):8080
            }
        }

        """
    }

    @Test(arguments: ["iptables-nft-restore", "iptables-legacy-restore", "nft"]) func localEndpointIsThePod(restore: String)
        throws
    {
        guard requireRoot() else { return }
        defer { tearDown() }
        let applied = try CLIRunner.run(
            ["testpod", "apply", "-f", "-"] + testpod,
            stdin: """
                apiVersion: v1
                kind: Pod
                metadata: {name: web, namespace: shop}
                spec:
                  terminationGracePeriodSeconds: 1
                  containers: [{name: app, image: \(TestPodCLITests.image), command: ["sleep", "3600"]}]
                """)
        try #require(applied.status == 0, "\(applied.stderr)")
        let listed = try CLIRunner.run(["testpod", "list", "-o", "json"] + testpod)
        let pod = try #require((try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]])?.first)
        let podIP = try #require(pod["podIP"] as? String)
        let remote = "10.99.1.2"

        try #require(try Self.run("/usr/sbin/ip", ["netns", "add", netnsName]) == 0)
        let mode = restore == "nft" ? "nftables" : "iptables"
        let loader = restore == "nft" ? ["/usr/sbin/nft", "-f", "-"] : ["/usr/sbin/\(restore)"]
        let text = restore == "nft" ? nftRules(local: podIP, remote: remote) : rules(local: podIP, remote: remote)
        try #require(try Self.run("/usr/sbin/ip", ["netns", "exec", netnsName] + loader, stdin: text) == 0)
        let netns = "/run/netns/\(netnsName)"

        let svc = try CLIRunner.run(["svc", "--mode", mode, "--netns", netns, "-o", "json", "--kspy-state", stateDir])
        #expect(svc.status == 0, "\(svc.stderr)")
        let frontends = try #require(try JSONSerialization.jsonObject(with: Data(svc.stdout.utf8)) as? [[String: Any]])
        try #require(frontends.count == 1, "\(svc.stdout)")
        let frontend = frontends[0]
        #expect(frontend["vip"] as? String == "10.96.77.7")
        #expect(frontend["port"] as? Int == 80)
        #expect(frontend["protocol"] as? String == "tcp")
        #expect(frontend["kind"] as? String == "clusterIP")
        #expect(frontend["name"] as? String == "shop/web:http")
        #expect(frontend["mode"] as? String == mode)
        let endpoints = try #require(frontend["endpoints"] as? [[String: Any]])
        let mine = try #require(endpoints.first { $0["ip"] as? String == podIP })
        let other = try #require(endpoints.first { $0["ip"] as? String == remote })
        #expect(abs((mine["weight"] as? Double ?? 0) - 0.5) < 1e-6)
        #expect(abs((other["weight"] as? Double ?? 0) - 0.5) < 1e-6)
        let local = try #require(mine["local"] as? [String: Any])
        #expect(local["podUID"] as? String == pod["uid"] as? String)
        #expect(local["podName"] as? String == "web")
        #expect(local["podNamespace"] as? String == "shop")
        #expect(other["local"] is NSNull)

        // By selector, and (iptables) the nat chain path in JSON.
        let byName = try CLIRunner.run(["svc", "shop/web", "--mode", mode, "--netns", netns, "--kspy-state", stateDir])
        #expect(byName.stdout.contains("10.96.77.7:80/tcp") && byName.stdout.contains("(shop/web)"), "\(byName.stdout)")
        guard mode == "iptables" else { return }
        let nat = try CLIRunner.run(["nat", "10.96.77.7:80", "--netns", netns, "-o", "json"])
        #expect(nat.status == 0, "\(nat.stderr)")
        let paths = try #require(try JSONSerialization.jsonObject(with: Data(nat.stdout.utf8)) as? [[String: Any]])
        #expect(paths.count == 1)
        let steps = paths.first?["steps"] as? [[String: Any]] ?? []
        #expect(steps.contains { ($0["words"] as? String)?.contains("DNAT to \(podIP):8080") == true })
        #expect(steps.first?["chain"] as? String == "KUBE-SERVICES")
    }

    @Test func ipvsRecordingFromFile() throws {
        let file = #filePath.replacingOccurrences(
            of: "KspyCLITests/ServiceCLITests.swift", with: "KspyDataplaneTests/Fixtures/ipvs/proc-net-ip_vs.txt")
        let result = try CLIRunner.run(["svc", "--mode", "ipvs", "--from-file", file, "10.96.0.10:53/udp", "-o", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        let frontends = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
        try #require(frontends.count == 1, "\(result.stdout)")
        let weights = (frontends[0]["endpoints"] as? [[String: Any]] ?? []).map { ($0["ip"] as? String ?? "", $0["weight"] as? Double ?? -1) }
        #expect(weights.count == 2)
        #expect(weights.contains { $0.0 == "10.244.1.5" && abs($0.1 - 0.75) < 1e-9 })
        #expect(weights.contains { $0.0 == "10.244.2.7" && abs($0.1 - 0.25) < 1e-9 })

        let garbage = try CLIRunner.run(["svc", "--mode", "ipvs", "--from-file", "/etc/hostname"])
        #expect(garbage.status != 0)
        #expect(garbage.stderr.split(separator: "\n").count == 1, "\(garbage.stderr)")
        let missing = try CLIRunner.run(["svc", "--from-file", file])
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("--from-file needs --mode"))
    }
}
