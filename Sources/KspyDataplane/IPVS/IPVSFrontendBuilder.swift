/// Turns decoded IPVS services (from netlink or `/proc/net/ip_vs`) into the common
/// `ServiceFrontend` model. Conventions:
///
/// - `vip`: the address text ("10.96.0.10", "fd00:10:96::a"), `fwmark:<n>` for a
///   fwmark service; `port` 0 for fwmark services.
/// - `protocol`: `tcp`/`udp`/`sctp`; **`any`** for a fwmark service (it matches packets
///   by firewall mark, whatever their protocol — the iptables/nft rule that sets the
///   mark decides).
/// - `kind`: IPVS does not record the Kubernetes service type. kube-proxy makes one
///   virtual service per node IP for a NodePort, so a VIP found in `nodeAddresses`
///   (the node's own addresses, supplied by the caller) is `nodePort`; everything else
///   is `clusterIP` (external and load-balancer IPs cannot be told apart from ClusterIPs
///   by IPVS alone).
/// - `name`: nil (IPVS holds no names; dataplanes.md §3.1).
/// - endpoint `weight`: the share of new connections, from the weights IPVS stores:
///   weight / sum of the service's weights for the weighted schedulers (wrr, wlc, sh,
///   mh, sed, nq, lblc, lblcr, ovf, twos, …); for the schedulers that ignore weight
///   magnitudes and only skip weight 0 (`rr`, `lc`, `dh`) every positive weight counts
///   as 1; `fo` sends everything to the first destination of highest weight. A weight
///   of 0 is a share of 0; all weights 0 gives all 0.
/// - endpoint `state`: the forwarding method (`masq`, `route`, `tunnel`, `local`,
///   `bypass`), followed by ` quarantined` when the weight is 0 (no new connections:
///   kube-proxy keeps terminating endpoints at weight 0 until they drain), e.g.
///   `"masq"`, `"tunnel quarantined"`.
/// - `affinity`: `ClientIP` with the persistence timeout (seconds) when the service is
///   persistent (IP_VS_SVC_F_PERSISTENT); timeout nil when unknown.
/// - `notes`, in this order: `scheduler <name>`; `flag persistent` / `flag one-packet` /
///   `flag <scheduler flag>` per set flag (HASHED, internal, is left out);
///   `persistence netmask <mask>` when not a single host; `persistence engine <pe>`;
///   `persistence timeout <n> jiffies (kernel HZ unknown)`; `no endpoints` or
///   `all endpoints quarantined (weight 0)`; `active connections <n>` and `inactive
///   connections <n>` (sums over the destinations); from the stats, when read over
///   netlink: `connections <n>` (since the service was created), `packets in <n> out
///   <n>`, `bytes in <n> out <n>`; then per endpoint `endpoint <ip:port> active <n>
///   inactive <n>` (when not both 0), and, netlink only, `endpoint <ip:port>
///   connections <n>` (when not 0), `endpoint <ip:port> persistent connections <n>`,
///   `endpoint <ip:port> tunnel <type>[ port <n>]`, `endpoint <ip:port> thresholds
///   upper <n> lower <n>` (when set).
public enum IPVSFrontendBuilder {
    /// The frontends of `services`, sorted: IPv4 before IPv6 before fwmark services,
    /// then by address, port and protocol (the kernel's order changes between runs).
    public static func frontends(for services: [IPVSService], nodeAddresses: Set<String> = []) -> [ServiceFrontend] {
        services.sorted(by: { sortKey($0) < sortKey($1) }).map { frontend(for: $0, nodeAddresses: nodeAddresses) }
    }

    /// The frontend of one service; endpoints sorted by address and port.
    public static func frontend(for service: IPVSService, nodeAddresses: Set<String> = []) -> ServiceFrontend {
        let shares = self.shares(weights: service.destinations.map(\.weight), scheduler: service.scheduler)
        let order = service.destinations.indices.sorted { a, b in
            let x = service.destinations[a]
            let y = service.destinations[b]
            if x.addressFamily != y.addressFamily { return x.addressFamily < y.addressFamily }
            if x.address != y.address { return x.address.lexicographicallyPrecedes(y.address) }
            return x.port < y.port
        }
        let endpoints = order.map { index in
            let destination = service.destinations[index]
            let state = destination.forwarding.name + (destination.weight <= 0 ? " quarantined" : "")
            return ServiceEndpoint(
                ip: destination.addressText, port: Int(destination.port), weight: shares[index], state: state)
        }
        let vip = service.fwmark.map { "fwmark:\($0)" } ?? service.addressText ?? "?"
        var affinity: SessionAffinity?
        if service.isPersistent {
            affinity = SessionAffinity(type: "ClientIP", timeoutSeconds: service.timeout.map { Int($0) })
        }
        return ServiceFrontend(
            vip: vip, port: Int(service.port), protocol: service.protocolName,
            kind: service.fwmark == nil && nodeAddresses.contains(vip) ? .nodePort : .clusterIP, name: nil,
            mode: .ipvs, endpoints: endpoints, affinity: affinity, notes: notes(for: service, order: order))
    }

    /// The share of new connections of each weight under `scheduler` (see the type's
    /// documentation); negative weights count as 0.
    public static func shares(weights: [Int32], scheduler: String) -> [Double] {
        let clamped = weights.map { Int64(max($0, 0)) }
        let effective: [Int64]
        switch scheduler {
        case "rr", "lc", "dh":
            effective = clamped.map { $0 > 0 ? 1 : 0 }
        case "fo":
            let highest = clamped.max() ?? 0
            let first = clamped.firstIndex(of: highest)
            effective = clamped.indices.map { highest > 0 && $0 == first ? 1 : 0 }
        default:
            effective = clamped
        }
        let total = effective.reduce(0, +)
        guard total > 0 else { return weights.map { _ in 0 } }
        return effective.map { Double($0) / Double(total) }
    }

    // MARK: - notes

    static func notes(for service: IPVSService, order: [Int]) -> [String] {
        var notes = ["scheduler \(service.scheduler)"]
        for (bit, name) in flagNames(scheduler: service.scheduler) where service.flags & bit != 0 {
            notes.append("flag \(name)")
        }
        if service.isPersistent, let netmask = service.netmask {
            if service.addressFamily == IPVSConstants.AF_INET, netmask != UInt32.max {
                notes.append("persistence netmask \(IPVSAddress.dottedMask(netmask))")
            } else if service.addressFamily == IPVSConstants.AF_INET6, netmask != 128 {
                notes.append("persistence netmask /\(netmask)")
            }
        }
        if let engine = service.persistenceEngine, !engine.isEmpty { notes.append("persistence engine \(engine)") }
        if service.isPersistent, service.timeout == nil, let jiffies = service.timeoutJiffies {
            notes.append("persistence timeout \(jiffies) jiffies (kernel HZ unknown)")
        }
        if service.destinations.isEmpty {
            notes.append("no endpoints")
        } else if service.destinations.allSatisfy({ $0.weight <= 0 }) {
            notes.append("all endpoints quarantined (weight 0)")
        }
        let active = service.destinations.reduce(UInt64(0)) { $0 + UInt64($1.activeConnections) }
        let inactive = service.destinations.reduce(UInt64(0)) { $0 + UInt64($1.inactiveConnections) }
        notes.append("active connections \(active)")
        notes.append("inactive connections \(inactive)")
        if let stats = service.stats {
            notes.append("connections \(stats.connections)")
            notes.append("packets in \(stats.incomingPackets) out \(stats.outgoingPackets)")
            notes.append("bytes in \(stats.incomingBytes) out \(stats.outgoingBytes)")
        }
        for index in order {
            let destination = service.destinations[index]
            let endpoint = "endpoint " + AddressPort.text(destination.addressText, port: Int(destination.port))
            if destination.activeConnections != 0 || destination.inactiveConnections != 0 {
                notes.append(
                    "\(endpoint) active \(destination.activeConnections) inactive \(destination.inactiveConnections)")
            }
            if let stats = destination.stats, stats.connections != 0 {
                notes.append("\(endpoint) connections \(stats.connections)")
            }
            if let persistent = destination.persistentConnections, persistent != 0 {
                notes.append("\(endpoint) persistent connections \(persistent)")
            }
            if let tunnel = destination.tunnelTypeName {
                let port = destination.tunnelPort.flatMap { $0 != 0 ? " port \($0)" : nil } ?? ""
                notes.append("\(endpoint) tunnel \(tunnel)\(port)")
            }
            let upper = destination.upperThreshold ?? 0
            let lower = destination.lowerThreshold ?? 0
            if upper != 0 || lower != 0 {
                notes.append("\(endpoint) thresholds upper \(upper) lower \(lower)")
            }
        }
        return notes
    }

    /// IP_VS_SVC_F_* names; the SCHED1…3 bits mean different things per scheduler
    /// (`ipvsadm -b`: sh-fallback/sh-port, mh-fallback/mh-port).
    static func flagNames(scheduler: String) -> [(UInt32, String)] {
        let sched: [String]
        switch scheduler {
        case "sh": sched = ["sh-fallback", "sh-port", "sched-flag-3"]
        case "mh": sched = ["mh-fallback", "mh-port", "sched-flag-3"]
        default: sched = ["sched-flag-1", "sched-flag-2", "sched-flag-3"]
        }
        return [
            (IPVSConstants.SVC_F_PERSISTENT, "persistent"), (IPVSConstants.SVC_F_ONEPACKET, "one-packet"),
            (IPVSConstants.SVC_F_SCHED1, sched[0]), (IPVSConstants.SVC_F_SCHED2, sched[1]),
            (IPVSConstants.SVC_F_SCHED3, sched[2]),
        ]
    }

    /// Orders services: family rank (IPv4, IPv6, fwmark), address bytes, port, protocol.
    static func sortKey(_ service: IPVSService) -> SortKey {
        let rank = service.fwmark != nil ? 2 : (service.addressFamily == IPVSConstants.AF_INET ? 0 : 1)
        return SortKey(
            rank: rank, address: service.address, port: Int(service.port) + Int(service.fwmark ?? 0),
            protocolNumber: Int(service.protocolNumber ?? 0))
    }

    struct SortKey: Comparable {
        var rank: Int
        var address: [UInt8]
        var port: Int
        var protocolNumber: Int

        static func < (a: SortKey, b: SortKey) -> Bool {
            if a.rank != b.rank { return a.rank < b.rank }
            if a.address != b.address { return a.address.lexicographicallyPrecedes(b.address) }
            if a.port != b.port { return a.port < b.port }
            return a.protocolNumber < b.protocolNumber
        }
    }
}
