/// A service frontend as one dataplane implements it: where traffic to `vip:port/protocol`
/// really goes on this node (issue 7 model).
public struct ServiceFrontend: Codable, Hashable, Sendable {
    /// The virtual IP (ClusterIP, node IP for NodePort, external or LB IP); for an IPVS
    /// fwmark service the string `fwmark:<n>`.
    public var vip: String
    /// The frontend port (0 when not port-specific).
    public var port: Int
    /// `tcp`, `udp` or `sctp`.
    public var `protocol`: String
    /// How it is reached.
    public var kind: ServiceKind
    /// `namespace/service:port` when the dataplane records it (kube-proxy comments,
    /// nft chain names, Cilium has none); nil otherwise.
    public var name: String?
    /// Which dataplane this frontend was read from.
    public var mode: DataplaneMode
    /// Its backends with effective weights.
    public var endpoints: [ServiceEndpoint]
    /// Session affinity (`ClientIP` with its timeout in seconds), nil when none.
    public var affinity: SessionAffinity?
    /// Dataplane notes: `stale` (a chain nothing jumps to), `no endpoints` (reject),
    /// `local traffic policy`, source ranges, scheduler and flags for IPVS, …
    public var notes: [String]

    public init(
        vip: String, port: Int, protocol: String, kind: ServiceKind, name: String?, mode: DataplaneMode,
        endpoints: [ServiceEndpoint], affinity: SessionAffinity? = nil, notes: [String] = []
    ) {
        self.vip = vip
        self.port = port
        self.protocol = `protocol`
        self.kind = kind
        self.name = name
        self.mode = mode
        self.endpoints = endpoints
        self.affinity = affinity
        self.notes = notes
    }

    /// Encodes every key, nil as null.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(vip, forKey: .vip)
        try c.encode(port, forKey: .port)
        try c.encode(`protocol`, forKey: .protocol)
        try c.encode(kind, forKey: .kind)
        try c.encode(name, forKey: .name)
        try c.encode(mode, forKey: .mode)
        try c.encode(endpoints, forKey: .endpoints)
        try c.encode(affinity, forKey: .affinity)
        try c.encode(notes, forKey: .notes)
    }
}

/// Session affinity of a frontend.
public struct SessionAffinity: Codable, Hashable, Sendable {
    /// `ClientIP`.
    public var type: String
    /// Stickiness timeout in seconds.
    public var timeoutSeconds: Int?

    public init(type: String, timeoutSeconds: Int?) {
        self.type = type
        self.timeoutSeconds = timeoutSeconds
    }
}
