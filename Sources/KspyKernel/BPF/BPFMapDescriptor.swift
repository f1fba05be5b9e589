import CLibbpf
import Glibc

/// Any BPF map, held through a file descriptor of its own and read as raw bytes: a map
/// another program pinned in a BPF filesystem (`bpf_obj_get`), or one created here
/// (`bpf_map_create`, for tests and scratch maps). Unlike `BPFMap` it needs no
/// `BPFObject`. Keys and values are byte arrays of the sizes in `info` (checked before
/// each call); decoding them is the caller's business.
///
/// Needs CAP_BPF or CAP_SYS_ADMIN (root) for everything but a map whose pin the
/// caller may open (bpf(2), Documentation/bpf/bpf_design_QA.rst). Not for concurrent
/// use: one thread at a time. The descriptor is closed by `close()` or on deinit.
public final class BPFMapDescriptor: @unchecked Sendable {
    /// The file descriptor; −1 after `close()`.
    public private(set) var fileDescriptor: Int32
    /// The pin path or name the map was opened or created by (for messages).
    public let label: String
    /// The kernel's description of the map, read when it was opened.
    public let info: BPFMapInfo

    private init(fileDescriptor: Int32, label: String, info: BPFMapInfo) {
        self.fileDescriptor = fileDescriptor
        self.label = label
        self.info = info
    }

    deinit { close() }

    /// Opens the map pinned at `path` in a BPF filesystem (BPF_OBJ_GET, bpf(2)),
    /// read-only unless `readOnly` is false (BPF_F_RDONLY on the new descriptor: the
    /// pinned map cannot be changed through it).
    /// - Throws: `BPFError`: ENOENT when nothing is pinned there, EPERM/EACCES without
    ///   privilege, EINVAL when the path is not on a BPF filesystem or the pinned
    ///   object is a program or link rather than a map.
    public static func open(pinnedAt path: String, readOnly: Bool = true) throws(BPFError) -> BPFMapDescriptor {
        let fd = LibbpfOptions.with(bpf_obj_get_opts.self, setSize: { $0.pointee.sz = $1 }) { options in
            options.pointee.file_flags = readOnly ? UInt32(BPF_F_RDONLY) : 0
            return bpf_obj_get_opts(path, options)
        }
        if fd < 0 { throw BPFError.fromResult("open pinned BPF map", path, result: fd) }
        // A pin may hold a program or link too; only a map's fd reads as "bpf-map".
        if let kind = anonymousInodeKind(of: fd), kind != "bpf-map" {
            Glibc.close(fd)
            throw BPFError("open pinned BPF map", "\(path) (a \(kind), not a map)", errno: EINVAL)
        }
        do {
            return BPFMapDescriptor(fileDescriptor: fd, label: path, info: try info(fileDescriptor: fd, label: path))
        } catch {
            Glibc.close(fd)
            throw error
        }
    }

    /// Creates a new, unpinned map (BPF_MAP_CREATE). `name` is cut to the kernel's 15
    /// characters and anything but letters, digits, `_` and `.` becomes `_` (the
    /// kernel refuses other characters). The map lives while a descriptor or a pin
    /// holds it.
    /// - Throws: `BPFError`: EPERM without privilege, EINVAL for sizes the type
    ///   does not allow (an array's key must be 4 bytes), E2BIG/ENOMEM for too large.
    public static func create(
        type: BPFMapType, name: String, keySize: Int, valueSize: Int, maxEntries: Int, flags: UInt32 = 0
    ) throws(BPFError) -> BPFMapDescriptor {
        guard keySize >= 0, valueSize > 0, maxEntries > 0, keySize <= Int(UInt32.max), valueSize <= Int(UInt32.max),
            maxEntries <= Int(UInt32.max)
        else { throw BPFError("create BPF map", name, errno: EINVAL) }
        let allowed: (Unicode.Scalar) -> Bool = {
            $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_" || $0 == ".")
        }
        let kernelName = String(String.UnicodeScalarView(name.unicodeScalars.prefix(15).map { allowed($0) ? $0 : "_" }))
        let fd = LibbpfOptions.with(bpf_map_create_opts.self, setSize: { $0.pointee.sz = $1 }) { options in
            options.pointee.map_flags = flags
            return bpf_map_create(
                bpf_map_type(rawValue: type.rawValue), kernelName, UInt32(keySize), UInt32(valueSize),
                UInt32(maxEntries), options)
        }
        if fd < 0 { throw BPFError.fromResult("create BPF map", name, result: fd) }
        do {
            return BPFMapDescriptor(fileDescriptor: fd, label: name, info: try info(fileDescriptor: fd, label: name))
        } catch {
            Glibc.close(fd)
            throw error
        }
    }

    /// The description of the map behind `fileDescriptor` (BPF_OBJ_GET_INFO_BY_FD).
    public static func info(fileDescriptor: Int32, label: String = "") throws(BPFError) -> BPFMapInfo {
        var raw = bpf_map_info()
        var length = UInt32(MemoryLayout<bpf_map_info>.size)
        let status = bpf_obj_get_info_by_fd(fileDescriptor, &raw, &length)
        if status < 0 {
            throw BPFError.fromResult(
                "read BPF map info", label.isEmpty ? "fd \(fileDescriptor)" : label, result: status)
        }
        let name = withUnsafeBytes(of: raw.name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        return BPFMapInfo(
            id: raw.id, type: BPFMapType(rawValue: raw.type), name: name, keySize: Int(raw.key_size),
            valueSize: Int(raw.value_size), maxEntries: Int(raw.max_entries), flags: raw.map_flags)
    }

    /// Bytes one lookup returns: `valueSize`, or for a per-CPU map the value rounded
    /// up to 8 bytes times the number of possible CPUs (bpf(2) BPF_MAP_LOOKUP_ELEM).
    public var lookupValueSize: Int {
        guard info.type.isPerCPU else { return info.valueSize }
        let cpus = max(1, Int(libbpf_num_possible_cpus()))
        return (info.valueSize + 7) / 8 * 8 * cpus
    }

    /// Pins the map at `path` (BPF_OBJ_PIN): `path` must be on a BPF filesystem and
    /// not exist yet. The pin keeps the map alive until the file is unlinked.
    /// - Throws: `BPFError`: EEXIST, ENOENT (no such directory), EPERM.
    public func pin(at path: String) throws(BPFError) {
        let fd = try openDescriptor("pin BPF map")
        let status = bpf_obj_pin(fd, path)
        if status < 0 { throw BPFError.fromResult("pin BPF map \(label) at", path, result: status) }
    }

    /// The value stored under `key`, or nil when there is none (ENOENT).
    /// - Throws: `BPFError` (EINVAL for a key of the wrong size).
    public func value(forKey key: [UInt8]) throws(BPFError) -> [UInt8]? {
        let fd = try openDescriptor("look up BPF map")
        try checkKey(key, "look up BPF map")
        var value = [UInt8](repeating: 0, count: lookupValueSize)
        let status = key.withUnsafeBytes { k in
            value.withUnsafeMutableBytes { v in bpf_map_lookup_elem(fd, k.baseAddress, v.baseAddress) }
        }
        if status < 0 {
            if -status == ENOENT { return nil }
            throw BPFError.fromResult("look up BPF map", label, result: status)
        }
        return value
    }

    /// Stores `value` under `key` (BPF_MAP_UPDATE_ELEM). `flags`: 0 BPF_ANY (create or
    /// replace), 1 BPF_NOEXIST (create only), 2 BPF_EXIST (replace only).
    /// - Throws: `BPFError`: EINVAL for wrong sizes, E2BIG when the map is full,
    ///   EPERM through a read-only descriptor, EEXIST/ENOENT as the flags demand.
    public func update(key: [UInt8], value: [UInt8], flags: UInt64 = 0) throws(BPFError) {
        let fd = try openDescriptor("update BPF map")
        try checkKey(key, "update BPF map")
        guard value.count == lookupValueSize else {
            throw BPFError(
                "update BPF map", "\(label) (value of \(value.count) bytes, map wants \(lookupValueSize))",
                errno: EINVAL)
        }
        let status = key.withUnsafeBytes { k in
            value.withUnsafeBytes { v in bpf_map_update_elem(fd, k.baseAddress, v.baseAddress, flags) }
        }
        if status < 0 { throw BPFError.fromResult("update BPF map", label, result: status) }
    }

    /// Deletes `key` (BPF_MAP_DELETE_ELEM); false when it was not there.
    @discardableResult
    public func delete(key: [UInt8]) throws(BPFError) -> Bool {
        let fd = try openDescriptor("delete from BPF map")
        try checkKey(key, "delete from BPF map")
        let status = key.withUnsafeBytes { bpf_map_delete_elem(fd, $0.baseAddress) }
        if status < 0 {
            if -status == ENOENT { return false }
            throw BPFError.fromResult("delete from BPF map", label, result: status)
        }
        return true
    }

    /// Every key, by BPF_MAP_GET_NEXT_KEY from the start. If a key is deleted while
    /// the walk stands on it, the kernel restarts from the first key; keys already
    /// seen are then skipped, and the walk is bounded (2 × max_entries + 64 steps) so
    /// a map that keeps changing cannot make it loop forever.
    public func keys() throws(BPFError) -> [[UInt8]] {
        let fd = try openDescriptor("iterate BPF map")
        var result: [[UInt8]] = []
        var seen = Set<[UInt8]>()
        var current: [UInt8]? = nil
        var next = [UInt8](repeating: 0, count: max(1, info.keySize))
        let limit = info.maxEntries * 2 + 64
        var steps = 0
        while steps < limit {
            steps += 1
            let status: Int32
            if let key = current {
                status = key.withUnsafeBytes { k in
                    next.withUnsafeMutableBytes { n in bpf_map_get_next_key(fd, k.baseAddress, n.baseAddress) }
                }
            } else {
                status = next.withUnsafeMutableBytes { bpf_map_get_next_key(fd, nil, $0.baseAddress) }
            }
            if status < 0 {
                if -status == ENOENT { break }
                throw BPFError.fromResult("iterate BPF map", label, result: status)
            }
            let key = Array(next.prefix(info.keySize))
            if seen.insert(key).inserted { result.append(key) }
            current = key
        }
        return result
    }

    /// Every entry: by BPF_MAP_LOOKUP_BATCH when `preferBatch` and the kernel supports
    /// it for this map type, else by `keys()` and one lookup per key (keys deleted in
    /// between are skipped). `method` in the result says which was used.
    public func dump(preferBatch: Bool = true) throws(BPFError) -> BPFMapDump {
        if preferBatch, let entries = try batchEntries() {
            return BPFMapDump(entries: entries, method: .batch)
        }
        var entries: [BPFMapDump.Entry] = []
        for key in try keys() {
            if let value = try value(forKey: key) { entries.append(BPFMapDump.Entry(key: key, value: value)) }
        }
        return BPFMapDump(entries: entries, method: .iteration)
    }

    /// Closes the descriptor (the map itself lives on while a pin or another holder
    /// keeps it). Idempotent.
    public func close() {
        if fileDescriptor >= 0 {
            Glibc.close(fileDescriptor)
            fileDescriptor = -1
        }
    }

    // MARK: - Private

    /// All entries by BPF_MAP_LOOKUP_BATCH, or nil when the kernel or the map type does
    /// not support batches (EINVAL from a kernel without the command, ENOTSUPP 524 or
    /// EOPNOTSUPP from a map type without `map_lookup_batch`) — known on the first call,
    /// before anything was read.
    private func batchEntries() throws(BPFError) -> [BPFMapDump.Entry]? {
        let fd = try openDescriptor("batch-read BPF map")
        let keySize = info.keySize
        let valueSize = lookupValueSize
        guard keySize > 0, valueSize > 0 else { return nil }
        var batchSize = max(16, min(info.maxEntries, 1024))
        // The batch token is a u32 bucket index for hash maps and a key for arrays.
        let tokenSize = max(keySize, 8)
        var inToken = [UInt8](repeating: 0, count: tokenSize)
        var outToken = [UInt8](repeating: 0, count: tokenSize)
        var keys = [UInt8](repeating: 0, count: batchSize * keySize)
        var values = [UInt8](repeating: 0, count: batchSize * valueSize)
        var entries: [BPFMapDump.Entry] = []
        var first = true
        while true {
            var count = UInt32(batchSize)
            let status = inToken.withUnsafeMutableBytes { input in
                outToken.withUnsafeMutableBytes { output in
                    keys.withUnsafeMutableBytes { k in
                        values.withUnsafeMutableBytes { v in
                            bpf_map_lookup_batch(
                                fd, first ? nil : input.baseAddress, output.baseAddress, k.baseAddress, v.baseAddress,
                                &count, nil)
                        }
                    }
                }
            }
            let error = status < 0 ? -status : 0
            if error != 0 && error != ENOENT {
                if first && entries.isEmpty && (error == EINVAL || error == 524 || error == EOPNOTSUPP) {
                    return nil
                }
                // A hash bucket holds more entries than fit: retry with room for it.
                if error == ENOSPC && batchSize < 1 << 20 {
                    batchSize *= 4
                    keys = [UInt8](repeating: 0, count: batchSize * keySize)
                    values = [UInt8](repeating: 0, count: batchSize * valueSize)
                    continue
                }
                throw BPFError.fromResult("batch-read BPF map", label, result: status)
            }
            let got = min(Int(count), batchSize)
            for index in 0..<got {
                entries.append(
                    BPFMapDump.Entry(
                        key: Array(keys[index * keySize..<(index + 1) * keySize]),
                        value: Array(values[index * valueSize..<(index + 1) * valueSize])))
            }
            if error == ENOENT { return entries }
            inToken = outToken
            first = false
        }
    }

    private func openDescriptor(_ operation: String) throws(BPFError) -> Int32 {
        if fileDescriptor < 0 { throw BPFError(operation, label, errno: EBADF) }
        return fileDescriptor
    }

    private func checkKey(_ key: [UInt8], _ operation: String) throws(BPFError) {
        guard key.count == info.keySize else {
            throw BPFError(operation, "\(label) (key of \(key.count) bytes, map wants \(info.keySize))", errno: EINVAL)
        }
    }

    /// `bpf-map`, `bpf-prog`, `bpf_link` … from the fd's /proc/self/fd link
    /// (`anon_inode:bpf-map`); nil when /proc cannot tell.
    private static func anonymousInodeKind(of fd: Int32) -> String? {
        var buffer = [CChar](repeating: 0, count: 256)
        let count = readlink("/proc/self/fd/\(fd)", &buffer, buffer.count - 1)
        guard count > 0 else { return nil }
        let target = String(decoding: buffer.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let prefix = "anon_inode:"
        guard target.hasPrefix(prefix) else { return nil }
        return String(target.dropFirst(prefix.count))
    }
}
