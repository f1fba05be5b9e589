import KspyKernel

/// One address family's decoded Cilium service maps, joined into frontends the way the
/// datapath walks them (dataplanes.md §4.3):
///
/// 1. Every distinct (address, port, proto, scope) among the services-map keys is a
///    frontend; its slot-0 entry is the master: `count` active slots, `qcount`
///    quarantined slots after them, flags, rev-NAT index, affinity and algorithm.
/// 2. Slots 1…count (and count+1…count+qcount) hold backend ids, looked up in the
///    backends map.
///
/// **Weights.** With the random algorithm the datapath picks slot `random % count + 1`,
/// so every active slot has the same share and a backend's weight is
/// (its active slots) / count; quarantined slots get 0. With Maglev the datapath picks
/// from the `cilium_lb*_maglev` lookup table instead, which the agent fills from the
/// same backends — with equal backend weights each backend gets ≈ 1/count of that table,
/// so the slot share is reported there too (the LUT is not read). A slot whose entry
/// or backend is missing keeps its share: traffic hashed there is dropped by the
/// datapath (`DROP_NO_SERVICE`), and the endpoint says so in `state`
/// (`missing slot <n>`, or `missing slots <n>, … (<total>)` for several;
/// `missing backend <id>`) with an empty `ip`.
///
/// **Scopes.** A service with `externalTrafficPolicy=Local` and a cluster-wide internal
/// policy (or the reverse) has two master entries, scope 0 (external) and scope 1
/// (internal), with different slot sets (`twoScopes` flag). They become two
/// frontends with the same address and port, told apart by the notes `scope external`
/// and `scope internal`.
///
/// Notes, in this order when they apply: `scope external` / `scope internal`,
/// `local traffic policy (external)`, `local traffic policy (internal)`, `hostPort`,
/// `local redirect`, `non-routable` (the ROUTABLE flag is clear, as for ClusterIPs
/// without external access — `cilium-dbg bpf lb list` prints the same), `source ranges`,
/// `source ranges deny`, `DSR`, `NAT46/64`, `L7 proxy port <n>`, `loopback` /
/// `L7 delegate`, `random` / `maglev` (algorithm chosen per service), `all ports`
/// (dport 0), `no endpoints` (count 0), `<n> quarantined`, `<n> stale slots`,
/// `revNAT <id>` (with ` missing` or ` → addr:port` when the reverse-NAT map disagrees),
/// and for slots without a master `no master entry`.
public struct CiliumServiceTable: Hashable, Sendable {
    public var family: AddressFamily
    /// The services map: master and slot entries.
    public var services: [CiliumServiceKey: CiliumServiceValue]
    /// The backends map by backend id.
    public var backends: [UInt32: CiliumBackend]
    /// Backends of the other address family, consulted for NAT46/64 services only.
    public var otherFamilyBackends: [UInt32: CiliumBackend]
    /// The reverse-NAT map, nil when it was not read.
    public var reverseNAT: [UInt16: CiliumReverseNAT]?
    /// How the services map was read (nil when built from decoded values).
    public var method: BPFMapDump.Method?

    public init(
        family: AddressFamily, services: [CiliumServiceKey: CiliumServiceValue], backends: [UInt32: CiliumBackend],
        reverseNAT: [UInt16: CiliumReverseNAT]? = nil, otherFamilyBackends: [UInt32: CiliumBackend] = [:],
        method: BPFMapDump.Method? = nil
    ) {
        self.family = family
        self.services = services
        self.backends = backends
        self.reverseNAT = reverseNAT
        self.otherFamilyBackends = otherFamilyBackends
        self.method = method
    }

    /// Decodes raw map entries (from `BPFMapDescriptor.dump()` or a recorded
    /// `bpftool map dump -j`). Each entry is checked against the layout.
    /// - Throws: `DataplaneError` for an entry of the wrong size.
    public init(
        family: AddressFamily, serviceEntries: [BPFMapDump.Entry], backendEntries: [BPFMapDump.Entry],
        backendLayout: CiliumBackend.Layout, reverseNATEntries: [BPFMapDump.Entry]? = nil
    ) throws(DataplaneError) {
        let servicesMap = CiliumLayout.servicesMap(family)
        var services: [CiliumServiceKey: CiliumServiceValue] = [:]
        services.reserveCapacity(serviceEntries.count)
        for entry in serviceEntries {
            let key = try CiliumServiceKey(bytes: entry.key, family: family, map: servicesMap)
            services[key] = try CiliumServiceValue(bytes: entry.value, map: servicesMap)
        }
        let backendsMap = CiliumLayout.backendsMap(family, layout: backendLayout)
        var backends: [UInt32: CiliumBackend] = [:]
        backends.reserveCapacity(backendEntries.count)
        for entry in backendEntries {
            let id = try CiliumBackend.id(fromKey: entry.key, map: backendsMap)
            backends[id] = try CiliumBackend(
                bytes: entry.value, family: family, layout: backendLayout, map: backendsMap)
        }
        var reverseNAT: [UInt16: CiliumReverseNAT]?
        if let reverseNATEntries {
            let map = CiliumLayout.reverseNATMap(family)
            var decoded: [UInt16: CiliumReverseNAT] = [:]
            decoded.reserveCapacity(reverseNATEntries.count)
            for entry in reverseNATEntries {
                let index = try CiliumReverseNAT.index(fromKey: entry.key, map: map)
                decoded[index] = try CiliumReverseNAT(bytes: entry.value, family: family, map: map)
            }
            reverseNAT = decoded
        }
        self.init(family: family, services: services, backends: backends, reverseNAT: reverseNAT)
    }

    /// The frontends, ordered by address, port, protocol and scope.
    public func frontends() -> [ServiceFrontend] {
        // All entries sorted by frontend, then slot: each frontend's entries form one
        // run, its master (slot 0) first, then its slots in order.
        var entries: [Slot] = []
        entries.reserveCapacity(services.count)
        for (key, value) in services { entries.append(Slot(key: key, value: value)) }
        entries.sort { a, b in
            FrontendID.precedes(a.key, b.key)
                || !FrontendID.precedes(b.key, a.key) && a.key.backendSlot < b.key.backendSlot
        }
        var result: [ServiceFrontend] = []
        var start = 0
        while start < entries.count {
            var end = start + 1
            while end < entries.count && FrontendID.same(entries[start].key, entries[end].key) { end += 1 }
            let run = entries[start..<end]
            let master = run.first.flatMap { $0.key.backendSlot == 0 ? $0.value : nil }
            result.append(
                frontend(
                    FrontendID(key: entries[start].key), master: master, slots: master == nil ? run : run.dropFirst()))
            start = end
        }
        return result
    }

    // MARK: - Joining

    /// One services-map entry.
    private struct Slot {
        var key: CiliumServiceKey
        var value: CiliumServiceValue
    }

    /// (address, port, proto, scope): what tells two master entries apart.
    private struct FrontendID: Hashable, Comparable {
        var key: CiliumServiceKey

        init(key: CiliumServiceKey) { self.key = key.slot(0) }

        static func < (a: FrontendID, b: FrontendID) -> Bool { precedes(a.key, b.key) }

        /// Frontend order of two keys, their slots aside.
        static func precedes(_ a: CiliumServiceKey, _ b: CiliumServiceKey) -> Bool {
            if !a.sameAddress(b) { return a.addressPrecedes(b) }
            if a.port != b.port { return a.port < b.port }
            if a.proto != b.proto { return a.proto < b.proto }
            return a.scope < b.scope
        }

        /// Whether two keys are of the same frontend.
        static func same(_ a: CiliumServiceKey, _ b: CiliumServiceKey) -> Bool {
            a.sameAddress(b) && a.port == b.port && a.proto == b.proto && a.scope == b.scope
        }
    }

    /// What a slot leads to, for summing the slots of one backend.
    private enum Target: Hashable {
        case backend(UInt32)
        /// The first few missing slot numbers and how many are missing.
        case missingSlots(numbers: [Int], total: Int)
    }

    private func frontend(
        _ id: FrontendID, master: CiliumServiceValue?, slots: ArraySlice<Slot>
    ) -> ServiceFrontend {
        let key = id.key
        let vip = key.addressText
        let proto = Self.protocolName(key.proto)
        guard let master else {
            // Slots nothing points to: the datapath finds no service here.
            let endpoints = slots.map {
                endpoint(for: .backend($0.value.backendID), quarantined: false, natAcrossFamilies: true)
            }
            var notes = ["no master entry"]
            if key.scope == CiliumServiceKey.internalScope { notes.insert("scope internal", at: 0) }
            return ServiceFrontend(
                vip: vip, port: Int(key.port), protocol: proto, kind: .clusterIP, name: nil, mode: .cilium,
                endpoints: endpoints.map {
                    var e = $0
                    e.weight = 0
                    return e
                }, notes: notes)
        }

        let flags = master.flags
        let count = Int(master.count)
        let quarantined = Int(master.quarantinedCount)
        // Walk the slot entries that exist (not 1…count: a corrupt count of 65535 must
        // not cost 65535 steps per frontend); missing slots are counted, not listed.
        // (`slots` is sorted by slot and holds no slot 0.)
        let present = slots.filter { Int($0.key.backendSlot) <= count + quarantined }
        var order: [Target] = []
        var activeSlots: [Target: Int] = [:]
        var seen: Set<Target> = []
        var presentActive = 0
        for entry in present {
            let target = Target.backend(entry.value.backendID)
            if seen.insert(target).inserted { order.append(target) }
            if Int(entry.key.backendSlot) <= count {
                activeSlots[target, default: 0] += 1
                presentActive += 1
            }
        }
        let missingActive = count - presentActive
        let missingAll = count + quarantined - present.count
        if missingAll > 0 {
            // The first few missing slot numbers: at most present.count + 5 probes.
            var numbers: [Int] = []
            var slot = 1
            while numbers.count < 5 && slot <= count + quarantined {
                if !Self.contains(slots, slot: UInt16(truncatingIfNeeded: slot)) { numbers.append(slot) }
                slot += 1
            }
            let target = Target.missingSlots(numbers: numbers, total: missingAll)
            order.append(target)
            if missingActive > 0 { activeSlots[target] = missingActive }
        }
        let endpoints = order.map { target in
            var e = endpoint(
                for: target, quarantined: activeSlots[target] == nil,
                natAcrossFamilies: flags.contains(.nat46x64))
            e.weight = count > 0 ? Double(activeSlots[target] ?? 0) / Double(count) : 0
            return e
        }
        let stale = slots.count - present.count

        var notes: [String] = []
        if key.scope == CiliumServiceKey.internalScope {
            notes.append("scope internal")
        } else if flags.contains(.twoScopes) {
            notes.append("scope external")
        }
        if flags.contains(.externalLocalScope) { notes.append("local traffic policy (external)") }
        if flags.contains(.internalLocalScope) { notes.append("local traffic policy (internal)") }
        if flags.isHostPort { notes.append("hostPort") }
        if flags.contains(.localRedirect) { notes.append("local redirect") }
        if !flags.contains(.routable) { notes.append("non-routable") }
        if flags.contains(.sourceRange) { notes.append("source ranges") }
        if flags.contains(.quarantinedOrSourceRangeDeny) { notes.append("source ranges deny") }
        if flags.contains(.dsr) { notes.append("DSR") }
        if flags.contains(.nat46x64) { notes.append("NAT46/64") }
        let l7 = flags.contains(.l7LoadBalancer)
        if l7 { notes.append("L7 proxy port \(master.backendID)") }
        if flags.contains(.loopback) { notes.append(flags.isHostPort ? "loopback" : "L7 delegate") }
        if !l7 {
            switch master.algorithm {
            case 1: notes.append("random")
            case 2: notes.append("maglev")
            default: break
            }
        }
        if key.port == 0 { notes.append("all ports") }
        if count == 0 { notes.append("no endpoints") }
        if quarantined > 0 { notes.append("\(quarantined) quarantined") }
        if stale > 0 { notes.append("\(stale) stale slots") }
        notes.append(reverseNATNote(master.reverseNATIndex, key: key))

        var affinity: SessionAffinity?
        if flags.contains(.sessionAffinity) && !l7 {
            affinity = SessionAffinity(type: "ClientIP", timeoutSeconds: Int(master.affinityTimeoutSeconds))
        }
        return ServiceFrontend(
            vip: vip, port: Int(key.port), protocol: proto, kind: flags.kind, name: nil, mode: .cilium,
            endpoints: endpoints, affinity: affinity, notes: notes)
    }

    /// Whether `slots` (sorted by slot) has an entry for `slot`: a binary search.
    private static func contains(_ slots: ArraySlice<Slot>, slot: UInt16) -> Bool {
        var low = slots.startIndex
        var high = slots.endIndex
        while low < high {
            let middle = (low + high) / 2
            let value = slots[middle].key.backendSlot
            if value == slot { return true }
            if value < slot { low = middle + 1 } else { high = middle }
        }
        return false
    }

    private func endpoint(for target: Target, quarantined: Bool, natAcrossFamilies: Bool) -> ServiceEndpoint {
        switch target {
        case .missingSlots(let numbers, let total):
            if total == 1, let slot = numbers.first {
                return ServiceEndpoint(ip: "", port: 0, weight: 0, state: "missing slot \(slot)")
            }
            let list = numbers.map(String.init).joined(separator: ", ") + (total > numbers.count ? ", …" : "")
            return ServiceEndpoint(ip: "", port: 0, weight: 0, state: "missing slots \(list) (\(total))")
        case .backend(let backendID):
            guard let backend = backends[backendID] ?? (natAcrossFamilies ? otherFamilyBackends[backendID] : nil)
            else { return ServiceEndpoint(ip: "", port: 0, weight: 0, state: "missing backend \(backendID)") }
            var state = backend.state.description
            if quarantined && backend.state == .active { state = CiliumBackendState.quarantined.description }
            return ServiceEndpoint(ip: backend.addressText, port: Int(backend.port), weight: 0, state: state)
        }
    }

    private func reverseNATNote(_ index: UInt16, key: CiliumServiceKey) -> String {
        guard let reverseNAT else { return "revNAT \(index)" }
        guard let entry = reverseNAT[index] else { return "revNAT \(index) missing" }
        if entry.address == key.address && entry.port == key.port { return "revNAT \(index)" }
        let address = entry.family.format(entry.address) ?? ""
        let text = entry.family == .ipv6 ? "[\(address)]:\(entry.port)" : "\(address):\(entry.port)"
        return "revNAT \(index) → \(text)"
    }

    /// `tcp`, `udp`, `sctp`, `any` (0, older agents and wildcard entries), or the number.
    static func protocolName(_ proto: UInt8) -> String {
        switch proto {
        case 0: return "any"
        case 6: return "tcp"
        case 17: return "udp"
        case 132: return "sctp"
        default: return String(proto)
        }
    }
}
