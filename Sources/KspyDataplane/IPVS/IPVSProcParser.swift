import KspyKernel

/// Parses `/proc/net/ip_vs` (`ip_vs_info_seq_show()`, dataplanes.md §3.4) — the text
/// fallback when netlink is not allowed (reading it needs no CAP_NET_ADMIN) and an
/// offline input. It is per network namespace: `/proc/<pid>/net/ip_vs` shows the IPVS
/// table of that process's namespace.
///
/// ```
/// IP Virtual Server version 1.2.1 (size=4096)
/// Prot LocalAddress:Port Scheduler Flags
///   -> RemoteAddress:Port Forward Weight ActiveConn InActConn
/// TCP  0A600001:01BB rr  persistent 2700000 FFFFFFFF
///   -> 0AF40001:192B      Masq    1      0          0
/// TCP  [fd00:0010:0096:0000:0000:0000:0000:000a]:0050 rr
/// FWM  00000007 sh
/// ```
///
/// Addresses are the host-order value in hex (`0A60000A` = 10.96.0.10) or a bracketed
/// full IPv6 address; ports 4 hex digits. The services decode to the same
/// `IPVSService`s as netlink except for what the text lacks, left nil/unset:
/// - service stats (`stats`) and destination stats, persistence-template counts
///   (`persistentConnections`), thresholds (`upperThreshold`/`lowerThreshold`), tunnel
///   type/port/flags, the persistence engine;
/// - flags other than `persistent` and `ops` (one-packet): HASHED and the scheduler
///   flags (sh-port, …) are not shown;
/// - the netmask of non-persistent services;
/// - the persistence timeout is printed in jiffies: seconds need the kernel's HZ
///   (`CONFIG_HZ`, not `sysconf(_SC_CLK_TCK)`); without it `timeout` is nil and
///   `timeoutJiffies` holds the raw value.
/// For a persistent IPv6 service the kernel prints `ntohl()` of the prefix length
/// (0x80000000 for /128 on little-endian hosts); this is inferred from the source,
/// not observed (no such service in the recordings).
public enum IPVSProcParser {
    /// The calling process's view (its network namespace).
    public static let defaultPath = "/proc/net/ip_vs"

    /// Parses the text of `/proc/net/ip_vs`.
    /// - Parameter hz: the kernel's HZ, to turn persistence timeouts into seconds; see
    ///   `kernelHZ()`.
    /// - Throws: `DataplaneError` naming the line for anything that does not parse.
    public static func parse(_ text: String, hz: Int?) throws(DataplaneError) -> IPVSSnapshot {
        var info: IPVSInfo?
        var services: [IPVSService] = []
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        for (index, rawLine) in lines.enumerated() {
            let number = index + 1
            let line = String(rawLine)
            let tokens = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            func fail(_ what: String) -> DataplaneError {
                let shown = line.count > 120 ? String(line.prefix(120)) + "…" : line
                return DataplaneError("/proc/net/ip_vs line \(number): \(what): \(shown.debugDescription)")
            }
            if index == 0 {
                guard line.hasPrefix("IP Virtual Server version ") else {
                    throw fail("not /proc/net/ip_vs (expected \"IP Virtual Server version …\")")
                }
                info = try parseHeader(tokens, fail: fail)
                continue
            }
            guard let first = tokens.first else { continue }
            if first == "Prot" || tokens.contains("RemoteAddress:Port") { continue }
            if first == "->" {
                guard !services.isEmpty else { throw fail("destination before any service") }
                let destination = try parseDestination(tokens, fail: fail)
                services[services.count - 1].destinations.append(destination)
            } else {
                services.append(try parseService(tokens, hz: hz, fail: fail))
            }
        }
        guard info != nil else { throw DataplaneError("/proc/net/ip_vs line 1: empty input") }
        return IPVSSnapshot(source: .procText, family: nil, info: info, config: nil, services: services)
    }

    /// The kernel's HZ (`CONFIG_HZ`) from `/boot/config-<release>`, when present.
    public static func kernelHZ() -> Int? {
        guard let release = try? SystemFile.readTrimmed("/proc/sys/kernel/osrelease"),
            let config = try? SystemFile.read("/boot/config-\(release)")
        else { return nil }
        for line in config.split(separator: "\n") where line.hasPrefix("CONFIG_HZ=") {
            return Int(line.dropFirst("CONFIG_HZ=".count))
        }
        return nil
    }

    // MARK: - lines

    /// `IP Virtual Server version 1.2.1 (size=4096)`.
    static func parseHeader(_ tokens: [String], fail: (String) -> DataplaneError) throws(DataplaneError) -> IPVSInfo {
        guard tokens.count >= 5 else { throw fail("no version") }
        let parts = tokens[4].split(separator: ".").compactMap { UInt32($0) }
        guard parts.count == 3, parts.allSatisfy({ $0 < 256 }) else { throw fail("bad version \(tokens[4])") }
        var size: UInt32 = 0
        if tokens.count >= 6 {
            let field = tokens[5]
            guard field.hasPrefix("(size="), field.hasSuffix(")"),
                let value = UInt32(field.dropFirst(6).dropLast())
            else { throw fail("bad size field \(field)") }
            size = value
        }
        return IPVSInfo(version: parts[0] << 16 | parts[1] << 8 | parts[2], connectionTableSize: size)
    }

    /// `TCP  0A600001:01BB rr [ops ][persistent <jiffies> <netmask>]`, `FWM  00000007 sh …`.
    static func parseService(_ tokens: [String], hz: Int?, fail: (String) -> DataplaneError) throws(DataplaneError)
        -> IPVSService
    {
        guard tokens.count >= 3 else { throw fail("service line with \(tokens.count) fields, expected at least 3") }
        var service: IPVSService
        if tokens[0] == "FWM" {
            guard let mark = hex(tokens[1], digits: 8) else { throw fail("bad fwmark \(tokens[1])") }
            service = IPVSService(
                addressFamily: IPVSConstants.AF_INET, protocolNumber: nil, address: [], port: 0, fwmark: mark,
                scheduler: tokens[2], flags: 0, timeout: 0, netmask: nil)
        } else {
            guard let protocolNumber = protocolNumber(tokens[0]) else { throw fail("unknown protocol \(tokens[0])") }
            guard let parsed = addressAndPort(tokens[1]) else { throw fail("bad address:port \(tokens[1])") }
            service = IPVSService(
                addressFamily: parsed.family, protocolNumber: protocolNumber, address: parsed.address,
                port: parsed.port,
                fwmark: nil,
                scheduler: tokens[2], flags: 0, timeout: 0, netmask: nil)
        }
        var rest = tokens.dropFirst(3)
        while let word = rest.popFirst() {
            switch word {
            case "ops":
                service.flags |= IPVSConstants.SVC_F_ONEPACKET
            case "persistent":
                guard let timeoutText = rest.popFirst(), let jiffies = UInt64(timeoutText),
                    let maskText = rest.popFirst(), let mask = hex(maskText, digits: 8)
                else { throw fail("persistent without <timeout> <netmask>") }
                service.flags |= IPVSConstants.SVC_F_PERSISTENT
                service.timeoutJiffies = jiffies
                service.timeout = hz.flatMap { hz in
                    guard hz > 0 else { return nil }
                    let (seconds, rest) = jiffies.quotientAndRemainder(dividingBy: UInt64(hz))
                    return UInt32(clamping: seconds + (rest * 2 >= UInt64(hz) ? 1 : 0))
                }
                if service.addressFamily == IPVSConstants.AF_INET6 {
                    service.netmask = mask <= 128 ? mask : (mask.byteSwapped <= 128 ? mask.byteSwapped : nil)
                } else {
                    service.netmask = mask
                }
            default:
                throw fail("unknown service flag \(word)")
            }
        }
        return service
    }

    /// `-> 0AF40105:1F90      Masq    1      0          2`.
    static func parseDestination(_ tokens: [String], fail: (String) -> DataplaneError) throws(DataplaneError)
        -> IPVSDestination
    {
        guard tokens.count == 6 else { throw fail("destination line with \(tokens.count) fields, expected 6") }
        guard let parsed = addressAndPort(tokens[1]) else { throw fail("bad address:port \(tokens[1])") }
        guard let method = IPVSForwardingMethod(procName: tokens[2]) else {
            throw fail("unknown forwarding method \(tokens[2])")
        }
        guard let weight = Int32(tokens[3]), let active = UInt32(tokens[4]), let inactive = UInt32(tokens[5]) else {
            throw fail("bad weight or connection counts")
        }
        return IPVSDestination(
            addressFamily: parsed.family, address: parsed.address, port: parsed.port, forwarding: method,
            weight: weight,
            activeConnections: active, inactiveConnections: inactive)
    }

    // MARK: - fields

    /// `ip_vs_proto_name()`: TCP, UDP, SCTP, ICMP, ICMPv6, IP, or IP_<n>.
    static func protocolNumber(_ name: String) -> UInt16? {
        switch name {
        case "TCP": return 6
        case "UDP": return 17
        case "SCTP": return 132
        case "ICMP": return 1
        case "ICMPv6": return 58
        case "IP": return 0
        default:
            guard name.hasPrefix("IP_") else { return nil }
            return UInt16(name.dropFirst(3))
        }
    }

    /// `0A60000A:0050` (IPv4 as a host-order hex value) or `[fd00:…:000a]:0050`.
    static func addressAndPort(_ text: String) -> (family: UInt16, address: [UInt8], port: UInt16)? {
        guard let colon = text.lastIndex(of: ":") else { return nil }
        let addressPart = text[..<colon]
        guard let port = hex(String(text[text.index(after: colon)...]), digits: 4), port <= UInt32(UInt16.max) else {
            return nil
        }
        if addressPart.hasPrefix("[") {
            guard addressPart.hasSuffix("]"), addressPart.count > 2,
                let address = IPv6Address(String(addressPart.dropFirst().dropLast()))
            else { return nil }
            return (IPVSConstants.AF_INET6, address.bytes, UInt16(port))
        }
        guard let value = hex(String(addressPart), digits: 8) else { return nil }
        return (IPVSConstants.AF_INET, IPv4Address(value).networkBytes, UInt16(port))
    }

    /// Exactly `digits` hex digits.
    static func hex(_ text: String, digits: Int) -> UInt32? {
        guard text.utf8.count == digits, text.utf8.allSatisfy({ isHexDigit($0) }) else { return nil }
        return UInt32(text, radix: 16)
    }

    static func isHexDigit(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x46) || (byte >= 0x61 && byte <= 0x66)
    }
}
