import Foundation
import Glibc
import KspyDataplane
import Testing

@testable import kspy

/// `kspy svc -o json` streams its frontends through `ServiceFrontendJSON`; its bytes
/// must be exactly what the JSONEncoder path (`Renderer.json`) prints for the same model.
struct ServiceFrontendJSONTests {
    /// Every shape the model can take: each kind and mode, affinity with and without a
    /// timeout, local pods with and without names, nil names and states, empty endpoint
    /// and note lists, strings needing escapes, and weights that are not short decimals.
    static let varied: [ServiceFrontend] = [
        ServiceFrontend(
            vip: "10.96.0.1", port: 443, protocol: "tcp", kind: .clusterIP, name: "default/kubernetes:https",
            mode: .iptables,
            endpoints: [
                ServiceEndpoint(ip: "10.244.0.1", port: 6443, weight: 1.0 / 3.0),
                ServiceEndpoint(ip: "10.244.0.2", port: 6443, weight: 2.0 / 3.0, state: "active"),
            ], notes: ["masquerade traffic not from 10.244.0.0/16 (mark 0x4000)"]),
        ServiceFrontend(
            vip: "0.0.0.0", port: 30080, protocol: "udp", kind: .nodePort, name: nil, mode: .nftables,
            endpoints: [
                ServiceEndpoint(
                    ip: "10.244.1.7", port: 53, weight: 0.1 + 0.2, state: nil,
                    local: LocalPod(
                        podUID: "1f2e3d4c-5b6a", podName: "dns", podNamespace: "kube-system", containerName: "coredns")),
                ServiceEndpoint(
                    ip: "10.244.1.8", port: 53, weight: 0.7,
                    local: LocalPod(podUID: "uid-only", podName: nil, podNamespace: nil, containerName: nil)),
                ServiceEndpoint(
                    ip: "10.244.1.9", port: 0, weight: 0,
                    local: LocalPod(podUID: "u", podName: "web", podNamespace: nil, containerName: nil)),
            ], affinity: SessionAffinity(type: "ClientIP", timeoutSeconds: 10800), notes: []),
        ServiceFrontend(
            vip: "fd00:30::48", port: 80, protocol: "sctp", kind: .externalIP, name: "ns/we\"ird\\name/ü",
            mode: .ipvs, endpoints: [],
            affinity: SessionAffinity(type: "ClientIP", timeoutSeconds: nil),
            notes: ["tab\there", "line\nbreak\r\u{8}\u{c}", "ctl \u{1}\u{1f}\u{7f}", "slash / and 🙂 and \u{2028}", ""]),
        ServiceFrontend(
            vip: "198.18.0.9", port: 0, protocol: "any", kind: .loadBalancer, name: "", mode: .cilium,
            endpoints: [
                ServiceEndpoint(ip: "", port: 0, weight: 0, state: "missing slots 1, 2, … (7)"),
                ServiceEndpoint(ip: "10.0.0.1", port: 8080, weight: 1e-5, state: "terminating"),
                ServiceEndpoint(ip: "10.0.0.2", port: -1, weight: 0.99999, state: "quarantined"),
                ServiceEndpoint(ip: "10.0.0.3", port: Int.max, weight: 1, state: "active"),
                ServiceEndpoint(ip: "10.0.0.4", port: Int.min, weight: 0.25, state: "active"),
                ServiceEndpoint(ip: "10.0.0.5", port: 65535, weight: 1e-7, state: "active"),
            ], notes: ["revNAT 7 → 10.96.0.9:80", "all ports", "no endpoints"]),
        ServiceFrontend(
            vip: "fwmark:12", port: 0, protocol: "tcp", kind: .clusterIP, name: nil, mode: .ipvs, endpoints: [],
            notes: []),
    ]

    @Test func matchesTheEncoderPath() throws {
        let frontends = Self.varied
        #expect(try ServiceFrontendJSON.text(frontends) == (try Renderer.json(frontends)))
        for single in frontends {
            #expect(try ServiceFrontendJSON.text([single]) == (try Renderer.json([single])), "\(single)")
        }
        #expect(try ServiceFrontendJSON.text([]) == (try Renderer.json([ServiceFrontend]())))
        #expect(try ServiceFrontendJSON.text([]) == "[]\n")
    }

    /// Through a file descriptor, with many 64 KiB flushes, the text is the same.
    @Test func streamsTheSameBytes() throws {
        var many: [ServiceFrontend] = []
        for index in 0..<3_000 {
            var frontend = Self.varied[index % Self.varied.count]
            frontend.port = index
            frontend.endpoints = frontend.endpoints.map {
                var endpoint = $0
                endpoint.weight = 1 / Double(index % 7 + 1)
                return endpoint
            }
            many.append(frontend)
        }
        let path = "/tmp/kspy-svc-json-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).json"
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        #expect(fd >= 0)
        defer { unlink(path) }
        try ServiceFrontendJSON.write(many, to: fd)
        close(fd)
        let written = try String(contentsOfFile: path, encoding: .utf8)
        #expect(written.utf8.count > 1 << 18)
        #expect(written == (try Renderer.json(many)))
    }

    /// A weight JSON cannot hold is refused, as the encoder refuses it.
    @Test func refusesNonFiniteWeights() {
        let frontend = ServiceFrontend(
            vip: "10.96.0.1", port: 80, protocol: "tcp", kind: .clusterIP, name: nil, mode: .iptables,
            endpoints: [ServiceEndpoint(ip: "10.0.0.1", port: 80, weight: .nan)])
        #expect(throws: JSONOutputError.self) { try ServiceFrontendJSON.text([frontend]) }
        #expect(throws: (any Error).self) { try Renderer.json([frontend]) }
    }
}
