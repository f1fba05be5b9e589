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

    /// The UID of the one pod the reference names when the runtime metadata alone
    /// decides it: a UID the metadata knows or one typed in full, or a `namespace/name`
    /// or name exactly one recorded pod has. Nil otherwise (UID prefixes too, which
    /// also match pods no metadata names): then only a scan of the node decides.
    public func uid(in metadata: RuntimeMetadataIndex) -> String? {
        if metadata.pods[text] != nil { return text }
        if Self.isFullUID(text) { return text }
        let matches: [PodIdentity]
        if let slash = text.firstIndex(of: "/") {
            let namespace = String(text[..<slash])
            let name = String(text[text.index(after: slash)...])
            matches = metadata.pods.values.filter { $0.namespace == namespace && $0.name == name }
        } else {
            matches = metadata.pods.values.filter { $0.name == text }
        }
        return matches.count == 1 ? matches[0].uid : nil
    }

    /// True for the 8-4-4-4-12 hex form of a Kubernetes UID.
    static func isFullUID(_ text: String) -> Bool {
        // Compared as bytes: a key path and Character properties are costly first uses
        // on kspy exec's path.
        var count = 0
        for byte in text.utf8 {
            let isDash = byte == UInt8(ascii: "-")
            let isHex = (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
                || (UInt8(ascii: "A")...UInt8(ascii: "F")).contains(byte)
            let dashHere = count == 8 || count == 13 || count == 18 || count == 23
            guard dashHere ? isDash : isHex else { return false }
            count += 1
        }
        return count == 36
    }
}
