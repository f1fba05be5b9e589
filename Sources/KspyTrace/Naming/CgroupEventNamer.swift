import KspyInspect
import KspyKernel
import Synchronization

/// Names the pod and container of a cgroup path for trace events, also after the
/// process is gone: the path itself carries the pod UID and container ID
/// (`CgroupPathClassifier`), runtime metadata the names. The metadata index is
/// reloaded when an unknown ID shows up (a pod created after the trace started), at
/// most once per `refreshSeconds`.
public final class CgroupEventNamer: Sendable {
    private struct Loaded {
        var index: RuntimeMetadataIndex
        var loadedAt: Int64
    }

    private let sources: MetadataSources
    private let refreshSeconds: Double
    private let state: Mutex<Loaded>

    /// A namer reading metadata from `sources`.
    public init(sources: MetadataSources = MetadataSources(), refreshSeconds: Double = 1) {
        self.sources = sources
        self.refreshSeconds = refreshSeconds
        state = Mutex(Loaded(index: RuntimeMetadataIndex.load(sources), loadedAt: EventTime.monotonicNanoseconds()))
    }

    /// The pod and container of `cgroupPath`; empty when it is not a pod's cgroup.
    public func attribution(cgroupPath: String) -> PodAttribution {
        guard let found = CgroupPathClassifier.classify(cgroupPath) else { return PodAttribution() }
        return state.withLock { loaded in
            var container = found.containerID.flatMap { loaded.index.container(id: $0) }
            var pod = loaded.index.pod(uid: found.podUID)
            let unknown = (found.containerID != nil && container == nil) || pod == nil
            let age = EventTime.monotonicNanoseconds() - loaded.loadedAt
            if unknown, age > Int64(refreshSeconds * 1e9) {
                loaded = Loaded(index: RuntimeMetadataIndex.load(sources), loadedAt: EventTime.monotonicNanoseconds())
                container = found.containerID.flatMap { loaded.index.container(id: $0) }
                pod = loaded.index.pod(uid: found.podUID)
            }
            return PodAttribution(
                podUID: found.podUID, podName: pod?.name, podNamespace: pod?.namespace,
                containerName: container?.containerName, containerID: found.containerID)
        }
    }
}
