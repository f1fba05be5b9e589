/// One extra mount made in a spawned process's new mount namespace, before pivot_root.
public struct SpawnMount: Equatable, Sendable {
    /// Host path for a bind mount; filesystem source name otherwise (`tmpfs`).
    public var source: String
    /// Absolute path inside the new root.
    public var target: String
    /// Filesystem type, nil for a bind mount.
    public var fsType: String?
    /// `MS_*` flags for a non-bind mount.
    public var flags: UInt
    /// Filesystem options (`size=…,mode=…`).
    public var data: String?
    /// Remount read-only after mounting.
    public var readOnly: Bool
    /// The target is a file (a bind-mounted file), not a directory.
    public var targetIsFile: Bool

    /// A bind mount of host path `source` at `target`.
    public static func bind(_ source: String, at target: String, readOnly: Bool = false, isFile: Bool = false)
        -> SpawnMount
    {
        SpawnMount(
            source: source, target: target, fsType: nil, flags: 0, data: nil, readOnly: readOnly,
            targetIsFile: isFile)
    }

    /// A tmpfs at `target` with `options` (e.g. `size=64m`).
    public static func tmpfs(at target: String, options: String?, readOnly: Bool = false) -> SpawnMount {
        SpawnMount(
            source: "tmpfs", target: target, fsType: "tmpfs", flags: 0x2 | 0x4 /* nosuid, nodev */,
            data: options, readOnly: readOnly, targetIsFile: false)
    }
}

/// Everything a spawned process gets set up before it runs: the Swift description of
/// `struct kspy_spawn_config`, the C code that runs between clone and exec.
public struct SpawnRequest: Sendable {
    /// What the child becomes.
    public enum Mode: Sendable {
        /// Execute `path` with `arguments` and `environment`.
        case exec(path: String, arguments: [String], environment: [String])
        /// Become a pause process (holds namespaces, reaps zombies, exits on SIGTERM).
        case pause
    }

    /// The workload.
    public var mode: Mode
    /// Namespaces to create.
    public var newNamespaces: NamespaceKinds = []
    /// A process whose namespaces to join (through its pidfd), with the kinds to join.
    public var joinTarget: Pidfd?
    /// Kinds to join from `joinTarget`; `.pid` makes the child start in its PID namespace.
    public var joinNamespaces: NamespaceKinds = []
    /// Host directory that becomes the root (mounted on itself or with `overlayOptions`).
    public var rootfs: String?
    /// `lowerdir=…,upperdir=…,workdir=…` for an overlay root.
    public var overlayOptions: String?
    /// Remount the root read-only.
    public var readOnlyRootfs = false
    /// Mount a fresh /proc in the new root.
    public var mountProc = false
    /// Mount a minimal /dev in the new root.
    public var mountDev = false
    /// Further mounts, in order (parents before children).
    public var mounts: [SpawnMount] = []
    /// Hostname to set (needs an own UTS namespace).
    public var hostname: String?
    /// Bring up `lo` (in a new network namespace).
    public var loopbackUp = false
    /// `comm` of the process (prctl PR_SET_NAME, 15 characters at most).
    public var processName: String?
    /// oom_score_adj to set (-1000…1000).
    public var oomScoreAdj: Int32?
    /// User and group to run as (supplementary groups are dropped).
    public var user: (uid: UInt32, gid: UInt32)?
    /// Working directory inside the new root.
    public var workingDirectory: String?
    /// Descriptors that become stdin, stdout, stderr (nil: /dev/null).
    public var stdin: Int32?
    /// See `stdin`.
    public var stdout: Int32?
    /// See `stdin`.
    public var stderr: Int32?
    /// Start a new session (setsid).
    public var newSession = true
    /// A cgroup the child enters itself (`Cgroup.openForJoining`), before it joins any
    /// namespace: it runs nothing outside it, without the parent placing it. The
    /// caller keeps and closes it.
    public var joinCgroup: CgroupJoin?
    /// Enter `joinCgroup`'s v2 directory by writing to its `cgroup.procs` even where
    /// clone3 could start the child in it (the fallback path, for tests).
    var joinsUnifiedCgroupByWrite = false
    /// Start the child the way posix_spawn does (CLONE_VM|CLONE_VFORK): the caller's
    /// memory is not copied, which a large process pays for on every fork, and `spawn`
    /// returns once the child has exec'd. Only for `.exec` with no namespaces to create;
    /// nothing runs in the parent before the child does, so `placeChild` is not called
    /// (use `joinCgroup`).
    public var sharesMemoryUntilExec = false

    /// A request for `mode` with everything else defaulted.
    public init(mode: Mode) { self.mode = mode }
}
