/// A user's reference to a pod, resolved the way `kubectl` and `crictl` users expect:
/// a full UID, a unique UID prefix, `namespace/name`, or a name unique on the node.
public struct PodReference: Sendable, Equatable {
    /// The text as typed.
    public var text: String

    /// A reference from the user's text.
    public init(_ text: String) { self.text = text }

    /// The one pod of `snapshot` the reference names.
    /// - Throws: `PodLookupError.notFound` (with the searched sources) or `.ambiguous`
    ///   (with the candidates).
    public func resolve(in snapshot: NodeSnapshot) throws(PodLookupError) -> DiscoveredPod {
        let pods = snapshot.pods
        if let exact = pods.first(where: { $0.uid == text }) { return exact }
        var matches: [DiscoveredPod]
        if let slash = text.firstIndex(of: "/") {
            let namespace = String(text[..<slash])
            let name = String(text[text.index(after: slash)...])
            matches = pods.filter { $0.identity?.namespace == namespace && $0.identity?.name == name }
        } else {
            matches = pods.filter { $0.identity?.name == text }
            if matches.isEmpty && !text.isEmpty {
                matches = pods.filter { $0.uid.hasPrefix(text) }
            }
        }
        switch matches.count {
        case 1:
            return matches[0]
        case 0:
            throw .notFound(reference: text, searched: snapshot.sources.summary)
        default:
            throw .ambiguous(reference: text, candidates: matches.map { "\($0.displayName) (uid \($0.uid))" })
        }
    }
}
