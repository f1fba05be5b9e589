/// One container in a pod summary: name, ID, state and processes.
public struct ContainerSummary: Codable, Hashable, Sendable {
    /// The container's name (null when no store names it).
    public var name: String?
    /// The container ID.
    public var id: String
    /// `running` (has processes) or `exited` (known only from metadata).
    public var state: String
    /// Its processes.
    public var pids: [Int32]

    /// The summary of `container`.
    public init(_ container: DiscoveredContainer) {
        name = container.name
        id = container.id
        state = container.state
        pids = container.pids
    }

    /// Encodes every key, nil as null.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(id, forKey: .id)
        try c.encode(state, forKey: .state)
        try c.encode(pids, forKey: .pids)
    }
}
