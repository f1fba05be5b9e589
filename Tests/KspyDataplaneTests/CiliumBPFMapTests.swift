import Glibc
import KspyKernel
import Testing

/// `BPFMapDescriptor`, the generic map access the Cilium reader is built on, against
/// real maps pinned in a bpffs of the test's own.
@Suite("BPF map descriptor (real kernel)", .serialized)
struct CiliumBPFMapTests {
    static func key(_ i: Int, size: Int) -> [UInt8] {
        (0..<size).map { UInt8(truncatingIfNeeded: i >> (8 * ($0 % 4))) ^ UInt8($0 / 4) }
    }

    @Test func pinnedMapOpensWithTheKernelsDescription() throws {
        guard DataplaneTest.requireRoot() else { return }
        try CiliumTestBPFFS.with { dir in
            let created = try BPFMapDescriptor.create(
                type: .hash, name: "cilium_lb4_services_v2", keySize: 12, valueSize: 12, maxEntries: 256)
            try created.pin(at: dir + "/svc")
            let opened = try BPFMapDescriptor.open(pinnedAt: dir + "/svc")
            #expect(opened.info.id == created.info.id)
            #expect(opened.info.type == .hash && opened.info.type.name == "hash")
            #expect(opened.info.name == "cilium_lb4_serv")  // BPF_OBJ_NAME_LEN − 1
            #expect(opened.info.keySize == 12 && opened.info.valueSize == 12 && opened.info.maxEntries == 256)

            let key: [UInt8] = Array(1...12)
            try created.update(key: key, value: Array(repeating: 7, count: 12))
            #expect(try opened.value(forKey: key) == Array(repeating: 7, count: 12))
            #expect(try opened.value(forKey: Array(repeating: 0, count: 12)) == nil)
            // Opened read-only: the kernel refuses writes through it.
            #expect(throws: BPFError.self) { try opened.update(key: key, value: Array(repeating: 8, count: 12)) }
            #expect(try created.value(forKey: key) == Array(repeating: 7, count: 12))
            // Wrong key size is refused before the syscall.
            #expect(throws: BPFError("look up BPF map", "\(dir)/svc (key of 3 bytes, map wants 12)", errno: EINVAL)) {
                try opened.value(forKey: [1, 2, 3])
            }
            // Nothing pinned: ENOENT.
            do {
                _ = try BPFMapDescriptor.open(pinnedAt: dir + "/absent")
                Issue.record("opened a map that is not pinned")
            } catch let error as BPFError {
                #expect(error.errno == ENOENT)
            }
            opened.close()
            #expect(throws: BPFError.self) { try opened.value(forKey: key) }
        }
    }

    @Test func batchAndIterationReadTheSameEntries() throws {
        guard DataplaneTest.requireRoot() else { return }
        let map = try BPFMapDescriptor.create(
            type: .hash, name: "kspy_test_hash", keySize: 12, valueSize: 8, maxEntries: 4096)
        var written: [[UInt8]: [UInt8]] = [:]
        for i in 0..<3000 {  // several batches of 1024
            let key = Self.key(i, size: 12)
            let value = (0..<8).map { UInt8(truncatingIfNeeded: i &* 31 &+ $0) }
            try map.update(key: key, value: value)
            written[key] = value
        }
        let batch = try map.dump()
        let iteration = try map.dump(preferBatch: false)
        #expect(batch.method == .batch)
        #expect(iteration.method == .iteration)
        #expect(batch.entries.count == 3000 && iteration.entries.count == 3000)
        #expect(Dictionary(uniqueKeysWithValues: batch.entries.map { ($0.key, $0.value) }) == written)
        #expect(Dictionary(uniqueKeysWithValues: iteration.entries.map { ($0.key, $0.value) }) == written)
        #expect(Set(try map.keys()) == Set(written.keys))
        #expect(try map.delete(key: Self.key(0, size: 12)))
        #expect(try !map.delete(key: Self.key(0, size: 12)))
        #expect(try map.dump().entries.count == 2999)
        // An empty map reads as empty either way.
        let empty = try BPFMapDescriptor.create(
            type: .hash, name: "kspy_test_empty", keySize: 4, valueSize: 4, maxEntries: 8)
        #expect(try empty.dump().entries.isEmpty)
        #expect(try empty.dump(preferBatch: false).entries.isEmpty)
    }

    @Test func mapTypeWithoutBatchSupportFallsBackToIteration() throws {
        guard DataplaneTest.requireRoot() else { return }
        // DEVMAP_HASH (type 25) has no map_lookup_batch: the kernel answers ENOTSUPP (524).
        let devices = try BPFMapDescriptor.create(
            type: BPFMapType(rawValue: 25), name: "kspy_test_devh", keySize: 4, valueSize: 4, maxEntries: 8)
        #expect(devices.info.type.name == "devmap_hash")
        let loopback = UInt8(if_nametoindex("lo"))
        try devices.update(key: [7, 0, 0, 0], value: [loopback, 0, 0, 0])
        try devices.update(key: [9, 0, 0, 0], value: [loopback, 0, 0, 0])
        let dump = try devices.dump()
        #expect(dump.method == .iteration)
        #expect(
            Set(dump.entries) == [
                .init(key: [7, 0, 0, 0], value: [loopback, 0, 0, 0]),
                .init(key: [9, 0, 0, 0], value: [loopback, 0, 0, 0]),
            ])
        // An LPM trie (generic batch ops on recent kernels, iteration on older ones).
        let trie = try BPFMapDescriptor.create(
            type: .lpmTrie, name: "kspy_test_lpm", keySize: 8, valueSize: 4, maxEntries: 16, flags: 1)  // NO_PREALLOC
        let k1: [UInt8] = [24, 0, 0, 0, 10, 0, 1, 0]
        let k2: [UInt8] = [16, 0, 0, 0, 10, 2, 0, 0]
        try trie.update(key: k1, value: [1, 0, 0, 0])
        try trie.update(key: k2, value: [2, 0, 0, 0])
        let expected: Set<BPFMapDump.Entry> = [
            .init(key: k1, value: [1, 0, 0, 0]), .init(key: k2, value: [2, 0, 0, 0]),
        ]
        #expect(Set(try trie.dump().entries) == expected)
        #expect(Set(try trie.dump(preferBatch: false).entries) == expected)
        // Arrays do batch (kernel ≥ 5.7) and list every index.
        let array = try BPFMapDescriptor.create(
            type: .array, name: "kspy_test_arr", keySize: 4, valueSize: 4, maxEntries: 5)
        try array.update(key: [3, 0, 0, 0], value: [9, 9, 9, 9])
        let arrayDump = try array.dump()
        #expect(arrayDump.method == .batch)
        #expect(arrayDump.entries.count == 5)
        #expect(arrayDump.entries.first { $0.key == [3, 0, 0, 0] }?.value == [9, 9, 9, 9])
    }

    @Test func perCPUValuesCarryOneSlotPerPossibleCPU() throws {
        guard DataplaneTest.requireRoot() else { return }
        let map = try BPFMapDescriptor.create(
            type: .perCPUHash, name: "kspy_test_pcpu", keySize: 4, valueSize: 4, maxEntries: 4)
        let cpus = try Self.possibleCPUs()
        #expect(map.lookupValueSize == 8 * cpus)
        let value = (0..<(8 * cpus)).map { UInt8(truncatingIfNeeded: $0) }
        try map.update(key: [1, 0, 0, 0], value: value)
        // Each CPU's slot holds the first 4 bytes written for it (the rest is padding).
        let read = try #require(try map.value(forKey: [1, 0, 0, 0]))
        for cpu in 0..<cpus {
            #expect(Array(read[(8 * cpu)..<(8 * cpu + 4)]) == Array(value[(8 * cpu)..<(8 * cpu + 4)]))
        }
        #expect(try map.dump().entries.map(\.value.count) == [8 * cpus])
    }

    /// The number of possible CPUs from /sys/devices/system/cpu/possible ("0-3").
    static func possibleCPUs() throws -> Int {
        let text = try SystemFile.readTrimmed("/sys/devices/system/cpu/possible")
        var count = 0
        for range in text.split(separator: ",") {
            let bounds = range.split(separator: "-").compactMap { Int($0) }
            count += bounds.count == 2 ? bounds[1] - bounds[0] + 1 : 1
        }
        return count
    }
}
