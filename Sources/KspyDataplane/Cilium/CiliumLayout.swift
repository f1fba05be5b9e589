import KspyKernel

/// The names and byte sizes of Cilium's load-balancer maps that kspy decodes
/// (dataplanes.md §4.1–4.2; Cilium `bpf/lib/lb.h`, `bpf/lib/common.h`,
/// `pkg/maps/lbmap`), and the check that a map really has them. A map whose key or
/// value size differs is a Cilium version kspy does not know: it is refused with a
/// `DataplaneError` naming the map and both sizes, never decoded by guesswork.
public enum CiliumLayout {
    /// Where the agent pins its maps by default (`defaults.BPFFSRoot` +
    /// `defaults.TCGlobalsPath`).
    public static let defaultMapsDirectory = "/sys/fs/bpf/tc/globals"

    /// `lb4` or `lb6`.
    static func prefix(_ family: AddressFamily) -> String { family == .ipv4 ? "lb4" : "lb6" }

    /// `cilium_lb4_services_v2` / `cilium_lb6_services_v2`: frontend key → master or slot.
    public static func servicesMap(_ family: AddressFamily) -> String { "cilium_\(prefix(family))_services_v2" }

    /// `cilium_lb4_backends_v3` (or `_v2` for older agents): u32 backend id → backend.
    public static func backendsMap(_ family: AddressFamily, layout: CiliumBackend.Layout) -> String {
        "cilium_\(prefix(family))_backends_\(layout.rawValue)"
    }

    /// `cilium_lb4_backends`: the very old u16-keyed backends map, not decoded.
    public static func legacyBackendsMap(_ family: AddressFamily) -> String { "cilium_\(prefix(family))_backends" }

    /// `cilium_lb4_reverse_nat` / `cilium_lb6_reverse_nat`: u16 rev-NAT index → frontend.
    public static func reverseNATMap(_ family: AddressFamily) -> String { "cilium_\(prefix(family))_reverse_nat" }

    /// `lb4_key` 12 bytes, `lb6_key` 24 bytes.
    public static func serviceKeySize(_ family: AddressFamily) -> Int { family == .ipv4 ? 12 : 24 }

    /// `lb4_service` and `lb6_service`: 12 bytes.
    public static let serviceValueSize = 12

    /// Backend ids are u32 in the v2 and v3 backends maps.
    public static let backendKeySize = 4

    /// `lb4_backend` v3 12, v2 8; `lb6_backend` v3 24, v2 20 bytes.
    public static func backendValueSize(_ family: AddressFamily, layout: CiliumBackend.Layout) -> Int {
        switch (family, layout) {
        case (.ipv4, .v3): return 12
        case (.ipv4, .v2): return 8
        case (.ipv6, .v3): return 24
        case (.ipv6, .v2): return 20
        }
    }

    /// Reverse-NAT indexes are u16.
    public static let reverseNATKeySize = 2

    /// `lb4_reverse_nat` 6, `lb6_reverse_nat` 18 bytes (packed).
    public static func reverseNATValueSize(_ family: AddressFamily) -> Int { family == .ipv4 ? 6 : 18 }

    /// Throws unless map `map` (found at `path`) has keys of `expectedKeySize` and values
    /// of `expectedValueSize` bytes; `structs` names the C types, e.g. `lb4_key → lb4_service`.
    public static func check(
        map: String, path: String? = nil, keySize: Int, valueSize: Int, expectedKeySize: Int, expectedValueSize: Int,
        structs: String
    ) throws(DataplaneError) {
        guard keySize != expectedKeySize || valueSize != expectedValueSize else { return }
        let place = path.map { " at \($0)" } ?? ""
        throw DataplaneError(
            "Cilium map \(map)\(place) has an unknown layout: key \(keySize) bytes, value \(valueSize) bytes; "
                + "kspy decodes key \(expectedKeySize) bytes, value \(expectedValueSize) bytes (\(structs))")
    }

    /// Throws unless `bytes` is exactly `expected` bytes long: the guard every decoder
    /// runs first, so a short or long buffer is an error, never an out-of-range read.
    static func checkLength(_ bytes: [UInt8], _ expected: Int, _ what: String, map: String) throws(DataplaneError) {
        guard bytes.count == expected else {
            throw DataplaneError("Cilium map \(map): \(what) has \(bytes.count) bytes, expected \(expected)")
        }
    }
}
