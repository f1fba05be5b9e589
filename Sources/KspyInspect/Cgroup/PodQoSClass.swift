/// A pod's Kubernetes QoS class as it shows in the pod's cgroup path: Burstable and
/// BestEffort pods sit under a `burstable` / `besteffort` level, Guaranteed pods directly
/// under the kubepods root (reference runtimes.md §2.1 and §2.3; kubernetes
/// `pkg/kubelet/cm/pod_container_manager_linux.go`).
public enum PodQoSClass: String, Hashable, Sendable, CaseIterable {
    /// No QoS level in the path: `/kubepods/pod<uid>`, `kubepods-pod<uid_>.slice`.
    case guaranteed = "Guaranteed"
    /// `/kubepods/burstable/…`, `kubepods-burstable.slice`.
    case burstable = "Burstable"
    /// `/kubepods/besteffort/…`, `kubepods-besteffort.slice`.
    case bestEffort = "BestEffort"

    /// The class named by a QoS path level (`burstable`, `besteffort`), else nil.
    /// Relies on kubelet naming the levels in lower case (runtimes.md §2.3).
    public init?(pathLevel: some StringProtocol) {
        switch pathLevel {
        case "burstable": self = .burstable
        case "besteffort": self = .bestEffort
        default: return nil
        }
    }
}
