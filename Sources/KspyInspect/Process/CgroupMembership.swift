import KspyKernel

/// A process's `/proc/<pid>/cgroup` parsed and classified: its entries, the entry
/// that decides its pod (kubelet's tree, `CgroupPathClassifier.entryToClassify`) and
/// what that path says. Every process of a container has the same file, so a scan
/// computes this once per distinct file content (`CgroupMembershipCache`).
public struct CgroupMembership: Hashable, Sendable {
    /// The file's entries.
    public var entries: [ProcessCgroupEntry]
    /// The entry classified, nil for host processes.
    public var classifiedEntry: ProcessCgroupEntry?
    /// The pod and container the path shows, nil for host processes.
    public var attribution: CgroupAttribution?

    /// Classifies `entries`.
    public init(_ entries: [ProcessCgroupEntry]) {
        self.entries = entries
        classifiedEntry = CgroupPathClassifier.entryToClassify(entries)
        attribution = classifiedEntry.flatMap { CgroupPathClassifier.classify($0.path) }
    }
}

/// Parsed and classified cgroup files by their exact bytes, for one scan.
struct CgroupMembershipCache {
    private var byContent: [[UInt8]: CgroupMembership] = [:]

    /// The membership described by the raw file `bytes`.
    mutating func membership(of bytes: [UInt8]) -> CgroupMembership {
        if let known = byContent[bytes] { return known }
        let membership = CgroupMembership(ProcessCgroupEntry.parse(bytes: bytes))
        byContent[bytes] = membership
        return membership
    }
}
