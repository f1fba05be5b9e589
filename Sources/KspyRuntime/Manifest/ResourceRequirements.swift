/// A container's `resources`: what it requests (scheduling, CPU weight, OOM score) and
/// its limits (CFS quota, memory limit). After `PodManifest.parse`, a resource with a
/// limit and no request has the limit as its request, as Kubernetes defaults it.
public struct ResourceRequirements: Codable, Equatable, Sendable {
    /// `resources.requests`.
    public var requests: ResourceList
    /// `resources.limits`.
    public var limits: ResourceList

    /// Memberwise initialiser.
    public init(requests: ResourceList = ResourceList(), limits: ResourceList = ResourceList()) {
        self.requests = requests
        self.limits = limits
    }
}
