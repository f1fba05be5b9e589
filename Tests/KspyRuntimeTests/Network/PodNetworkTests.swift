import Foundation
import Glibc
import KspyKernel
import Testing

@testable import KspyRuntime
import KspyTestSupport

/// Pod networking on the real kernel: bridge, veth, IPAM, reachability. Every test uses
/// its own bridge and /24 (see `TestPodHarness.uniqueNetwork`); all traffic stays
/// between the host and namespaces the test created.
@Suite(.serialized) struct PodNetworkTests {
    private func waitForLog(_ path: String?, containing text: String, timeout: Double = 10) -> String {
        guard let path else { return "" }
        let deadline = Date().addingTimeInterval(timeout)
        var log = ""
        while Date() < deadline {
            log = (try? SystemFile.read(path)) ?? ""
            if log.contains(text) { break }
            usleep(50_000)
        }
        return log
    }

    /// Runs a program (a peer tool) and returns its stdout.
    private func run(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: arguments[0])
        process.arguments = Array(arguments.dropFirst())
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    @Test func podsReachEachOtherAndTheHostReachesAPod() throws {
        guard requireRoot() else { return }
        let harness = TestPodHarness()
        defer { harness.tearDown() }
        let server = try harness.apply(
            """
            metadata: {name: server}
            spec:
              containers:
                - name: nc
                  image: IMAGE
                  command: ["sh", "-c", "while true; do echo pong | nc -l -p 8080; done"]
            """)
        let serverIP = try #require(server.podIP)
        let client = try harness.apply(
            """
            metadata: {name: client}
            spec:
              containers:
                - name: nc
                  image: IMAGE
                  command: ["sh", "-c", "for i in 1 2 3 4 5 6 7 8 9 10; do nc -w 2 $PEER 8080 && break; sleep 0.2; done; sleep 3600"]
                  env: [{name: PEER, value: "\(serverIP)"}]
            """)
        #expect(client.podIP != serverIP)
        let log = waitForLog(client.containers[0].logPath, containing: "pong")
        #expect(log.contains("pong"), "client log: \(log)")
        // The host reaches the pod IP over the bridge.
        var answer = ""
        for _ in 0..<10 where !answer.contains("pong") {
            answer = try run(["/bin/busybox", "nc", "-w", "2", serverIP, "8080"])
        }
        #expect(answer.contains("pong"))
    }

    @Test func eth0HasTheAllocatedAddressAndADefaultRoute() throws {
        guard requireRoot() else { return }
        let network = TestPodHarness.uniqueNetwork()
        let harness = TestPodHarness(network: network)
        defer { harness.tearDown() }
        let pod = try harness.apply(
            """
            metadata: {name: addr}
            spec:
              containers:
                - name: c
                  image: IMAGE
                  command: ["sh", "-c", "ip -4 addr show eth0; ip route; echo end; sleep 3600"]
            """)
        let podIP = try #require(pod.podIP)
        let gateway = try network.gateway().description
        #expect(try network.network().contains(try #require(IPv4Address(podIP))))
        // What the container itself sees (busybox ip inside the pod).
        let log = waitForLog(pod.containers[0].logPath, containing: "end")
        #expect(log.contains("inet \(podIP)/24"), "log: \(log)")
        #expect(log.contains("default via \(gateway) dev eth0"), "log: \(log)")
        // What the kernel reports over netlink in the pod's namespace.
        let pausePID = try #require(pod.pausePID)
        let pause = try #require(LiveProcess.open(pid: pausePID, startTime: pod.pauseStartTime))
        let podNetlink = try RouteNetlink(inNetworkNamespaceOf: pause)
        let eth0 = try #require(try podNetlink.link(named: "eth0"))
        #expect(eth0.isUp)
        let addresses = try podNetlink.addresses(family: .ipv4).filter { $0.linkIndex == eth0.index }
        #expect(addresses.map(\.cidr) == ["\(podIP)/24"])
        let defaultRoute = try podNetlink.routes().first { $0.isDefault }
        #expect(defaultRoute?.gateway == gateway)
        #expect(defaultRoute?.outputLinkIndex == eth0.index)

        // The host end: attached to the bridge, its peer is the pod's eth0, in the
        // namespace the netnsid names.
        let host = try RouteNetlink()
        let hostVethName = try #require(pod.hostVeth)
        let hostVeth = try #require(try host.link(named: hostVethName))
        #expect(pod.hostVeth?.hasPrefix("veth") == true && pod.hostVeth?.count == 12)
        let bridge = try #require(try host.link(named: network.bridge))
        #expect(bridge.kind == "bridge")
        #expect(hostVeth.masterIndex == bridge.index)
        #expect(hostVeth.peerIndex == eth0.index)
        let podNamespace = open("/proc/\(pause.pid)/ns/net", O_RDONLY | O_CLOEXEC)
        defer { close(podNamespace) }
        #expect(hostVeth.linkNetnsID != nil)
        #expect(hostVeth.linkNetnsID == (try host.netnsID(of: podNamespace)))
        // The bridge holds the gateway.
        let bridgeAddresses = try host.addresses(family: .ipv4).filter { $0.linkIndex == bridge.index }
        #expect(bridgeAddresses.map(\.address) == [gateway])
    }

    @Test func restartKeepsThePodIP() throws {
        guard requireRoot() else { return }
        let harness = TestPodHarness(backoff: 0.1)
        defer { harness.tearDown() }
        let pod = try harness.apply(
            """
            metadata: {name: flaky}
            spec:
              restartPolicy: Always
              containers: [{name: c, image: IMAGE, command: ["sh", "-c", "sleep 0.2; exit 1"]}]
            """)
        let restarted = try #require(harness.waitFor(pod.uid) { $0.containers[0].restartCount >= 2 })
        #expect(restarted.podIP == pod.podIP)
        #expect(restarted.pausePID == pod.pausePID)
        let pausePID = try #require(pod.pausePID)
        let pause = try #require(LiveProcess.open(pid: pausePID, startTime: pod.pauseStartTime))
        let addresses = try RouteNetlink(inNetworkNamespaceOf: pause).addresses(family: .ipv4).map(\.address)
        let podIP = try #require(pod.podIP)
        #expect(addresses.contains(podIP))
    }

    @Test func concurrentAppliesGetDistinctAddresses() throws {
        guard requireRoot() else { return }
        let harness = TestPodHarness()
        defer { harness.tearDown() }
        let count = 20
        let results = ResultBox(count: count)
        DispatchQueue.concurrentPerform(iterations: count) { i in
            let result = Result {
                try harness.apply(
                    """
                    metadata: {name: p\(i)}
                    spec:
                      containers: [{name: c, image: IMAGE, command: ["sleep", "3600"]}]
                    """)
            }
            results.set(i, result)
        }
        let pods = try results.values.map { try $0.get() }
        let ips = pods.compactMap(\.podIP)
        #expect(ips.count == count)
        #expect(Set(ips).count == count, "duplicate IPs: \(ips.sorted())")
        #expect(Set(pods.compactMap(\.hostVeth)).count == count)
    }

    @Test func deleteFreesTheAddressAndTheVeth() throws {
        guard requireRoot() else { return }
        let harness = TestPodHarness()
        defer { harness.tearDown() }
        let first = try harness.apply("metadata: {name: a}\nspec:\n  containers: [{name: c, image: IMAGE, command: [sleep, \"3600\"]}]")
        let hostVeth = try #require(first.hostVeth)
        #expect(try RouteNetlink().link(named: hostVeth) != nil)
        try harness.runtime.delete("a")
        #expect(try RouteNetlink().link(named: hostVeth) == nil)
        let second = try harness.apply("metadata: {name: b}\nspec:\n  containers: [{name: c, image: IMAGE, command: [sleep, \"3600\"]}]")
        #expect(second.podIP == first.podIP, "the freed address is handed out again")
        // The bridge stays while a pod uses it and goes with the last one.
        let bridge = try #require(harness.runtime.options.network?.bridge)
        #expect(try RouteNetlink().link(named: bridge) != nil)
        _ = try harness.runtime.deleteAll()
        #expect(try RouteNetlink().link(named: bridge) == nil)
    }

    @Test func anExhaustedRangeIsAClearError() throws {
        guard requireRoot() else { return }
        let network = TestPodHarness.uniqueNetwork(prefixLength: 29)
        let harness = TestPodHarness(network: network)
        defer { harness.tearDown() }
        // A /29 has 6 host addresses; the gateway takes one.
        for i in 0..<5 {
            _ = try harness.apply("metadata: {name: p\(i)}\nspec:\n  containers: [{name: c, image: IMAGE, command: [sleep, \"3600\"]}]")
        }
        do {
            _ = try harness.apply("metadata: {name: p5}\nspec:\n  containers: [{name: c, image: IMAGE, command: [sleep, \"3600\"]}]")
            Issue.record("a sixth pod got an address in a /29")
        } catch {
            #expect("\(error)" == "no free address in \(try network.network()) on bridge \(network.bridge): all 5 in use")
        }
        #expect(harness.runtime.list().count == 5)
    }

    @Test func hostNetworkPodsUseTheHostNamespace() throws {
        guard requireRoot() else { return }
        let harness = TestPodHarness()
        defer { harness.tearDown() }
        let pod = try harness.apply(
            """
            metadata: {name: hostnet}
            spec:
              hostNetwork: true
              containers: [{name: c, image: IMAGE, command: ["sleep", "3600"]}]
            """)
        #expect(pod.podIP == nil)
        #expect(pod.hostVeth == nil)
        let pid = try #require(pod.containers[0].pid)
        #expect(try NamespaceID.of(pid: pid, .net) == NamespaceID.of(pid: getpid(), .net))
        #expect(try NamespaceID.of(pid: pid, .uts) == NamespaceID.of(pid: getpid(), .uts))
        #expect(try NamespaceID.of(pid: pid, .ipc) != NamespaceID.of(pid: getpid(), .ipc))
    }
}

/// Results written from concurrent threads.
final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [Result<PodState, Error>?]

    init(count: Int) { storage = Array(repeating: nil, count: count) }

    func set(_ index: Int, _ value: Result<PodState, Error>) {
        lock.lock()
        storage[index] = value
        lock.unlock()
    }

    var values: [Result<PodState, Error>] {
        lock.lock()
        defer { lock.unlock() }
        return storage.map { $0 ?? .failure(RuntimeError.startFailed("not run")) }
    }
}
