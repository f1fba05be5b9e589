import Foundation
import Testing

@testable import KspyRuntime

/// The state file is also the `testpod list -o json` contract: every key present
/// (null when unset), and a round trip keeps every value.
@Suite struct PodStateCodingTests {
    private func sample() -> PodState {
        let state = PodState(
            uid: "u-1", name: "web", namespace: "ns", labels: ["app": "x"], qosClass: "Burstable",
            restartPolicy: "Always", hostname: "web", hostNetwork: false, phase: .running,
            cgroupDriver: .systemd, cgroupRoot: "kubepods", cgroupParent: "/kubepods.slice/p.slice",
            sandboxID: "s", pauseCgroupPath: "/p/s", restartBackoffSeconds: 10, terminationGracePeriodSeconds: 30,
            containers: [ContainerState(name: "c", id: "i", image: "/img", cgroupPath: "/p/i")],
            stateDirectory: "/run/kspy/pods/u-1", createdAt: "2026-01-01T00:00:00Z")
        return state
    }

    @Test func unsetValuesAreWrittenAsNull() throws {
        let data = try JSONEncoder().encode(sample())
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        for key in ["pausePID", "podIP", "hostVeth", "network", "supervisorPID", "message"] {
            #expect(object.keys.contains(key), "missing \(key)")
            #expect(object[key] is NSNull, "\(key) should be null")
        }
        let container = try #require((object["containers"] as? [[String: Any]])?.first)
        for key in ["pid", "lastTerminationReason", "lastExitCode", "startedAt", "finishedAt", "logPath"] {
            #expect(container.keys.contains(key), "missing container key \(key)")
        }
    }

    @Test func everyValueSurvivesARoundTrip() throws {
        var state = sample()
        state.pausePID = 10
        state.pauseStartTime = 11
        state.supervisorPID = 12
        state.supervisorStartTime = 13
        state.network = PodNetworkOptions(bridge: "b0", cidr: "10.1.0.0/24")
        state.podIP = "10.1.0.2"
        state.hostVeth = "veth01234567"
        state.hostMounts = ["/m"]
        state.message = "m"
        state.containers[0].pid = 20
        state.containers[0].pidStartTime = 21
        state.containers[0].state = .terminated
        state.containers[0].restartCount = 3
        state.containers[0].lastTerminationReason = "OOMKilled"
        state.containers[0].lastExitCode = 137
        state.containers[0].startedAt = "a"
        state.containers[0].finishedAt = "b"
        state.containers[0].logPath = "/l"
        let decoded = try JSONDecoder().decode(PodState.self, from: try JSONEncoder().encode(state))
        #expect(decoded == state)
    }
}
