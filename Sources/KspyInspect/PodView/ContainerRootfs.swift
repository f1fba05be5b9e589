import KspyKernel

/// A container's root filesystem from its mount table's `/` entry: for overlayfs the
/// lower, upper and work directories from the super options (overlayfs docs:
/// `lowerdir=a:b,upperdir=…,workdir=…`).
public struct ContainerRootfs: Codable, Hashable, Sendable {
    /// The filesystem type (`overlay`, …).
    public var fsType: String
    /// The mount source.
    public var source: String
    /// overlay lower directories, top first.
    public var lowerDirs: [String]
    /// overlay upper directory.
    public var upperDir: String?
    /// overlay work directory.
    public var workDir: String?
    /// True when mounted read-only.
    public var readOnly: Bool

    /// The rootfs described by mountinfo entry `root` (the one at `/`).
    public init(root: MountInfoEntry) {
        fsType = root.fsType
        source = root.source
        lowerDirs = root.superOption("lowerdir").map { $0.split(separator: ":").map(String.init) } ?? []
        upperDir = root.superOption("upperdir")
        workDir = root.superOption("workdir")
        readOnly = root.isReadOnly
    }

    /// Encodes every key, nil as null.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(fsType, forKey: .fsType)
        try c.encode(source, forKey: .source)
        try c.encode(lowerDirs, forKey: .lowerDirs)
        try c.encode(upperDir, forKey: .upperDir)
        try c.encode(workDir, forKey: .workDir)
        try c.encode(readOnly, forKey: .readOnly)
    }
}
