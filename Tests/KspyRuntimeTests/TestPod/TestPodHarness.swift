import Foundation
import Glibc
import KspyKernel
import Testing

@testable import KspyRuntime


/// A private world for one test's pods: its own state directory and cgroup root, the
/// shared busybox image, and a runtime whose supervisor is the kspy binary built next
/// to the test bundle. `tearDown()` deletes every pod and checks nothing is left.
struct TestPodHarness {
    let id = RandomID.hex(byteCount: 4)
    let runtime: TestPodRuntime
    let stateRoot: String
    let cgroupRootName: String

    /// The busybox image, built once per test process.
    static let image: String = {
        let directory = "/tmp/kspy-test-image"
        try? BusyboxImage(directory: directory).prepare()
        return directory
    }()

    /// The kspy executable next to the test bundle (swift test builds it).
    static var kspyBinary: String {
        let own = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? ""
        var url = URL(fileURLWithPath: own).deletingLastPathComponent()
        if url.lastPathComponent == "MacOS" || url.path.contains(".xctest/") {
            url = url.deletingLastPathComponent().deletingLastPathComponent()
        }
        return url.appendingPathComponent("kspy").path
    }

    /// A unique bridge and /24 (10.250.N.0/24) for each harness of this test process, so
    /// concurrent tests never share a bridge or a route.
    static func uniqueNetwork(prefixLength: Int = 24) -> PodNetworkOptions {
        let n = NetworkCounter.next()
        return PodNetworkOptions(
            bridge: "kt\(RandomID.hex(byteCount: 4))", cidr: "10.250.\(n % 256).0/\(prefixLength)")
    }

    init(driver: CgroupDriver = .cgroupfs, backoff: Double = 0.2, network: PodNetworkOptions? = Self.uniqueNetwork()) {
        stateRoot = "/tmp/kspy-test-\(id)"
        cgroupRootName = "kspy-test-\(id)"
        runtime = TestPodRuntime(
            options: TestPodOptions(
                stateDirectory: StateDirectory(root: stateRoot), cgroupRoot: "\(cgroupRootName)/kubepods",
                cgroupDriver: driver, restartBackoffSeconds: backoff, network: network,
                supervisorCommand: [Self.kspyBinary, "testpod", "supervise"]))
    }

    /// Applies a manifest whose `IMAGE` placeholder is replaced by the busybox image.
    /// Without an explicit terminationGracePeriodSeconds the pod gets 1 s: `sleep` as
    /// PID 1 of its PID namespace ignores SIGTERM, so teardown would wait the default 30 s.
    func apply(_ yaml: String) throws -> PodState {
        var text = yaml.replacingOccurrences(of: "IMAGE", with: Self.image)
        if !text.contains("terminationGracePeriodSeconds") {
            text = text.replacingOccurrences(of: "\nspec:\n", with: "\nspec:\n  terminationGracePeriodSeconds: 1\n")
        }
        return try runtime.apply(manifestText: text).state
    }

    /// Polls the pod's state until `condition` holds (or `timeout` seconds pass).
    func waitFor(_ uid: String, timeout: Double = 20, _ condition: (PodState) -> Bool) -> PodState? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let state = try? runtime.options.stateDirectory.readState(uid), condition(state) { return state }
            usleep(50_000)
        }
        return nil
    }

    /// Deletes every pod and removes the state root, cgroup root and bridge.
    func tearDown() {
        _ = try? runtime.deleteAll()
        try? runtime.removeNetworkIfUnused()
        try? SystemFile.removeTree(stateRoot)
        for hierarchy in (try? CgroupSystem.current().hierarchies) ?? [] {
            let root = hierarchy.mountPoint + "/" + cgroupRootName
            if SystemFile.exists(root) { try? Cgroup(path: "/" + cgroupRootName, hierarchies: [hierarchy]).remove(recursive: true) }
        }
    }

    /// Directories named like this test's cgroup root that still exist, in any hierarchy.
    func leftoverCgroupDirectories() -> [String] {
        ((try? CgroupSystem.current().hierarchies) ?? []).flatMap { hierarchy -> [String] in
            ((try? SystemFile.listDirectory(hierarchy.mountPoint)) ?? [])
                .filter { $0.hasPrefix(cgroupRootName) || $0.hasPrefix(cgroupRootName.replacingOccurrences(of: "-", with: "_")) }
                .map { hierarchy.mountPoint + "/" + $0 }
        }
    }

    /// Mount points of this test's state directory still in kspy's mount table.
    func leftoverMounts() -> [String] {
        ((try? MountInfo.read(pid: nil)) ?? []).map(\.mountPoint).filter { $0.hasPrefix(stateRoot) }
    }
}

/// Hands out the third octet of each harness's pod network.
enum NetworkCounter {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var value = Int(getpid() % 200)

    static func next() -> Int {
        lock.lock()
        defer { lock.unlock() }
        value += 1
        return value
    }
}
