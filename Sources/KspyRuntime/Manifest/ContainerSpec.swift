/// One entry of `spec.containers`, as far as kspy runs it.
public struct ContainerSpec: Codable, Equatable, Sendable {
    /// The container's name (a DNS-1123 label, unique in the pod).
    public var name: String
    /// The image: for kspy, an absolute path to a local root filesystem directory.
    public var image: String
    /// `command`: replaces the image's entrypoint when not empty.
    public var command: [String]
    /// `args`: the arguments to the command.
    public var args: [String]
    /// `env`: variables with literal values, in manifest order.
    public var env: [EnvVar]
    /// `workingDir`: an absolute path, nil for the image's.
    public var workingDir: String?
    /// `resources`: cpu and memory requests and limits.
    public var resources: ResourceRequirements
    /// `volumeMounts`, in manifest order.
    public var volumeMounts: [VolumeMountSpec]
    /// `securityContext`.
    public var securityContext: ContainerSecurity

    /// Memberwise initialiser.
    public init(
        name: String, image: String, command: [String] = [], args: [String] = [], env: [EnvVar] = [],
        workingDir: String? = nil, resources: ResourceRequirements = ResourceRequirements(),
        volumeMounts: [VolumeMountSpec] = [], securityContext: ContainerSecurity = ContainerSecurity()
    ) {
        self.name = name
        self.image = image
        self.command = command
        self.args = args
        self.env = env
        self.workingDir = workingDir
        self.resources = resources
        self.volumeMounts = volumeMounts
        self.securityContext = securityContext
    }
}
