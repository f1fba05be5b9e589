import CLibbpf
import Glibc

/// A BPF ELF object (programs, maps, BTF) opened from memory with libbpf
/// (`bpf_object__open_mem`, libbpf(3)), then loaded into the kernel. Loading
/// performs the CO-RE relocations against the running kernel's BTF
/// (/sys/kernel/btf/vmlinux) and runs the verifier on every program.
///
/// Lifetime: programs and maps belong to the object and go away with `close()` —
/// unless a `BPFLink` still holds a program (a link keeps its program loaded until it
/// is destroyed), so destroy links first. Not for concurrent use: one thread at a time.
public final class BPFObject: @unchecked Sendable {
    /// The object's name (also libbpf's name for it in messages).
    public let name: String
    private var handle: OpaquePointer?
    /// libbpf reads the ELF image in place while opening, so the bytes are kept here
    /// for the object's lifetime.
    private var image: UnsafeMutableRawBufferPointer?
    private var loaded = false

    /// Opens the ELF object in `elf` (a copy is kept) under `name`.
    /// - Throws: `BPFError` (EINVAL/ENOEXEC for a malformed object, with libbpf's log).
    public init(elf: [UInt8], name: String) throws(BPFError) {
        self.name = name
        let image = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, elf.count), alignment: 16)
        elf.withUnsafeBytes { image.copyMemory(from: $0) }
        let (opened, log) = BPFLibraryLog.capture { () -> (OpaquePointer?, Int32) in
            name.withCString { cName in
                LibbpfOptions.with(bpf_object_open_opts.self, setSize: { $0.pointee.sz = $1 }) { options in
                    options.pointee.object_name = cName
                    let object = bpf_object__open_mem(image.baseAddress, elf.count, options)
                    return (object, errno)
                }
            }
        }
        guard let object = opened.0 else {
            image.deallocate()
            throw BPFError("open BPF object", name, errno: opened.1, log: log)
        }
        handle = object
        self.image = image
    }

    deinit { close() }

    /// Sets `max_entries` of map `mapName` (before `load`): for a ring buffer its size
    /// in bytes, a power-of-two multiple of the page size (bpf_ringbuf, kernel
    /// Documentation/bpf/ringbuf.rst).
    public func setMaxEntries(_ count: UInt32, ofMap mapName: String) throws(BPFError) {
        let map = try mapHandle(mapName)
        let result = bpf_map__set_max_entries(map, count)
        if result < 0 { throw BPFError.fromResult("resize BPF map", mapName, result: result) }
    }

    /// Enables or disables loading of program `programName` (before `load`).
    public func setAutoload(_ autoload: Bool, program programName: String) throws(BPFError) {
        let program = try programHandle(programName)
        let result = bpf_program__set_autoload(program, autoload)
        if result < 0 { throw BPFError.fromResult("configure BPF program", programName, result: result) }
    }

    /// Loads maps and programs into the kernel (CO-RE relocation, verifier).
    /// - Throws: `BPFError` with libbpf's log: EPERM without CAP_BPF/root, EACCES or
    ///   EINVAL when the verifier rejects a program, ESRCH/ENOENT when a CO-RE
    ///   relocation or the attach target is missing from the kernel's BTF.
    public func load() throws(BPFError) {
        guard let handle else { throw BPFError("load BPF object", name, errno: EBADF) }
        guard !loaded else { return }
        let (result, log) = BPFLibraryLog.capture { bpf_object__load(handle) }
        if result < 0 { throw BPFError.fromResult("load BPF object", name, result: result, log: log) }
        loaded = true
    }

    /// The programs of the object, in ELF order.
    public var programs: [BPFProgram] {
        guard let handle else { return [] }
        var result: [BPFProgram] = []
        var program = bpf_object__next_program(handle, nil)
        while let current = program {
            result.append(BPFProgram(handle: current, object: self))
            program = bpf_object__next_program(handle, current)
        }
        return result
    }

    /// The program whose function is named `programName`.
    /// - Throws: `BPFError` ENOENT when the object has no such program.
    public func program(named programName: String) throws(BPFError) -> BPFProgram {
        BPFProgram(handle: try programHandle(programName), object: self)
    }

    /// The map named `mapName` (after `load` it has a file descriptor).
    /// - Throws: `BPFError` ENOENT when the object has no such map.
    public func map(named mapName: String) throws(BPFError) -> BPFMap {
        let map = try mapHandle(mapName)
        return BPFMap(name: mapName, fileDescriptor: bpf_map__fd(map), object: self)
    }

    /// Unloads the object's programs (those no link holds) and maps and frees
    /// libbpf's state. Idempotent.
    public func close() {
        if let handle {
            bpf_object__close(handle)
            self.handle = nil
        }
        if let image {
            image.deallocate()
            self.image = nil
        }
    }

    /// True until `close()`.
    public var isOpen: Bool { handle != nil }

    private func programHandle(_ programName: String) throws(BPFError) -> OpaquePointer {
        guard let handle else { throw BPFError("find BPF program", programName, errno: EBADF) }
        guard let program = bpf_object__find_program_by_name(handle, programName) else {
            throw BPFError("find BPF program", "\(programName) in \(name)", errno: ENOENT)
        }
        return program
    }

    private func mapHandle(_ mapName: String) throws(BPFError) -> OpaquePointer {
        guard let handle else { throw BPFError("find BPF map", mapName, errno: EBADF) }
        guard let map = bpf_object__find_map_by_name(handle, mapName) else {
            throw BPFError("find BPF map", "\(mapName) in \(name)", errno: ENOENT)
        }
        return map
    }
}
