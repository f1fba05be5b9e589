import Foundation
import Glibc
import KspyDataplane
import KspyKernel
import Testing

/// A BPF filesystem of the test's own: a fresh bpffs instance mounted at
/// `/tmp/kspy-bpffs-<hex>` (every bpf mount is a new, empty instance), unmounted and
/// removed by `tearDown` — the host's /sys/fs/bpf is never touched.
final class CiliumTestBPFFS {
    let path: String
    private var mounted = false

    init() throws {
        path = "/tmp/kspy-bpffs-" + String(UInt64.random(in: 1...UInt64.max), radix: 16)
        try SystemFile.makeDirectories(path, mode: 0o700)
        do {
            try Mounts.mount(source: "bpf", target: path, type: "bpf", flags: 0, data: "mode=0700")
        } catch {
            rmdir(path)
            throw error
        }
        mounted = true
    }

    /// Unmounts (dropping every pin in it) and removes the mount point. Idempotent.
    func tearDown() {
        if mounted {
            try? Mounts.unmount(path, detach: true)
            mounted = false
        }
        rmdir(path)
    }

    deinit { tearDown() }

    /// Runs `body` with a fresh bpffs path, tearing it down afterwards (also on failure).
    static func with<T>(_ body: (String) throws -> T) throws -> T {
        let fs = try CiliumTestBPFFS()
        defer { fs.tearDown() }
        return try body(fs.path)
    }
}

/// Cilium's maps created for a test with the exact layouts of `bpf/lib/lb.h`, pinned
/// under the test's bpffs, and filled through test-local encoders written from the C
/// structs (not from kspy's encoders, so a symmetric offset bug cannot hide).
/// Assumes a little-endian host for the host-order fields (x86-64, arm64).
final class CiliumTestMaps {
    let directory: String
    private var maps: [String: BPFMapDescriptor] = [:]

    /// Creates and pins services, backends (`layout`) and, when `reverseNAT`, the
    /// reverse-NAT map for each family.
    init(
        directory: String, families: [AddressFamily] = [.ipv4, .ipv6], backendLayout: CiliumBackend.Layout = .v3,
        reverseNAT: Bool = true
    ) throws {
        self.directory = directory
        for family in families {
            let v6 = family == .ipv6
            try create(CiliumLayout.servicesMap(family), keySize: v6 ? 24 : 12, valueSize: 12)
            let backendSize = backendLayout == .v3 ? (v6 ? 24 : 12) : (v6 ? 20 : 8)
            try create(CiliumLayout.backendsMap(family, layout: backendLayout), keySize: 4, valueSize: backendSize)
            if reverseNAT { try create(CiliumLayout.reverseNATMap(family), keySize: 2, valueSize: v6 ? 18 : 6) }
        }
    }

    /// Creates a hash map `name` with these sizes and pins it under `directory`.
    @discardableResult
    func create(_ name: String, keySize: Int, valueSize: Int, maxEntries: Int = 1024) throws -> BPFMapDescriptor {
        let map = try BPFMapDescriptor.create(
            type: .hash, name: name, keySize: keySize, valueSize: valueSize, maxEntries: maxEntries)
        try map.pin(at: directory + "/" + name)
        maps[name] = map
        return map
    }

    func map(_ name: String) throws -> BPFMapDescriptor {
        guard let map = maps[name] else { throw DataplaneError("test map \(name) was not created") }
        return map
    }

    // MARK: - Writing entries

    /// Writes backend `id` into the backends map of `layout`.
    func backend(
        _ id: UInt32, _ ip: String, _ port: UInt16, proto: UInt8 = 6, state: UInt8 = 0,
        layout: CiliumBackend.Layout = .v3
    ) throws {
        let address = try Self.address(ip)
        let family: AddressFamily = address.count == 4 ? .ipv4 : .ipv6
        var value = address + Self.be16(port) + [proto, state]
        if layout == .v3 { value += [0, 0, 0, 0] }  // cluster_id (u16), zone, pad
        try map(CiliumLayout.backendsMap(family, layout: layout)).update(key: Self.le32(id), value: value)
    }

    /// Writes a service: the master entry (slot 0) with `backends.count` active slots and
    /// `quarantined.count` quarantined ones, the slots, and the reverse-NAT entry.
    func service(
        _ vip: String, _ port: UInt16, proto: UInt8 = 6, scope: UInt8 = 0, flags: UInt8 = 0, flags2: UInt8 = 0,
        word: UInt32 = 0, revNAT: UInt16, backends: [UInt32], quarantined: [UInt32] = [], writeReverseNAT: Bool = true
    ) throws {
        let address = try Self.address(vip)
        let family: AddressFamily = address.count == 4 ? .ipv4 : .ipv6
        let services = try map(CiliumLayout.servicesMap(family))
        func key(_ slot: UInt16) -> [UInt8] { address + Self.be16(port) + Self.le16(slot) + [proto, scope, 0, 0] }
        // lb4_service: union u32, count u16, rev_nat_index u16, flags, flags2, qcount u16.
        let master =
            Self.le32(word) + Self.le16(UInt16(backends.count)) + Self.le16(revNAT) + [flags, flags2]
            + Self.le16(UInt16(quarantined.count))
        try services.update(key: key(0), value: master)
        for (index, id) in (backends + quarantined).enumerated() {
            let slot = Self.le32(id) + Self.le16(0) + Self.le16(revNAT) + [flags, flags2] + Self.le16(0)
            try services.update(key: key(UInt16(index + 1)), value: slot)
        }
        if writeReverseNAT, let reverse = try? map(CiliumLayout.reverseNATMap(family)) {
            try reverse.update(key: Self.le16(revNAT), value: address + Self.be16(port))
        }
    }

    // MARK: - Byte helpers

    static func address(_ text: String) throws -> [UInt8] {
        if let v4 = IPv4Address(text) { return v4.networkBytes }
        if let v6 = IPv6Address(text) { return v6.bytes }
        throw DataplaneError("bad test address \(text)")
    }

    static func be16(_ value: UInt16) -> [UInt8] { [UInt8(value >> 8), UInt8(value & 0xFF)] }
    static func le16(_ value: UInt16) -> [UInt8] { [UInt8(value & 0xFF), UInt8(value >> 8)] }
    static func le32(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8((value >> (8 * UInt32($0))) & 0xFF) } }
}

/// A deterministic pseudo-random generator (SplitMix64) for reproducible fuzzing.
struct CiliumSplitMix: RandomNumberGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
