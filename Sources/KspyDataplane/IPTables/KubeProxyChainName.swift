/// kube-proxy's per-service chain names (dataplanes.md §1.2, kubernetes
/// `pkg/proxy/iptables/proxier.go`): SHA-256 of `ns/svc[:portName]` + lower-case
/// protocol (+ `ip:port` of the endpoint for `KUBE-SEP-`), base32 (RFC 4648, `A–Z2–7`),
/// first 16 characters, after the prefix. The hash cannot be inverted, but a name taken
/// from a comment can be confirmed against the chain it was found on.
public enum KubeProxyChainName {
    /// The prefixes of the per-service chains kube-proxy owns in the nat table.
    public static let servicePrefixes = ["KUBE-SVC-", "KUBE-SVL-", "KUBE-EXT-", "KUBE-FW-"]

    /// The 16-character hash for `servicePortName` (`ns/svc` or `ns/svc:port`),
    /// `protocol` (`tcp`/`udp`/`sctp`, lower-cased here) and, for endpoint chains, the
    /// endpoint `ip:port` (`[v6]:port`).
    public static func hash(servicePortName: String, protocol: String, endpoint: String? = nil) -> String {
        let input = servicePortName + `protocol`.lowercased() + (endpoint ?? "")
        return String(base32(SHA256.hash(Array(input.utf8))).prefix(16))
    }

    /// `KUBE-SVC-<hash>` (or another of `servicePrefixes` via `prefix`).
    public static func serviceChain(_ servicePortName: String, protocol: String, prefix: String = "KUBE-SVC-") -> String
    {
        prefix + hash(servicePortName: servicePortName, protocol: `protocol`)
    }

    /// `KUBE-SEP-<hash>` for one endpoint of a service port.
    public static func endpointChain(_ servicePortName: String, protocol: String, endpoint: String) -> String {
        "KUBE-SEP-" + hash(servicePortName: servicePortName, protocol: `protocol`, endpoint: endpoint)
    }

    /// The hash part of a per-service or endpoint chain name, nil for other chains.
    public static func hashPart(of chain: String) -> String? {
        for prefix in servicePrefixes + ["KUBE-SEP-"] where chain.hasPrefix(prefix) {
            return String(chain.dropFirst(prefix.count))
        }
        return nil
    }

    /// RFC 4648 base32 with padding (Go's `base32.StdEncoding`).
    static func base32(_ bytes: [UInt8]) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
        var out = ""
        var buffer: UInt32 = 0
        var bits = 0
        for b in bytes {
            buffer = (buffer << 8) | UInt32(b)
            bits += 8
            while bits >= 5 {
                out.append(alphabet[Int((buffer >> UInt32(bits - 5)) & 31)])
                bits -= 5
            }
        }
        if bits > 0 { out.append(alphabet[Int((buffer << UInt32(5 - bits)) & 31)]) }
        while out.count % 8 != 0 { out.append("=") }
        return out
    }
}
