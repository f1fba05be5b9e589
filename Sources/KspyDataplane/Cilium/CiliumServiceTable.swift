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
        for entry in serviceEntries {
            let key = try CiliumServiceKey(bytes: entry.key, family: family, map: servicesMap)
            services[key] = try CiliumServiceValue(bytes: entry.value, map: servicesMap)
        }
        let backendsMap = CiliumLayout.backendsMap(family, layout: backendLayout)
        var backends: [UInt32: CiliumBackend] = [:]
        for entry in backendEntries {
            let id = try CiliumBackend.id(fromKey: entry.key, map: backendsMap)
            backends[id] = try CiliumBackend(
                bytes: entry.value, family: family, layout: backendLayout, map: backendsMap)
        }
        var reverseNAT: [UInt16: CiliumReverseNAT]?
        if let reverseNATEntries {
            let map = CiliumLayout.reverseNATMap(family)
            var decoded: [UInt16: CiliumReverseNAT] = [:]
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
        var groups: [FrontendID: (master: CiliumServiceValue?, slots: [UInt16: CiliumServiceValue])] = [:]
        for (key, value) in services {
            let id = FrontendID(key: key)
            var group = groups[id] ?? (nil, [:])
            if key.backendSlot == 0 { group.master = value } else { group.slots[key.backendSlot] = value }
            groups[id] = group
        }
        return groups.sorted { $0.key < $1.key }.map {
            frontend($0.key, master: $0.value.master, slots: $0.value.slots)
        }
    }

    // MARK: - Joining

    /// (address, port, proto, scope): what tells two master entries apart.
    private struct FrontendID: Hashable, Comparable {
        var key: CiliumServiceKey

        init(key: CiliumServiceKey) { self.key = key.slot(0) }

        static func < (a: FrontendID, b: FrontendID) -> Bool {
            if a.key.address != b.key.address { return a.key.address.lexicographicallyPrecedes(b.key.address) }
            if a.key.port != b.key.port { return a.key.port < b.key.port }
            if a.key.proto != b.key.proto { return a.key.proto < b.key.proto }
            return a.key.scope < b.key.scope
        }
    }

    /// What a slot leads to, for summing the slots of one backend.
    private enum Target: Hashable {
        case backend(UInt32)
        /// The first few missing slot numbers and how many are missing.
        case missingSlots(numbers: [Int], total: Int)
    }

    private func frontend(
        _ id: FrontendID, master: CiliumServiceValue?, slots: [UInt16: CiliumServiceValue]
    ) -> ServiceFrontend {
        let key = id.key
        let vip = key.addressText
        let proto = Self.protocolName(key.proto)
        guard let master else {
            // Slots nothing points to: the datapath finds no service here.
            let endpoints = slots.sorted { $0.key < $1.key }.map {
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
        let present = slots.filter { $0.key >= 1 && Int($0.key) <= count + quarantined }.sorted { $0.key < $1.key }
        var order: [Target] = []
        var activeSlots: [Target: Int] = [:]
        var seen: Set<Target> = []
        for (slot, value) in present {
            let target = Target.backend(value.backendID)
            if seen.insert(target).inserted { order.append(target) }
            if Int(slot) <= count { activeSlots[target, default: 0] += 1 }
        }
        let missingActive = count - present.filter { Int($0.key) <= count }.count
        let missingAll = count + quarantined - present.count
        if missingAll > 0 {
            // The first few missing slot numbers: at most present.count + 5 probes.
            var numbers: [Int] = []
            var slot = 1
            while numbers.count < 5 && slot <= count + quarantined {
                if slots[UInt16(truncatingIfNeeded: slot)] == nil { numbers.append(slot) }
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
        let stale = slots.keys.filter { Int($0) > count + quarantined }.count

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
