import Glibc

/// Why a netlink request failed: the kernel refused it (an `NLMSG_ERROR` with a
/// negative errno, netlink(7)), the kernel's reply could not be parsed, an argument
/// could not be encoded, or a syscall on the socket failed.
public enum NetlinkError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The kernel answered `request` with `NLMSG_ERROR` carrying `-errno` (or a negative
    /// error in `NLMSG_DONE`). `message` is the extended-ACK text (`NLMSGERR_ATTR_MSG`)
    /// when the kernel gave one, e.g. "Invalid prefix for given prefix length".
    case kernel(errno: Int32, request: String, message: String?)
    /// A message or attribute from the kernel (or a buffer given to the parser) is
    /// malformed: shorter than its header says, a length below the header size, or an
    /// attribute of the wrong size.
    case malformed(String)
    /// An argument could not be encoded: an invalid IP address, a name longer than
    /// IFNAMSIZ-1, a message longer than 4 GiB.
    case invalidArgument(String)
    /// A syscall on the netlink socket (socket, bind, sendto, recvfrom, setns) failed.
    case system(KernelError)

    /// The errno of a kernel refusal or a failed syscall; nil for parse and argument errors.
    public var errno: Int32? {
        switch self {
        case .kernel(let errno, _, _): return errno
        case .system(let error): return error.errno
        case .malformed, .invalidArgument: return nil
        }
    }

    /// The request, strerror(3) of the errno and the kernel's extended-ACK text, e.g.
    /// "add address 10.0.0.1/24 to link 999 (RTM_NEWADDR): No such device".
    public var description: String {
        switch self {
        case .kernel(let errno, let request, let message):
            let reason = String(cString: strerror(errno))
            if let message, !message.isEmpty { return "\(request): \(reason) (\(message))" }
            return "\(request): \(reason)"
        case .malformed(let what): return "malformed netlink data: \(what)"
        case .invalidArgument(let what): return "invalid netlink argument: \(what)"
        case .system(let error): return error.description
        }
    }
}
