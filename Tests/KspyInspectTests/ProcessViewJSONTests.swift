import Foundation
import KspyInspect
import KspyKernel
import Testing

/// The hand-written JSON of `kspy ps -o json` must be exactly what Foundation's encoder
/// writes for the same processes.
struct ProcessViewJSONTests {
    static let uid = "1f2e3d4c-5b6a-4978-8695-a4b3c2d1e0f9"
    static let id = String(repeating: "cd", count: 32)
    static let sandbox = String(repeating: "ef", count: 32)

    private func encoderJSON(_ value: [ProcessView]) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    private func processes() -> [ProcessView] {
        func entry(_ leaf: String) -> ProcessCgroupEntry {
            ProcessCgroupEntry(hierarchyID: 4, controllers: ["memory"], path: "/kubepods/burstable/pod\(Self.uid)/\(leaf)")
        }
        var namespaces: [NamespaceKind: NamespaceID] = [:]
        for (offset, kind) in NamespaceKind.allCases.enumerated() {
            namespaces[kind] = NamespaceID(device: 4, inode: 4_026_531_830 + UInt64(offset))
        }
        var own = namespaces
        own[.mnt] = NamespaceID(device: 4, inode: 4_026_532_999)
        let records = [
            ProcessRecord(pid: 10, ppid: 1, comm: "pause", startTimeTicks: 5, cgroups: [entry(Self.sandbox)], namespaces: namespaces),
            ProcessRecord(pid: 11, ppid: 9, comm: "we\"ird\\ name/ü\u{1}\t", startTimeTicks: 6, cgroups: [entry(Self.id)], namespaces: own),
            ProcessRecord(pid: 12, ppid: 1, comm: "zombie", startTimeTicks: 7, cgroups: [entry(Self.id)], namespaces: [:]),
            ProcessRecord(
                pid: 1, ppid: 0, comm: "init", startTimeTicks: 1,
                cgroups: [ProcessCgroupEntry(hierarchyID: 0, controllers: [], path: "/init.scope")], namespaces: namespaces),
        ]
        let metadata = RuntimeMetadataIndex(containers: [
            ContainerMetadata(
                containerID: Self.sandbox, isSandbox: true, podName: "web", podNamespace: "shop", podUID: Self.uid,
                runtime: .containerd),
            ContainerMetadata(
                containerID: Self.id, isSandbox: false, podName: "web", podNamespace: "shop", podUID: Self.uid,
                containerName: "app", runtime: .containerd),
        ])
        let snapshot = NodeSnapshot(processes: records, metadata: metadata, sources: MetadataSources())
        return records.map { ProcessView(record: $0, in: snapshot) }
    }

    @Test func matchesTheEncoder() throws {
        let all = processes()
        #expect(all.map(\.role) == [.pause, .container, .container, .host])
        #expect(all[1].namespaces["mnt"]?.sharedWithPause == false)
        #expect(all[1].namespaces["net"]?.sharedWithPause == true)
        #expect(ProcessView.prettyJSON(all) == (try encoderJSON(all)))
        for single in all { #expect(ProcessView.prettyJSON([single]) == (try encoderJSON([single]))) }
        #expect(ProcessView.prettyJSON([]) == (try encoderJSON([])))
    }
}
