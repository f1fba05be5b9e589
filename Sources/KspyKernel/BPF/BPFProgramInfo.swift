/// A BPF program loaded in the kernel, as BPF_OBJ_GET_INFO_BY_FD describes it
/// (`struct bpf_prog_info`, include/uapi/linux/bpf.h) — what `bpftool prog show` lists.
public struct BPFProgramInfo: Hashable, Sendable {
    /// The kernel's id of the program; ids are not reused until the 31-bit space wraps.
    public var id: UInt32
    /// The program name, at most 15 characters (BPF_OBJ_NAME_LEN − 1).
    public var name: String
    /// `enum bpf_prog_type` (e.g. 5 = BPF_PROG_TYPE_TRACEPOINT, 26 = BPF_PROG_TYPE_TRACING).
    public var type: UInt32

    /// A description with the given fields.
    public init(id: UInt32, name: String, type: UInt32) {
        self.id = id
        self.name = name
        self.type = type
    }
}
