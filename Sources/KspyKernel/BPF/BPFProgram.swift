import CLibbpf
import Glibc

/// One program of a `BPFObject`. Valid while the object is open; it keeps the
/// object alive.
public struct BPFProgram: @unchecked Sendable {
    let handle: OpaquePointer
    /// The object the program belongs to.
    public let object: BPFObject

    /// The program's function name in the ELF object. The kernel keeps at most 15
    /// characters of it (BPF_OBJ_NAME_LEN), as `bpftool prog show` lists it.
    public var name: String { bpf_program__name(handle).map { String(cString: $0) } ?? "" }

    /// The ELF section, which names the attach point (`tp_btf/mark_victim`,
    /// `tracepoint/oom/mark_victim`).
    public var section: String { bpf_program__section_name(handle).map { String(cString: $0) } ?? "" }

    /// The program's file descriptor after load; negative before.
    public var fileDescriptor: Int32 { bpf_program__fd(handle) }

    /// The kernel's description of the loaded program (its id, name and type).
    /// - Throws: `BPFError` EBADF before load.
    public func info() throws(BPFError) -> BPFProgramInfo {
        let fd = fileDescriptor
        if fd < 0 { throw BPFError("read BPF program info", name, errno: EBADF) }
        return try BPFSystem.programInfo(fileDescriptor: fd)
    }

    /// Attaches the program at the point its section names (bpf_program__attach):
    /// a `tp_btf/…` program through a BPF tracing link, a `tracepoint/…` program
    /// through a perf event on the tracepoint (a BPF perf link on kernels with one).
    /// The program stays attached until the returned link is destroyed.
    /// - Throws: `BPFError` (ENOENT when the tracepoint does not exist, EPERM).
    public func attach() throws(BPFError) -> BPFLink {
        let programName = name
        let (attached, log) = BPFLibraryLog.capture { () -> (OpaquePointer?, Int32) in
            let link = bpf_program__attach(handle)
            return (link, errno)
        }
        guard let link = attached.0 else {
            throw BPFError("attach BPF program", "\(programName) (\(section))", errno: attached.1, log: log)
        }
        return BPFLink(handle: link, programName: programName)
    }
}
