import Foundation

/// Parses `nft -j list ruleset` (libnftables JSON schema 1, as printed by nft 1.0.x) into
/// an `NFTRuleset`. Only tables, chains, rules, sets and maps are kept; expressions are
/// reduced to the forms `NFTStatement` knows, anything else becomes `.other(name)`.
/// Malformed input (not JSON, wrong shapes) is a one-line `DataplaneError`.
public enum NFTablesJSONParser {
    /// Parses a file holding `nft -j list ruleset` output.
    public static func parse(contentsOfFile path: String) throws -> NFTRuleset {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DataplaneError("nft JSON: cannot read \(path)")
        }
        do {
            return try parse(data)
        } catch let e as DataplaneError {
            throw DataplaneError(e.description.replacingOccurrences(of: "nft JSON: ", with: "nft JSON \(path): "))
        }
    }

    /// Parses the JSON text.
    public static func parse(_ text: String) throws -> NFTRuleset {
        try parse(Data(text.utf8))
    }

    /// Parses the JSON bytes.
    public static func parse(_ data: Data) throws -> NFTRuleset {
        let top: Any
        do {
            top = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        } catch {
            throw DataplaneError("nft JSON: not valid JSON (\(data.count) bytes)")
        }
        guard let topObject = top as? [String: Any], let items = topObject["nftables"] as? [Any] else {
            throw DataplaneError("nft JSON: the top level is not an object with an \"nftables\" array")
        }
        var tables: [NFTTable] = []
        func index(_ family: String, _ name: String) -> Int {
            if let i = tables.firstIndex(where: { $0.family == family && $0.name == name }) { return i }
            tables.append(NFTTable(family: family, name: name))
            return tables.count - 1
        }
        for (i, item) in items.enumerated() {
            guard let dict = item as? [String: Any], dict.count == 1, let (kind, body) = dict.first else {
                throw DataplaneError("nft JSON: nftables[\(i)] is not an object with one key")
            }
            switch kind {
            case "metainfo":
                continue
            case "table":
                let b = try object(body, "nftables[\(i)].table")
                _ = index(try string(b, "family", at: i), try string(b, "name", at: i))
            case "chain":
                let b = try object(body, "nftables[\(i)].chain")
                let t = index(try string(b, "family", at: i), try string(b, "table", at: i))
                tables[t].chains.append(NFTChain(name: try string(b, "name", at: i), hook: b["hook"] as? String))
            case "rule":
                let b = try object(body, "nftables[\(i)].rule")
                let t = index(try string(b, "family", at: i), try string(b, "table", at: i))
                let chain = try string(b, "chain", at: i)
                guard let exprs = b["expr"] as? [Any] else {
                    throw DataplaneError("nft JSON: nftables[\(i)].rule in chain \(chain) has no \"expr\" array")
                }
                let statements = try exprs.enumerated().map { j, e in
                    try statement(e, at: "nftables[\(i)].rule.expr[\(j)]")
                }
                let rule = NFTRule(statements: statements, comment: b["comment"] as? String)
                if let c = tables[t].chains.firstIndex(where: { $0.name == chain }) {
                    tables[t].chains[c].rules.append(rule)
                } else {
                    tables[t].chains.append(NFTChain(name: chain, rules: [rule]))
                }
            case "set", "map":
                let b = try object(body, "nftables[\(i)].\(kind)")
                let t = index(try string(b, "family", at: i), try string(b, "table", at: i))
                tables[t].sets.append(try set(b, isMap: kind == "map", at: "nftables[\(i)].\(kind)"))
            default:
                continue  // flowtables, counters, quotas, ct helpers, …
            }
        }
        return NFTRuleset(tables: tables)
    }

    // MARK: - Shapes

    static func object(_ any: Any, _ at: String) throws -> [String: Any] {
        guard let d = any as? [String: Any] else { throw DataplaneError("nft JSON: \(at) is not an object") }
        return d
    }

    static func string(_ d: [String: Any], _ key: String, at i: Int) throws -> String {
        guard let s = d[key] as? String else {
            throw DataplaneError("nft JSON: nftables[\(i)] has no string \"\(key)\"")
        }
        return s
    }

    static func int(_ any: Any?) -> Int? {
        if let n = any as? NSNumber {
            let d = n.doubleValue
            guard d.rounded() == d, abs(d) < 9.0e15 else { return nil }
            return Int(d)
        }
        return nil
    }

    static func set(_ b: [String: Any], isMap: Bool, at: String) throws -> NFTSet {
        guard let name = b["name"] as? String else { throw DataplaneError("nft JSON: \(at) has no name") }
        var keyType: [String] = []
        if let t = b["type"] as? String {
            keyType = [t]
        } else if let t = b["type"] as? [Any] {
            keyType = t.map { ($0 as? String) ?? "?" }
        }
        var dataType: String?
        if isMap { dataType = (b["map"] as? String) ?? "?" }
        var elements: [NFTElement] = []
        if let elems = b["elem"] {
            guard let list = elems as? [Any] else { throw DataplaneError("nft JSON: \(at) \(name): elem is not an array") }
            for (j, e) in list.enumerated() {
                elements.append(try element(e, isMap: isMap, at: "\(at) \(name) elem[\(j)]"))
            }
        }
        return NFTSet(
            name: name, keyType: keyType, dataType: dataType, timeoutSeconds: int(b["timeout"]), elements: elements)
    }

    /// A set element (`KEY`) or map element (`[KEY, DATA]`); KEY may be wrapped in
    /// `{"elem": {"val": KEY, "comment": …}}` and may be a `concat`.
    static func element(_ any: Any, isMap: Bool, at: String) throws -> NFTElement {
        var keyValue = any
        var data: Any?
        if isMap {
            guard let pair = any as? [Any], pair.count == 2 else {
                throw DataplaneError("nft JSON: \(at) is not a [key, value] pair")
            }
            keyValue = pair[0]
            data = pair[1]
        }
        var comment: String?
        if let d = keyValue as? [String: Any], let wrapped = d["elem"] as? [String: Any] {
            comment = wrapped["comment"] as? String
            guard let val = wrapped["val"] else { throw DataplaneError("nft JSON: \(at) elem has no val") }
            keyValue = val
        }
        var key: [String]
        if let d = keyValue as? [String: Any], let parts = d["concat"] as? [Any] {
            key = parts.map(value)
        } else {
            key = [value(keyValue)]
        }
        if key.isEmpty { throw DataplaneError("nft JSON: \(at) has an empty key") }
        var verdict: NFTVerdict?
        if let data {
            guard let v = verdictOf(data) else {
                // A non-verdict map (e.g. ipv4_addr : mark): keep the value in the key's words.
                key.append(": " + value(data))
                return NFTElement(key: key, comment: comment)
            }
            verdict = v
        }
        return NFTElement(key: key, verdict: verdict, comment: comment)
    }

    /// `{"goto": {"target": C}}`, `{"drop": null}`, … → verdict; nil for anything else.
    static func verdictOf(_ any: Any) -> NFTVerdict? {
        guard let d = any as? [String: Any], d.count == 1, let (k, v) = d.first else { return nil }
        switch k {
        case "accept": return .accept
        case "drop": return .drop
        case "continue": return .continue
        case "return": return .return
        case "jump", "goto":
            guard let target = (v as? [String: Any])?["target"] as? String else { return .other(k) }
            return k == "jump" ? .jump(target) : .goto(target)
        case "queue": return .other(k)
        default: return nil
        }
    }

    // MARK: - Expressions in words

    /// A value or expression in nft's words.
    static func value(_ any: Any) -> String {
        if let s = any as? String { return s }
        if let n = int(any) { return String(n) }
        if let n = any as? NSNumber { return n.stringValue }
        if let list = any as? [Any] { return "{ " + list.map(value).joined(separator: ", ") + " }" }
        guard let d = any as? [String: Any], d.count == 1, let (k, v) = d.first else { return "?" }
        let b = v as? [String: Any] ?? [:]
        switch k {
        case "prefix":
            return "\(value(b["addr"] ?? "?"))/\(int(b["len"]).map(String.init) ?? "?")"
        case "range":
            let r = v as? [Any] ?? []
            return r.map(value).joined(separator: "-")
        case "set":
            if let list = v as? [Any] { return "{ " + list.map(value).joined(separator: ", ") + " }" }
            return "{ " + value(v) + " }"
        case "concat":
            return (v as? [Any] ?? []).map(value).joined(separator: " . ")
        case "payload":
            if let proto = b["protocol"] as? String, let field = b["field"] as? String { return "\(proto) \(field)" }
            return "payload @\(b["base"] as? String ?? "?")+\(int(b["offset"]) ?? 0) len \(int(b["len"]) ?? 0)"
        case "meta":
            return "meta \(b["key"] as? String ?? "?")"
        case "ct":
            return "ct \(b["key"] as? String ?? "?")"
        case "fib":
            let flags: String
            if let f = b["flags"] as? [Any] {
                flags = f.map(value).joined(separator: " . ")
            } else {
                flags = (b["flags"] as? String) ?? ""
            }
            return "fib \(flags) \(b["result"] as? String ?? "?")"
        case "numgen":
            return "numgen \(b["mode"] as? String ?? "?") mod \(int(b["mod"]) ?? 0)"
        case "elem":
            return value(b["val"] ?? "?")
        case "&", "|", "^", "<<", ">>":
            let ops = (v as? [Any] ?? []).map { x -> String in
                if let n = int(x), n >= 0 { return "0x" + String(n, radix: 16) }
                return value(x)
            }
            return ops.joined(separator: " \(k) ")
        default:
            if let vd = verdictOf(any) { return vd.description }
            return k
        }
    }

    /// One rule expression → statement.
    static func statement(_ any: Any, at: String) throws -> NFTStatement {
        guard let d = any as? [String: Any], d.count == 1, let (k, v) = d.first else {
            throw DataplaneError("nft JSON: \(at) is not an object with one key")
        }
        if let vd = verdictOf(any) { return .verdict(vd) }
        let b = v as? [String: Any] ?? [:]
        switch k {
        case "match":
            guard let left = b["left"], let right = b["right"] else {
                throw DataplaneError("nft JSON: \(at) match has no left/right")
            }
            return .match(NFTMatch(left: value(left), op: (b["op"] as? String) ?? "==", right: value(right)))
        case "vmap":
            guard let keyAny = b["key"], let data = b["data"] else {
                throw DataplaneError("nft JSON: \(at) vmap has no key/data")
            }
            var key = NFTVMapKey.expression(value(keyAny))
            if let kd = keyAny as? [String: Any], let ng = kd["numgen"] as? [String: Any] {
                guard let mod = int(ng["mod"]), mod > 0 else {
                    throw DataplaneError("nft JSON: \(at) numgen has no positive mod")
                }
                key = .numgen(mode: (ng["mode"] as? String) ?? "?", modulus: mod, offset: int(ng["offset"]) ?? 0)
            }
            if let name = data as? String {
                return .vmap(key: key, map: name.hasPrefix("@") ? String(name.dropFirst()) : name, entries: [])
            }
            guard let dd = data as? [String: Any], let list = dd["set"] as? [Any] else {
                throw DataplaneError("nft JSON: \(at) vmap data is neither @map nor an inline set")
            }
            let entries = try list.enumerated().map { j, e in
                try element(e, isMap: true, at: "\(at) vmap entry \(j)")
            }
            return .vmap(key: key, map: nil, entries: entries)
        case "dnat":
            var addr = b["addr"].map(value)
            var port = int(b["port"])
            if let a = addr, port == nil, a.contains(":"), !a.contains("::") {
                // "10.0.0.1:80" spelled as one string by some nft versions.
                let parts = a.split(separator: ":")
                if parts.count == 2, let p = Int(parts[1]) {
                    addr = String(parts[0])
                    port = p
                }
            }
            return .dnat(address: addr, port: port)
        case "masquerade", "snat":
            return .masquerade
        case "reject":
            return .reject
        case "mangle":
            // meta mark set meta mark | BITS
            if let keyAny = b["key"], value(keyAny) == "meta mark", let val = b["value"] as? [String: Any],
                let or = val["|"] as? [Any], or.count == 2, value(or[0]) == "meta mark", let bits = int(or[1]),
                bits >= 0, bits <= Int(UInt32.max)
            {
                return .markOr(UInt32(bits))
            }
            return .other("mangle")
        case "set":
            let name = (b["set"] as? String).map { $0.hasPrefix("@") ? String($0.dropFirst()) : $0 } ?? "?"
            return .setUpdate(set: name)
        default:
            return .other(k)
        }
    }
}
