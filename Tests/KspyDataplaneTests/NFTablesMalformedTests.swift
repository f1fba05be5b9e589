import Foundation
import KspyDataplane
import Testing

/// Bad `nft -j` input is a one-line `DataplaneError`; odd but well-formed rulesets
/// decode with notes. No root needed.
@Suite("NFTables malformed and odd input")
struct NFTablesMalformedTests {
    static func error(_ text: String) -> DataplaneError? {
        do {
            _ = try NFTablesJSONParser.parse(text)
            return nil
        } catch let e as DataplaneError {
            return e
        } catch {
            return DataplaneError("unexpected \(error)")
        }
    }

    static let rule = #"{"rule":{"family":"ip","table":"kube-proxy","chain":"c","expr":EXPR}}"#

    @Test(
        "malformed JSON and wrong shapes are one-line errors",
        arguments: [
            "", "not json", "[]", "{}", #"{"nftables":{}}"#, #"{"nftables":[1]}"#, #"{"nftables":[{"a":1,"b":2}]}"#,
            #"{"nftables":[{"table":[]}]}"#, #"{"nftables":[{"table":{"family":"ip"}}]}"#,
            #"{"nftables":[{"chain":{"family":"ip","table":"t"}}]}"#,
            #"{"nftables":[{"rule":{"family":"ip","table":"t","chain":"c"}}]}"#,
            #"{"nftables":[\#(rule.replacingOccurrences(of: "EXPR", with: "[1]"))]}"#,
            #"{"nftables":[\#(rule.replacingOccurrences(of: "EXPR", with: #"[{"match":{"op":"=="}}]"#))]}"#,
            #"{"nftables":[\#(rule.replacingOccurrences(of: "EXPR", with: #"[{"vmap":{"key":{"numgen":{"mode":"random","mod":0}},"data":{"set":[]}}}]"#))]}"#,
            #"{"nftables":[\#(rule.replacingOccurrences(of: "EXPR", with: #"[{"vmap":{"key":{"meta":{"key":"mark"}},"data":7}}]"#))]}"#,
            #"{"nftables":[{"map":{"family":"ip","table":"t","name":"m","type":"x","map":"verdict","elem":[1]}}]}"#,
            #"{"nftables":[{"map":{"family":"ip","table":"t","name":"m","type":"x","map":"verdict","elem":7}}]}"#,
            #"{"nftables":[{"set":{"family":"ip","table":"t","type":"x"}}]}"#,
        ])
    func malformed(_ text: String) {
        let e = Self.error(text)
        #expect(e != nil, "accepted: \(text)")
        if let e {
            #expect(!e.description.contains("\n"))
            #expect(e.description.hasPrefix("nft JSON: "))
        }
    }

    static func json(_ objects: [String]) -> String {
        #"{"nftables":[{"table":{"family":"ip","name":"kube-proxy"}},"# + objects.joined(separator: ",") + "]}"
    }

    static func chain(_ name: String, _ exprs: [String]...) -> String {
        ([#"{"chain":{"family":"ip","table":"kube-proxy","name":"\#(name)"}}"#]
            + exprs.map { #"{"rule":{"family":"ip","table":"kube-proxy","chain":"\#(name)","expr":[\#($0.joined(separator: ","))]}}"# })
            .joined(separator: ",")
    }

    @Test("--nodeport-addresses: NodePorts on the nodeport-ips elements; drop = no local endpoints")
    func nodePortAddresses() throws {
        let ext = "external-AAAAAAAA-ns/np/tcp/"
        let text = Self.json([
            #"{"set":{"family":"ip","table":"kube-proxy","name":"nodeport-ips","type":"ipv4_addr","elem":["192.168.1.10","192.168.1.11"]}}"#,
            #"{"map":{"family":"ip","table":"kube-proxy","name":"service-nodeports","type":["inet_proto","inet_service"],"map":"verdict","elem":[[{"concat":["tcp",30001]},{"goto":{"target":"\#(ext)"}}]]}}"#,
            #"{"map":{"family":"ip","table":"kube-proxy","name":"no-endpoint-nodeports","type":["inet_proto","inet_service"],"map":"verdict","elem":[[{"elem":{"val":{"concat":["udp",30002]},"comment":"ns/other"}},{"drop":null}]]}}"#,
            Self.chain(
                "services",
                [#"{"match":{"op":"==","left":{"payload":{"protocol":"ip","field":"daddr"}},"right":"@nodeport-ips"}}"#,
                 #"{"vmap":{"key":{"concat":[{"meta":{"key":"l4proto"}},{"payload":{"protocol":"th","field":"dport"}}]},"data":"@service-nodeports"}}"#]),
            Self.chain(ext, [#"{"drop":null}"#]),
        ])
        let d = KubeProxyNFTablesDecoder(try NFTablesJSONParser.parse(text)).decode()
        #expect(d.frontends.map(\.vip) == ["192.168.1.10", "192.168.1.11", "192.168.1.10", "192.168.1.11"])
        #expect(d.frontends.map(\.port) == [30001, 30001, 30002, 30002])
        #expect(d.frontends.allSatisfy { $0.kind == .nodePort && $0.mode == .nftables })
        #expect(d.frontends[0].name == "ns/np")
        #expect(d.frontends[0].notes == ["chain name hash AAAAAAAA does not match ns/np/tcp/", "the rest is dropped (\(ext))"])
        #expect(d.frontends[2].name == "ns/other")
        #expect(d.frontends[2].notes == ["no local endpoints (DROP)"])
        #expect(d.staleChains.isEmpty)
    }

    @Test("odd rulesets decode with notes, never a crash")
    func odd() throws {
        let svc = "service-AAAAAAAA-ns/a/tcp/p"
        let ep = "endpoint-BBBBBBBB-ns/a/tcp/p__10.1.1.1/80"
        let map = #"{"map":{"family":"ip","table":"kube-proxy","name":"service-ips","type":["ipv4_addr","inet_proto","inet_service"],"map":"verdict","elem":[[{"concat":["10.96.0.1","tcp",80]},{"goto":{"target":"\#(svc)"}}],[{"concat":["10.96.0.2","tcp",81]},{"goto":{"target":"missing-ns/b/tcp/"}}],[{"concat":["10.96.0.3","tcp"]},{"drop":null}]]}}"#
        // numgen mod 4 with only entries 0 and 2 (one of them a duplicate key), the
        // endpoint chain without dnat.
        let numgen = #"{"vmap":{"key":{"numgen":{"mode":"random","mod":4,"offset":0}},"data":{"set":[[0,{"goto":{"target":"\#(ep)"}}],[2,{"goto":{"target":"\#(ep)"}}],[9,{"goto":{"target":"\#(ep)"}}]]}}}"#
        let text = Self.json([
            map, Self.chain(svc, [numgen]),
            Self.chain(ep, [#"{"match":{"op":"==","left":{"meta":{"key":"l4proto"}},"right":"tcp"}}"#, #"{"dnat":{"addr":"10.1.1.1","port":80}}"#]),
        ])
        let d = KubeProxyNFTablesDecoder(try NFTablesJSONParser.parse(text)).decode()
        #expect(d.frontends.count == 3)
        let a = try #require(d.frontends.first { $0.vip == "10.96.0.1" })
        #expect(a.endpoints == [ServiceEndpoint(ip: "10.1.1.1", port: 80, weight: 0.5)])
        #expect(a.notes.contains("chain name hash AAAAAAAA does not match ns/a/tcp/p"))
        #expect(a.notes.contains("2 of 4 numgen values in \(svc) map to no endpoint"))
        #expect(a.notes.contains("no rule looks up service-ips"))
        #expect(a.notes.contains("50% of new connections reach no endpoint"))
        let b = try #require(d.frontends.first { $0.vip == "10.96.0.2" })
        #expect(b.endpoints.isEmpty)
        #expect(b.notes.contains("chain missing-ns/b/tcp/ is missing"))
        let c = try #require(d.frontends.first { $0.vip == "10.96.0.3" })
        #expect(c.notes.contains { $0.contains("not addr . proto . port") })
    }
}

/// Every node of a real `nft -j` dump replaced, one at a time, by a value of another
/// shape: parsing throws a one-line `DataplaneError` or succeeds, and decoding never traps.
@Suite("NFTables JSON mutations")
struct NFTablesMutationTests {
    /// Paths to every node (array indices as Int, keys as String).
    static func paths(_ node: Any, _ prefix: [AnyHashable], into out: inout [[AnyHashable]]) {
        out.append(prefix)
        if let d = node as? [String: Any] {
            for (k, v) in d { paths(v, prefix + [k], into: &out) }
        } else if let a = node as? [Any] {
            for (i, v) in a.enumerated() { paths(v, prefix + [i], into: &out) }
        }
    }

    static func replacing(_ node: Any, at path: ArraySlice<AnyHashable>, with value: Any) -> Any {
        guard let head = path.first else { return value }
        if var d = node as? [String: Any], let k = head as? String, let child = d[k] {
            d[k] = replacing(child, at: path.dropFirst(), with: value)
            return d
        }
        if var a = node as? [Any], let i = head as? Int, a.indices.contains(i) {
            a[i] = replacing(a[i], at: path.dropFirst(), with: value)
            return a
        }
        return node
    }

    @Test("mutated dumps never crash the parser or the decoder")
    func mutations() throws {
        guard DataplaneTest.requireRoot() else { return }
        let json = try NFTablesTest.roundTripJSON(NFTablesScenarios.full.ruleset())
        let root = try JSONSerialization.jsonObject(with: Data(json.utf8))
        var all: [[AnyHashable]] = []
        Self.paths(root, [], into: &all)
        #expect(all.count > 500)
        let replacements: [Any] = [NSNull(), -1, "x", [Any](), [String: Any](), 1.5, ["goto": 7]]
        var thrown = 0
        var decoded = 0
        for (n, path) in all.enumerated() where n % 5 == 0 {
            let value = replacements[n % replacements.count]
            let mutated = Self.replacing(root, at: path[...], with: value)
            guard let data = try? JSONSerialization.data(withJSONObject: mutated, options: [.fragmentsAllowed]) else {
                continue
            }
            do {
                let rs = try NFTablesJSONParser.parse(data)
                _ = KubeProxyNFTablesDecoder(rs).decode()
                decoded += 1
            } catch let e as DataplaneError {
                #expect(!e.description.contains("\n"))
                thrown += 1
            }
        }
        #expect(thrown > 0)
        #expect(decoded > 0)
    }

    @Test("reading a missing file is a one-line error")
    func missingFile() {
        #expect(throws: DataplaneError("nft JSON: cannot read /nonexistent/kspy-nft.json")) {
            try NFTablesJSONParser.parse(contentsOfFile: "/nonexistent/kspy-nft.json")
        }
    }
}
