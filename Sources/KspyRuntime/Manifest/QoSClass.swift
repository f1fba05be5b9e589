/// A pod's Kubernetes quality-of-service class, which decides its cgroup parent and its
/// processes' OOM score adjustment.
public enum QoSClass: String, Codable, Sendable, CaseIterable {
    /// Every container has cpu and memory limits, and requests equal to them.
    case guaranteed = "Guaranteed"
    /// Some request or limit, but not guaranteed.
    case burstable = "Burstable"
    /// No container has any cpu or memory request or limit.
    case bestEffort = "BestEffort"

    /// The class of `pod`, by Kubernetes' rules (`pkg/apis/core/helper/qos`,
    /// `ComputePodQOS`): only quantities above zero count. BestEffort when there are
    /// none; Guaranteed when every container has cpu and memory limits and, per resource,
    /// the pod's summed requests equal its summed limits; Burstable otherwise.
    ///
    /// Expects a defaulted manifest (as `PodManifest.parse` returns it), in which a limit
    /// without a request is also the request: limits alone make a pod Guaranteed.
    public init(pod: PodManifest) {
        var requests = Totals()
        var limits = Totals()
        var everyContainerLimited = true
        for container in pod.containers {
            requests.add(container.resources.requests)
            let found = limits.add(container.resources.limits)
            if !(found.cpu && found.memory) { everyContainerLimited = false }
        }
        if requests.isEmpty && limits.isEmpty {
            self = .bestEffort
        } else if everyContainerLimited && !requests.overflowed && !limits.overflowed
            && requests.cpu == limits.cpu && requests.memory == limits.memory
        {
            self = .guaranteed
        } else {
            self = .burstable
        }
    }

    /// The QoS level in kubelet's cgroup tree: `burstable` or `besteffort`, nil for
    /// guaranteed pods, which sit directly under the root (`kubepods/pod<uid>`).
    public var cgroupComponent: String? {
        switch self {
        case .guaranteed: return nil
        case .burstable: return "burstable"
        case .bestEffort: return "besteffort"
        }
    }

    /// Per-resource sums of the quantities above zero (nil: none seen).
    private struct Totals {
        var cpu: NanoAmount?
        var memory: NanoAmount?
        var overflowed = false

        var isEmpty: Bool { cpu == nil && memory == nil }

        /// Adds a container's list; tells which resources it had above zero.
        @discardableResult
        mutating func add(_ list: ResourceList) -> (cpu: Bool, memory: Bool) {
            let cpuFound = list.cpu?.isPositive ?? false
            let memoryFound = list.memory?.isPositive ?? false
            if let quantity = list.cpu, cpuFound { cpu = sum(cpu, quantity) }
            if let quantity = list.memory, memoryFound { memory = sum(memory, quantity) }
            return (cpuFound, memoryFound)
        }

        /// `total + quantity`; on overflow keeps `total` and records it.
        private mutating func sum(_ total: NanoAmount?, _ quantity: Quantity) -> NanoAmount? {
            guard let result = (total ?? .zero).adding(quantity.amount) else {
                overflowed = true
                return total
            }
            return result
        }
    }
}
