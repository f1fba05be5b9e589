/// The pod's pause (sandbox) process and its parent — the runtime shim or kspy's
/// supervisor that keeps it.
public struct PauseView: Codable, Hashable, Sendable {
    /// The pause's PID.
    public var pid: Int32?
    /// The sandbox container ID.
    public var containerID: String?
    /// The parent's PID.
    public var parentPID: Int32?
    /// The parent's command name (`containerd-shim`, `conmon`, `kspy`, …).
    public var parentComm: String?

    /// Creates a view from its fields.
    public init(pid: Int32?, containerID: String?, parentPID: Int32?, parentComm: String?) {
        self.pid = pid
        self.containerID = containerID
        self.parentPID = parentPID
        self.parentComm = parentComm
    }

    /// Encodes every key, nil as null.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(pid, forKey: .pid)
        try c.encode(containerID, forKey: .containerID)
        try c.encode(parentPID, forKey: .parentPID)
        try c.encode(parentComm, forKey: .parentComm)
    }
}
