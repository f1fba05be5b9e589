import CLibbpf
import Glibc

/// The BPF programs and links loaded in the kernel, found the way `bpftool` finds
/// them: bpf(2) BPF_PROG_GET_NEXT_ID / BPF_LINK_GET_NEXT_ID to walk the ids,
/// BPF_PROG_GET_FD_BY_ID / BPF_LINK_GET_FD_BY_ID and BPF_OBJ_GET_INFO_BY_FD to
/// describe each. Needs CAP_SYS_ADMIN (root). Objects unloaded between two calls are
/// skipped, not errors.
public enum BPFSystem {
    /// Every loaded program.
    /// - Throws: `BPFError` (EPERM without privilege).
    public static func programs() throws(BPFError) -> [BPFProgramInfo] {
        var result: [BPFProgramInfo] = []
        var id: UInt32 = 0
        while true {
            var next: UInt32 = 0
            let status = bpf_prog_get_next_id(id, &next)
            if status < 0 {
                if -status == ENOENT { return result }
                throw BPFError.fromResult("list BPF programs", "after id \(id)", result: status)
            }
            id = next
            let fd = bpf_prog_get_fd_by_id(next)
            if fd < 0 {
                if -fd == ENOENT { continue }  // unloaded meanwhile
                throw BPFError.fromResult("open BPF program", "id \(next)", result: fd)
            }
            defer { Glibc.close(fd) }
            result.append(try programInfo(fileDescriptor: fd))
        }
    }

    /// Every BPF link.
    /// - Throws: `BPFError` (EPERM without privilege).
    public static func links() throws(BPFError) -> [BPFLinkInfo] {
        var result: [BPFLinkInfo] = []
        var id: UInt32 = 0
        while true {
            var next: UInt32 = 0
            let status = bpf_link_get_next_id(id, &next)
            if status < 0 {
                if -status == ENOENT { return result }
                throw BPFError.fromResult("list BPF links", "after id \(id)", result: status)
            }
            id = next
            let fd = bpf_link_get_fd_by_id(next)
            if fd < 0 {
                if -fd == ENOENT { continue }
                throw BPFError.fromResult("open BPF link", "id \(next)", result: fd)
            }
            defer { Glibc.close(fd) }
            result.append(try linkInfo(fileDescriptor: fd))
        }
    }

    /// The description of the program behind `fileDescriptor`.
    public static func programInfo(fileDescriptor: Int32) throws(BPFError) -> BPFProgramInfo {
        var info = bpf_prog_info()
        var length = UInt32(MemoryLayout<bpf_prog_info>.size)
        let status = bpf_obj_get_info_by_fd(fileDescriptor, &info, &length)
        if status < 0 { throw BPFError.fromResult("read BPF program info", "fd \(fileDescriptor)", result: status) }
        let name = withUnsafeBytes(of: info.name) { bytes in
            String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
        }
        return BPFProgramInfo(id: info.id, name: name, type: info.type)
    }

    /// The description of the link behind `fileDescriptor`.
    public static func linkInfo(fileDescriptor: Int32) throws(BPFError) -> BPFLinkInfo {
        var info = bpf_link_info()
        var length = UInt32(MemoryLayout<bpf_link_info>.size)
        let status = bpf_obj_get_info_by_fd(fileDescriptor, &info, &length)
        if status < 0 { throw BPFError.fromResult("read BPF link info", "fd \(fileDescriptor)", result: status) }
        return BPFLinkInfo(id: info.id, programID: info.prog_id, type: info.type)
    }
}
