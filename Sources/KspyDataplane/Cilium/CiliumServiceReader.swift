import Glibc
import KspyKernel

/// Reads Cilium's pinned load-balancer maps (kube-proxy replacement) and reports every
/// service frontend with its backends (dataplanes.md §4). Per address family whose
/// services map is pinned under `mapsDirectory`:
///
/// - `cilium_lb{4,6}_services_v2` (required), `cilium_lb{4,6}_backends_v3`, else
///   `_v2` (one is required), `cilium_lb{4,6}_reverse_nat` (optional), each opened
///   read-only by its pin (BPF_OBJ_GET with BPF_F_RDONLY) and checked against the
///   layout kspy decodes (`CiliumLayout`) before anything is decoded;
/// - each map is dumped whole first (BPF_MAP_LOOKUP_BATCH where the kernel supports it,
///   else key iteration) and only then joined (`CiliumServiceTable`), since a hash map
///   changing under an iteration can skip entries. The services map is read before the
///   backends map; a backend the agent deletes in between shows as `missing backend`.
///
/// Needs root (CAP_BPF/CAP_SYS_ADMIN) and the host's BPF filesystem. Cilium maps carry
/// no service names, so `name` is nil.
public struct CiliumServiceReader: Sendable {
    /// Where the maps are pinned.
    public var mapsDirectory: String
    /// Use BPF_MAP_LOOKUP_BATCH when available (false: always iterate keys).
    public var preferBatch: Bool

    public init(mapsDirectory: String = CiliumLayout.defaultMapsDirectory, preferBatch: Bool = true) {
        self.mapsDirectory = mapsDirectory
        self.preferBatch = preferBatch
    }

    /// Every frontend: IPv4 ones first, then IPv6, each ordered by address, port,
    /// protocol and scope.
    /// - Throws: `DataplaneError`: "Cilium maps not found under DIR" when no services
    ///   map is pinned there, an unknown layout (naming map and sizes), a missing
    ///   backends map, or a kernel refusal (root needed).
    public func frontends() throws(DataplaneError) -> [ServiceFrontend] {
        try tables().flatMap { $0.frontends() }
    }

    /// The decoded maps per address family found (IPv4 first). For NAT46/64 services
    /// each table also sees the other family's backends.
    public func tables() throws(DataplaneError) -> [CiliumServiceTable] {
        var tables: [CiliumServiceTable] = []
        for family in [AddressFamily.ipv4, .ipv6] {
            if let table = try table(family) { tables.append(table) }
        }
        if tables.isEmpty {
            throw DataplaneError(
                "Cilium maps not found under \(mapsDirectory) (no \(CiliumLayout.servicesMap(.ipv4)) or "
                    + "\(CiliumLayout.servicesMap(.ipv6)) pinned there)")
        }
        if tables.count == 2 {
            tables[0].otherFamilyBackends = tables[1].backends
            tables[1].otherFamilyBackends = tables[0].backends
        }
        return tables
    }

    /// The table of `family`, nil when its services map is not pinned.
    private func table(_ family: AddressFamily) throws(DataplaneError) -> CiliumServiceTable? {
        let servicesName = CiliumLayout.servicesMap(family)
        guard let services = try open(servicesName) else { return nil }
        defer { services.close() }
        try CiliumLayout.check(
            map: servicesName, path: services.label, keySize: services.info.keySize,
            valueSize: services.info.valueSize, expectedKeySize: CiliumLayout.serviceKeySize(family),
            expectedValueSize: CiliumLayout.serviceValueSize,
            structs: "\(CiliumLayout.prefix(family))_key → \(CiliumLayout.prefix(family))_service")
        let serviceDump = try dump(services, servicesName)

        var backendsMap: (BPFMapDescriptor, CiliumBackend.Layout)?
        for layout in CiliumBackend.Layout.allCases {
            if let map = try open(CiliumLayout.backendsMap(family, layout: layout)) {
                backendsMap = (map, layout)
                break
            }
        }
        guard let (backends, layout) = backendsMap else {
            let legacy = CiliumLayout.legacyBackendsMap(family)
            if let old = try open(legacy) {
                old.close()
                throw DataplaneError(
                    "Cilium map \(legacy) under \(mapsDirectory) is the old backends map with u16 backend ids, "
                        + "which kspy does not decode; expected \(CiliumLayout.backendsMap(family, layout: .v3)) or "
                        + "\(CiliumLayout.backendsMap(family, layout: .v2))")
            }
            throw DataplaneError(
                "Cilium map \(CiliumLayout.backendsMap(family, layout: .v3)) (or _v2) not found under "
                    + "\(mapsDirectory), though \(servicesName) is there")
        }
        defer { backends.close() }
        let backendsName = CiliumLayout.backendsMap(family, layout: layout)
        try CiliumLayout.check(
            map: backendsName, path: backends.label, keySize: backends.info.keySize,
            valueSize: backends.info.valueSize, expectedKeySize: CiliumLayout.backendKeySize,
            expectedValueSize: CiliumLayout.backendValueSize(family, layout: layout),
            structs: "u32 backend id → \(CiliumLayout.prefix(family))_backend \(layout.rawValue)")
        let backendDump = try dump(backends, backendsName)

        var reverseNATEntries: [BPFMapDump.Entry]?
        let reverseName = CiliumLayout.reverseNATMap(family)
        if let reverse = try open(reverseName) {
            defer { reverse.close() }
            try CiliumLayout.check(
                map: reverseName, path: reverse.label, keySize: reverse.info.keySize,
                valueSize: reverse.info.valueSize, expectedKeySize: CiliumLayout.reverseNATKeySize,
                expectedValueSize: CiliumLayout.reverseNATValueSize(family),
                structs: "u16 rev_nat_index → \(CiliumLayout.prefix(family))_reverse_nat")
            reverseNATEntries = try dump(reverse, reverseName).entries
        }

        var table = try CiliumServiceTable(
            family: family, serviceEntries: serviceDump.entries, backendEntries: backendDump.entries,
            backendLayout: layout, reverseNATEntries: reverseNATEntries)
        table.method = serviceDump.method
        return table
    }

    /// Opens pinned map `name` read-only; nil when nothing is pinned under that name.
    private func open(_ name: String) throws(DataplaneError) -> BPFMapDescriptor? {
        let path = mapsDirectory + "/" + name
        do {
            return try BPFMapDescriptor.open(pinnedAt: path, readOnly: true)
        } catch {
            if error.errno == ENOENT || error.errno == ENOTDIR { return nil }
            throw Self.dataplaneError(error, map: name, path: path)
        }
    }

    private func dump(_ map: BPFMapDescriptor, _ name: String) throws(DataplaneError) -> BPFMapDump {
        do {
            return try map.dump(preferBatch: preferBatch)
        } catch {
            throw Self.dataplaneError(error, map: name, path: map.label)
        }
    }

    private static func dataplaneError(_ error: BPFError, map: String, path: String) -> DataplaneError {
        if error.isPermissionDenied {
            return DataplaneError(
                "reading Cilium map \(map) at \(path) needs root (CAP_BPF or CAP_SYS_ADMIN): \(error)")
        }
        return DataplaneError("Cilium map \(map) at \(path): \(error)")
    }
}
