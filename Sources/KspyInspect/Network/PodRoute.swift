/// One route in a pod's main routing table.
public struct PodRoute: Codable, Hashable, Sendable {
    /// `default` or the destination in CIDR form.
    public var destination: String
    /// The next hop, if any.
    public var gateway: String?
    /// The output interface's name.
    public var device: String?

    /// Creates a route from its fields.
    public init(destination: String, gateway: String?, device: String?) {
        self.destination = destination
        self.gateway = gateway
        self.device = device
    }

    /// Encodes every key, nil as null.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(destination, forKey: .destination)
        try c.encode(gateway, forKey: .gateway)
        try c.encode(device, forKey: .device)
    }
}
