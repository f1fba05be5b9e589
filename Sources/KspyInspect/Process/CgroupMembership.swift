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
        let classified = CgroupPathClassifier.classifyEntry(entries)
        classifiedEntry = classified?.entry
        attribution = classified?.attribution
    }
}

/// Parsed and classified cgroup files by their exact content, for one scan.
struct CgroupMembershipCache {
    /// Keyed by the file's text: a `String` key shares the `Hashable` witness every
    /// other dictionary of discovery uses, where a `[UInt8]` key costs `kspy exec` a
    /// runtime conformance search of its own at first use.
    private var byContent: [String: CgroupMembership] = [:]

    /// The membership described by the raw file `bytes`.
    /// Content that is not valid UTF-8 is not cached (a lossy key could match another file).
    mutating func membership(of bytes: [UInt8]) -> CgroupMembership {
        guard let content = String(validUTF8: bytes) else {
            return CgroupMembership(ProcessCgroupEntry.parse(bytes: bytes))
        }
        if let known = byContent[content] { return known }
        let membership = CgroupMembership(ProcessCgroupEntry.parse(bytes: bytes))
        byContent[content] = membership
        return membership
    }
}
