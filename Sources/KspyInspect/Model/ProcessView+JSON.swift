extension ProcessView {
    /// `processes` as pretty-printed JSON with sorted keys — exactly the text
    /// Foundation's JSONEncoder writes with `[.prettyPrinted, .sortedKeys,
    /// .withoutEscapingSlashes]` (a test holds the two equal) — written by hand because
    /// `kspy ps -o json` lists every process of a node and the generic encoder
    /// dominated its run time. Ends without a newline, like the encoder.
    public static func prettyJSON(_ processes: [ProcessView]) -> String {
        if processes.isEmpty { return "[\n\n]" }
        var out: [UInt8] = []
        out.reserveCapacity(processes.count * 1200)
        out.append(contentsOf: "[".utf8)
        for (index, process) in processes.enumerated() {
            out.append(contentsOf: (index == 0 ? "\n  {\n" : ",\n  {\n").utf8)
            func field(_ key: String, _ value: String, last: Bool = false) {
                out.append(contentsOf: "    \"".utf8)
                out.append(contentsOf: key.utf8)
                out.append(contentsOf: "\" : ".utf8)
                out.append(contentsOf: value.utf8)
                out.append(contentsOf: (last ? "\n" : ",\n").utf8)
            }
            field("cgroupPath", quoted(process.cgroupPath))
            field("comm", quoted(process.comm))
            field("containerID", quoted(process.containerID))
            field("containerName", quoted(process.containerName))
            if process.namespaces.isEmpty {
                field("namespaces", "{\n\n    }")
            } else {
                out.append(contentsOf: "    \"namespaces\" : {\n".utf8)
                let kinds = process.namespaces.keys.sorted()
                for (position, kind) in kinds.enumerated() {
                    let membership = process.namespaces[kind]!
                    out.append(contentsOf: "      \"".utf8)
                    out.append(contentsOf: kind.utf8)
                    out.append(contentsOf: "\" : {\n        \"inode\" : ".utf8)
                    out.append(contentsOf: String(membership.inode).utf8)
                    out.append(contentsOf: ",\n        \"sharedWithPause\" : ".utf8)
                    out.append(contentsOf: (membership.sharedWithPause.map { $0 ? "true" : "false" } ?? "null").utf8)
                    out.append(contentsOf: (position == kinds.count - 1 ? "\n      }\n" : "\n      },\n").utf8)
                }
                out.append(contentsOf: "    },\n".utf8)
            }
            field("pid", String(process.pid))
            field("podName", quoted(process.podName))
            field("podNamespace", quoted(process.podNamespace))
            field("podUID", quoted(process.podUID))
            field("ppid", String(process.ppid))
            field("qosClass", quoted(process.qosClass))
            field("role", quoted(process.role.rawValue))
            field("runtime", quoted(process.runtime), last: true)
            out.append(contentsOf: "  }".utf8)
        }
        out.append(contentsOf: "\n]".utf8)
        return String(decoding: out, as: UTF8.self)
    }

    /// A JSON string literal as JSONEncoder escapes it (`"` and `\`, control
    /// characters as \b \f \n \r \t or \u00XX; slashes and non-ASCII kept), or `null`.
    static func quoted(_ text: String?) -> String {
        guard let text else { return "null" }
        var out: [UInt8] = [UInt8(ascii: "\"")]
        out.reserveCapacity(text.utf8.count + 2)
        let hex = Array("0123456789abcdef".utf8)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x08: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "b")])
            case 0x0C: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "f")])
            case 0x0A: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0..<0x20:
                out.append(contentsOf: Array("\\u00".utf8))
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0xF)])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
        return String(decoding: out, as: UTF8.self)
    }
}
