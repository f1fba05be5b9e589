import Glibc

/// A kind of Linux namespace, named as in `/proc/<pid>/ns/<name>` (namespaces(7)).
public enum NamespaceKind: String, CaseIterable, Codable, Sendable, Comparable {
    case mnt, pid, net, ipc, uts, user, cgroup, time

    /// The `CLONE_NEW*` flag for this kind, as `clone(2)`, `unshare(2)` and `setns(2)` take it.
    public var cloneFlag: Int32 {
        switch self {
        case .mnt: return 0x0002_0000  // CLONE_NEWNS
        case .pid: return 0x2000_0000  // CLONE_NEWPID
        case .net: return 0x4000_0000  // CLONE_NEWNET
        case .ipc: return 0x0800_0000  // CLONE_NEWIPC
        case .uts: return 0x0400_0000  // CLONE_NEWUTS
        case .user: return 0x1000_0000  // CLONE_NEWUSER
        case .cgroup: return 0x0200_0000  // CLONE_NEWCGROUP
        case .time: return 0x0000_0080  // CLONE_NEWTIME
        }
    }

    /// The inode number the kernel gives the initial namespace of this kind (fixed since
    /// Linux 3.8, `PROC_*_INIT_INO` in include/linux/proc_ns.h); nil for the kinds whose
    /// initial namespace gets an ordinary one (mnt, net). A process whose namespace has
    /// it is in the host's namespace without comparing with PID 1's.
    public var initialNamespaceInode: UInt64? {
        switch self {
        case .ipc: return 0xEFFF_FFFF
        case .uts: return 0xEFFF_FFFE
        case .user: return 0xEFFF_FFFD
        case .pid: return 0xEFFF_FFFC
        case .cgroup: return 0xEFFF_FFFB
        case .time: return 0xEFFF_FFFA
        case .mnt, .net: return nil
        }
    }

    /// Parses a comma-separated list such as `net,uts` (as `kspy exec --ns` takes it).
    public static func parseList(_ text: String) -> [NamespaceKind]? {
        var kinds: [NamespaceKind] = []
        for part in text.split(separator: ",") {
            guard let kind = NamespaceKind(rawValue: part.trimmingCharacters(in: " ")) else { return nil }
            kinds.append(kind)
        }
        return kinds
    }

    public static func < (a: NamespaceKind, b: NamespaceKind) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

extension Substring {
    fileprivate func trimmingCharacters(in set: Character) -> String {
        String(self.drop(while: { $0 == set }).reversed().drop(while: { $0 == set }).reversed())
    }
}
