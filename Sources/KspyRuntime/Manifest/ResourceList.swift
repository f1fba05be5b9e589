/// The `cpu` and `memory` entries of a container's `resources.requests` or
/// `resources.limits` (the only resources kspy accounts for).
public struct ResourceList: Codable, Equatable, Sendable {
    /// CPU in cores (`500m`, `1`).
    public var cpu: Quantity?
    /// Memory in bytes (`64Mi`).
    public var memory: Quantity?

    /// Memberwise initialiser.
    public init(cpu: Quantity? = nil, memory: Quantity? = nil) {
        self.cpu = cpu
        self.memory = memory
    }

    /// True when neither cpu nor memory is set.
    public var isEmpty: Bool { cpu == nil && memory == nil }
}
