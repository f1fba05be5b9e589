/// A backend's state, the `flags` byte of a backends-map value (Cilium
/// `loadbalancer.BackendState`): whether the datapath still sends new connections there.
public struct CiliumBackendState: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt8

    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// 0: serves new connections.
    public static let active = CiliumBackendState(rawValue: 0)
    /// 1: the pod is terminating; kept for existing connections.
    public static let terminating = CiliumBackendState(rawValue: 1)
    /// 2: failed health checks; moved to the quarantined slots.
    public static let quarantined = CiliumBackendState(rawValue: 2)
    /// 3: taken out by an operator.
    public static let maintenance = CiliumBackendState(rawValue: 3)

    /// `active`, `terminating`, `quarantined`, `maintenance`, or `state <n>` for a
    /// value this kspy does not know.
    public var description: String {
        switch rawValue {
        case 0: return "active"
        case 1: return "terminating"
        case 2: return "quarantined"
        case 3: return "maintenance"
        default: return "state \(rawValue)"
        }
    }
}
