/// The propagation state of a mount, decoded from the optional fields of
/// `/proc/<pid>/mountinfo` (mount_namespaces(7), "Shared subtrees" and proc(5)):
/// `shared:N` (member of peer group N), `master:N` (slave of peer group N),
/// `propagate_from:N` (nearest dominant peer group reachable from this namespace),
/// `unbindable`. A mount with none of them is private.
public struct MountInfoPropagation: Hashable, Sendable {
    /// Peer group ID when the mount is shared (`shared:N`).
    public var sharedPeerGroup: Int?
    /// Peer group ID of the master when the mount is a slave (`master:N`).
    public var masterPeerGroup: Int?
    /// The `propagate_from:N` peer group, shown only for slaves whose master is not
    /// visible in the reader's namespace.
    public var propagateFrom: Int?
    /// True for `unbindable` mounts.
    public var isUnbindable: Bool

    /// Decodes the optional fields of a mountinfo line; unknown tags are ignored.
    public init(optionalFields: [String]) {
        sharedPeerGroup = nil
        masterPeerGroup = nil
        propagateFrom = nil
        isUnbindable = false
        for field in optionalFields {
            guard let colon = field.firstIndex(of: ":") else {
                if field == "unbindable" { isUnbindable = true }
                continue
            }
            let tag = field[..<colon]
            let value = Int(field[field.index(after: colon)...])
            switch tag {
            case "shared": sharedPeerGroup = value
            case "master": masterPeerGroup = value
            case "propagate_from": propagateFrom = value
            default: break
            }
        }
    }

    /// True when the mount is a member of a shared peer group.
    public var isShared: Bool { sharedPeerGroup != nil }
    /// True when the mount receives propagation from a master peer group.
    public var isSlave: Bool { masterPeerGroup != nil }
    /// True when the mount neither sends nor receives propagation (and is bindable).
    public var isPrivate: Bool { sharedPeerGroup == nil && masterPeerGroup == nil && !isUnbindable }
}
