import CLibbpf
import Glibc

/// An attachment of a BPF program (libbpf `struct bpf_link`): while it exists the
/// program runs at its attach point and stays loaded. `destroy()` detaches it (and
/// closes its file descriptor); it is idempotent and also runs on deinit.
public final class BPFLink: @unchecked Sendable {
    private var handle: OpaquePointer?
    /// The program this link attaches.
    public let programName: String

    init(handle: OpaquePointer, programName: String) {
        self.handle = handle
        self.programName = programName
    }

    deinit { destroy() }

    /// The link's file descriptor; -1 once destroyed.
    public var fileDescriptor: Int32 {
        guard let handle else { return -1 }
        return bpf_link__fd(handle)
    }

    /// The kernel's id of the link (BPF_OBJ_GET_INFO_BY_FD), nil when the link is
    /// destroyed or is not a kernel BPF link (old kernels attach tracepoints
    /// through a perf event without one).
    public var id: UInt32? {
        let fd = fileDescriptor
        guard fd >= 0 else { return nil }
        return try? BPFSystem.linkInfo(fileDescriptor: fd).id
    }

    /// Detaches and frees the link. Idempotent.
    public func destroy() {
        guard let handle else { return }
        _ = bpf_link__destroy(handle)
        self.handle = nil
    }

    /// True until `destroy()`.
    public var isAttached: Bool { handle != nil }
}
