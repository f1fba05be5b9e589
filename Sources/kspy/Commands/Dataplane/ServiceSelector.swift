import KspyDataplane

/// `kspy svc`'s optional argument: `VIP[:PORT][/PROTO]` (IPv6 as `[addr]:port`) or
/// `NAMESPACE/NAME` (matched against the `ns/svc:port` names kube-proxy records).
struct ServiceSelector {
    var vip: String?
    var port: Int?
    var proto: String?
    var serviceName: String?

    init?(_ text: String) {
        var rest = Substring(text)
        if let slash = rest.lastIndex(of: "/"), ["tcp", "udp", "sctp"].contains(rest[rest.index(after: slash)...].lowercased()) {
            proto = rest[rest.index(after: slash)...].lowercased()
            rest = rest[..<slash]
        }
        if rest.first?.isLetter == true && rest.contains("/") && !rest.contains(":") {
            serviceName = String(rest)
            return
        }
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { return nil }
            vip = String(rest[rest.index(after: rest.startIndex)..<close])
            let tail = rest[rest.index(after: close)...]
            if tail.hasPrefix(":") { guard let p = Int(tail.dropFirst()) else { return nil }; port = p }
            else if !tail.isEmpty { return nil }
        } else if rest.filter({ $0 == ":" }).count == 1, let colon = rest.firstIndex(of: ":") {
            vip = String(rest[..<colon])
            guard let p = Int(rest[rest.index(after: colon)...]) else { return nil }
            port = p
        } else {
            vip = String(rest)
        }
        guard let vip, !vip.isEmpty, vip.allSatisfy({ $0.isHexDigit || $0 == "." || $0 == ":" }) else { return nil }
    }

    func matches(_ frontend: ServiceFrontend) -> Bool {
        if let serviceName {
            guard let name = frontend.name else { return false }
            return name == serviceName || name.hasPrefix(serviceName + ":")
        }
        if let vip, frontend.vip != vip { return false }
        if let port, frontend.port != port { return false }
        if let proto, frontend.protocol != proto { return false }
        return true
    }
}
