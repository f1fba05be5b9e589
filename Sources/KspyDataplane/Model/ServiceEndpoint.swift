/// One backend of a service frontend.
public struct ServiceEndpoint: Codable, Hashable, Sendable {
    /// Backend IP address.
    public var ip: String
    /// Backend port (0 when the dataplane forwards to the same port, e.g. fwmark IPVS).
    public var port: Int
    /// The effective share of new connections this endpoint gets, 0…1, computed from
    /// what the dataplane stores (iptables statistic probabilities chained rule after
    /// rule, IPVS weights over the sum, Cilium slots), never assumed 1/N.
    public var weight: Double
    /// Dataplane-specific state: `active`, `terminating`, `quarantined`, IPVS
    /// forwarding method, …; nil when the dataplane says nothing.
    public var state: String?
    /// The pod on this node with this IP, or nil.
    public var local: LocalPod?

    public init(ip: String, port: Int, weight: Double, state: String? = nil, local: LocalPod? = nil) {
        self.ip = ip
        self.port = port
        self.weight = weight
        self.state = state
        self.local = local
    }

    /// Encodes every key, nil as null.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(ip, forKey: .ip)
        try c.encode(port, forKey: .port)
        try c.encode(weight, forKey: .weight)
        try c.encode(state, forKey: .state)
        try c.encode(local, forKey: .local)
    }
}
