/// One entry of a container's `env`: a variable with a literal value.
public struct EnvVar: Codable, Equatable, Sendable {
    /// The variable's name.
    public var name: String
    /// The value (`""` when the manifest gives none).
    public var value: String

    /// Memberwise initialiser.
    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}
