/// Kubernetes' name and path rules (apimachinery `pkg/util/validation`), each returning
/// the reason a value breaks the rule, or nil when it is valid.
enum ManifestNames {
    /// What a DNS-1123 label is, for error messages.
    static let labelRule =
        "must be a DNS-1123 label (at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit)"
    /// What a DNS-1123 subdomain is, for error messages.
    static let subdomainRule =
        "must be a DNS-1123 subdomain (at most 253 lowercase letters, digits, '-' and '.', each '.'-separated part starting and ending with a letter or digit)"

    /// `[a-z0-9]([-a-z0-9]*[a-z0-9])?`, at most 63 characters.
    static func isDNS1123Label(_ value: String) -> Bool {
        let bytes = Array(value.utf8)
        guard !bytes.isEmpty, bytes.count <= 63 else { return false }
        guard let first = bytes.first, let last = bytes.last, isLowerAlphanumeric(first), isLowerAlphanumeric(last)
        else { return false }
        return bytes.allSatisfy { isLowerAlphanumeric($0) || $0 == UInt8(ascii: "-") }
    }

    /// DNS-1123 labels joined by `.`, at most 253 characters.
    static func isDNS1123Subdomain(_ value: String) -> Bool {
        guard !value.isEmpty, value.utf8.count <= 253 else { return false }
        return value.split(separator: ".", omittingEmptySubsequences: false).allSatisfy {
            isDNS1123Label(String($0))
        }
    }

    /// A pod UID kspy can put in a cgroup path: 1 to 64 of `a-z`, `0-9`, `-`.
    static func isPodUID(_ value: String) -> Bool {
        let bytes = Array(value.utf8)
        guard !bytes.isEmpty, bytes.count <= 64 else { return false }
        return bytes.allSatisfy { isLowerAlphanumeric($0) || $0 == UInt8(ascii: "-") }
    }

    /// A label or annotation key: an optional DNS-1123 subdomain prefix and `/`, then a
    /// name of at most 63 letters, digits, `-`, `_`, `.` starting and ending with a letter
    /// or digit. Nil when valid, else why not.
    static func qualifiedNameProblem(_ key: String) -> String? {
        let parts = key.split(separator: "/", omittingEmptySubsequences: false)
        let name: String
        switch parts.count {
        case 1:
            name = key
        case 2:
            let prefix = String(parts[0])
            guard isDNS1123Subdomain(prefix) else {
                return "key \"\(key)\": the prefix before '/' \(subdomainRule)"
            }
            name = String(parts[1])
        default:
            return "key \"\(key)\" must have at most one '/'"
        }
        guard !name.isEmpty, name.utf8.count <= 63, isLabelValueShape(name) else {
            return
                "key \"\(key)\": the name must be at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit"
        }
        return nil
    }

    /// A label value: empty, or at most 63 letters, digits, `-`, `_`, `.` starting and
    /// ending with a letter or digit.
    static func isLabelValue(_ value: String) -> Bool {
        value.isEmpty || (value.utf8.count <= 63 && isLabelValueShape(value))
    }

    /// An absolute path without NUL.
    static func isAbsolutePath(_ path: String) -> Bool {
        path.hasPrefix("/") && !path.utf8.contains(0)
    }

    /// Why `path` is not an absolute path free of `..` components (which could lead a
    /// mount out of the container's root or a hostPath somewhere unexpected), or nil.
    static func descendingAbsolutePathProblem(_ path: String) -> String? {
        if !isAbsolutePath(path) { return "\(ManifestReader.quoted(path)) must be an absolute path" }
        if path.split(separator: "/").contains("..") { return "\(ManifestReader.quoted(path)) must not contain '..'" }
        return nil
    }

    /// Why `path` is not a relative path that stays inside its volume, or nil.
    static func relativePathProblem(_ path: String) -> String? {
        if path.hasPrefix("/") { return "\(ManifestReader.quoted(path)) must be a relative path" }
        if path.utf8.contains(0) { return "must not contain NUL" }
        if path.split(separator: "/").contains("..") { return "\(ManifestReader.quoted(path)) must not contain '..'" }
        return nil
    }

    /// `[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?` (length not checked).
    private static func isLabelValueShape(_ value: String) -> Bool {
        let bytes = Array(value.utf8)
        guard let first = bytes.first, let last = bytes.last, isAlphanumeric(first), isAlphanumeric(last)
        else { return false }
        return bytes.allSatisfy {
            isAlphanumeric($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".")
        }
    }

    private static func isLowerAlphanumeric(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
            || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
    }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        isLowerAlphanumeric(byte) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
    }
}
