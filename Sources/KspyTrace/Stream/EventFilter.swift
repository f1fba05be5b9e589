/// `--pod`, `--namespace` and `--container` of the trace commands: an event passes
/// when every given filter matches. `--pod` matches the pod's name or UID (or a UID
/// prefix); events whose pod is unknown pass only when no filter is given.
public struct EventFilter: Sendable, Equatable {
    /// Pod name, UID or UID prefix.
    public var pod: String?
    /// Pod namespace.
    public var namespace: String?
    /// Container name.
    public var container: String?

    /// A filter; nil fields match everything.
    public init(pod: String? = nil, namespace: String? = nil, container: String? = nil) {
        self.pod = pod
        self.namespace = namespace
        self.container = container
    }

    /// Whether an event attributed to `attribution` passes.
    public func matches(_ attribution: PodAttribution) -> Bool {
        if let pod {
            let byName = attribution.podName == pod
            let byUID = attribution.podUID.map { $0.hasPrefix(pod) } ?? false
            if !byName && !byUID { return false }
        }
        if let namespace, attribution.podNamespace != namespace { return false }
        if let container, attribution.containerName != container { return false }
        return true
    }
}
