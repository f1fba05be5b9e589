/// One line of `/proc/<pid>/cgroup` (cgroups(7), "/proc/[pid]/cgroup"):
/// `hierarchy-ID:controller-list:cgroup-path`. v1 lines name their controllers
/// (`4:memory:/kubepods/…`, `1:name=systemd:/…`); the v2 line is `0::/path`. Paths
/// are relative to the reader's cgroup namespace root and can start with `/..`
/// (cgroup_namespaces(7)).
public struct ProcessCgroupEntry: Hashable, Sendable {
    /// Hierarchy ID (0 for cgroup v2; v1 IDs match `/proc/cgroups`).
    public var hierarchyID: Int
    /// Controllers of a v1 hierarchy (`["cpu", "cpuacct"]`, `["name=systemd"]`); empty for v2.
    public var controllers: [String]
    /// The cgroup path.
    public var path: String
    /// True when the kernel marked the v2 cgroup ` (deleted)` (the process is in a
    /// cgroup that was removed, e.g. a zombie).
    public var isDeleted: Bool

    /// Creates an entry from its fields.
    public init(hierarchyID: Int, controllers: [String], path: String, isDeleted: Bool = false) {
        self.hierarchyID = hierarchyID
        self.controllers = controllers
        self.path = path
        self.isDeleted = isDeleted
    }

    /// True for the cgroup v2 line (`0::…`).
    public var isUnified: Bool { hierarchyID == 0 && controllers.isEmpty }

    /// Parses the whole file; malformed lines are skipped.
    public static func parse(_ text: String) -> [ProcessCgroupEntry] {
        text.split(separator: "\n").compactMap { parseLine($0) }
    }

    /// Parses the raw bytes of the file, as `parse(_:)` does, without going through a
    /// `String` of the whole file and its `Character`s.
    public static func parse(bytes: [UInt8]) -> [ProcessCgroupEntry] {
        var entries: [ProcessCgroupEntry] = []
        var lineStart = 0
        let colon = UInt8(ascii: ":")
        while lineStart < bytes.count {
            var lineEnd = lineStart
            while lineEnd < bytes.count && bytes[lineEnd] != UInt8(ascii: "\n") { lineEnd += 1 }
            defer { lineStart = lineEnd + 1 }
            guard let first = bytes[lineStart..<lineEnd].firstIndex(of: colon),
                let second = bytes[(first + 1)..<lineEnd].firstIndex(of: colon),
                let id = ProcessStat.decimal(bytes[lineStart..<first])
            else { continue }
            let controllers = ProcText.pieces(of: bytes[(first + 1)..<second], separatedBy: UInt8(ascii: ",")) {
                String(decoding: $0, as: UTF8.self)
            }
            var path = String(decoding: bytes[(second + 1)..<lineEnd], as: UTF8.self)
            var deleted = false
            if id == 0, path.hasSuffix(" (deleted)") {
                path.removeLast(" (deleted)".count)
                deleted = true
            }
            guard path.utf8.first == UInt8(ascii: "/") else { continue }
            entries.append(
                ProcessCgroupEntry(hierarchyID: Int(id), controllers: controllers, path: path, isDeleted: deleted))
        }
        return entries
    }

    /// Parses one line (the path is everything after the second colon).
    public static func parseLine<S: StringProtocol>(_ line: S) -> ProcessCgroupEntry? {
        guard let first = line.firstIndex(of: ":") else { return nil }
        let afterFirst = line.index(after: first)
        guard let second = line[afterFirst...].firstIndex(of: ":"), let id = Int(line[..<first]) else {
            return nil
        }
        let controllers = line[afterFirst..<second].split(separator: ",").map { String($0) }
        var path = String(line[line.index(after: second)...])
        var deleted = false
        if id == 0, path.hasSuffix(" (deleted)") {
            path.removeLast(" (deleted)".count)
            deleted = true
        }
        guard path.hasPrefix("/") else { return nil }
        return ProcessCgroupEntry(hierarchyID: id, controllers: controllers, path: path, isDeleted: deleted)
    }
}
