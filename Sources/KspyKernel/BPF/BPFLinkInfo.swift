/// A BPF link in the kernel (`struct bpf_link_info`, include/uapi/linux/bpf.h): an
/// attachment that keeps its program loaded — what `bpftool link show` lists.
public struct BPFLinkInfo: Hashable, Sendable {
    /// The kernel's id of the link.
    public var id: UInt32
    /// The id of the program it attaches.
    public var programID: UInt32
    /// `enum bpf_link_type` (e.g. 2 = BPF_LINK_TYPE_TRACING, 7 = BPF_LINK_TYPE_PERF_EVENT).
    public var type: UInt32

    /// A description with the given fields.
    public init(id: UInt32, programID: UInt32, type: UInt32) {
        self.id = id
        self.programID = programID
        self.type = type
    }
}
