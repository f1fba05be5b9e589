/// Why a pod reference (`kspy pod POD`, `kspy ps --pod P`) did not name exactly one pod.
public enum PodLookupError: Error, CustomStringConvertible, Equatable {
    /// No pod matches; `searched` names the sources looked in.
    case notFound(reference: String, searched: String)
    /// Several pods match; `candidates` lists them as `namespace/name (uid)`.
    case ambiguous(reference: String, candidates: [String])

    public var description: String {
        switch self {
        case .notFound(let reference, let searched):
            return "pod \"\(reference)\" not found on this node (searched: \(searched))"
        case .ambiguous(let reference, let candidates):
            return "pod \"\(reference)\" is ambiguous: it matches \(candidates.joined(separator: ", "))"
        }
    }
}
