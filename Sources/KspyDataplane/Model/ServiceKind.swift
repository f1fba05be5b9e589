/// How a frontend is reached.
public enum ServiceKind: String, Codable, Hashable, Sendable {
    case clusterIP
    case nodePort
    case externalIP
    case loadBalancer
}
