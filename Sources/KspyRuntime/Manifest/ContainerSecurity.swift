/// The supported part of a container's `securityContext`.
public struct ContainerSecurity: Codable, Equatable, Sendable {
    /// `runAsUser`: the UID the process runs as (0 ... 2147483647), nil for the image's.
    public var runAsUser: UInt32?
    /// `runAsGroup`: the primary GID (0 ... 2147483647), nil for the image's.
    public var runAsGroup: UInt32?
    /// `readOnlyRootFilesystem`: mount the container's root read-only.
    public var readOnlyRootFilesystem: Bool

    /// Memberwise initialiser.
    public init(runAsUser: UInt32? = nil, runAsGroup: UInt32? = nil, readOnlyRootFilesystem: Bool = false) {
        self.runAsUser = runAsUser
        self.runAsGroup = runAsGroup
        self.readOnlyRootFilesystem = readOnlyRootFilesystem
    }
}
