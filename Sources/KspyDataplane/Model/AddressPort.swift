/// An address and port as people write them: `10.0.0.1:80`, and an IPv6 address in
/// brackets, `[fd00::1]:80` (RFC 3986 §3.2.2), so the port cannot be read as part of it.
public enum AddressPort {
    /// `address:port`, the address bracketed when it holds a `:`.
    public static func text(_ address: String, port: Int) -> String {
        address.contains(":") ? "[\(address)]:\(port)" : "\(address):\(port)"
    }
}
