/// The Next Header values that start an IPv6 extension header rather than an upper-layer protocol
/// (RFC 8200 §4; IANA "IPv6 Extension Header Types", ipv6-exthdr). The numbers come from the IP protocol
/// registry, so one Next Header byte is either an `IPProtocol` (TCP ends the chain) or one of these.
///
/// A struct rather than an enum: the registry grows (Mobility, HIP, Shim6, experimental values), and a header
/// the decoder does not follow must still be a value it can hold and pass over as "not TCP".
public struct IPv6ExtensionHeader: RawRepresentable, Hashable, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    // Computed members, for the decoder's sake: see `IPProtocol`.

    /// Hop-by-Hop Options (RFC 8200 §4.3); length in 8-byte units, not counting the first 8.
    public static var hopByHop: IPv6ExtensionHeader { IPv6ExtensionHeader(rawValue: 0) }
    /// Routing (RFC 8200 §4.4); length in 8-byte units, not counting the first 8.
    public static var routing: IPv6ExtensionHeader { IPv6ExtensionHeader(rawValue: 43) }
    /// Fragment (RFC 8200 §4.5); always 8 bytes.
    public static var fragment: IPv6ExtensionHeader { IPv6ExtensionHeader(rawValue: 44) }
    /// Destination Options (RFC 8200 §4.6); length in 8-byte units, not counting the first 8.
    public static var destinationOptions: IPv6ExtensionHeader { IPv6ExtensionHeader(rawValue: 60) }
    /// Authentication Header (RFC 4302 §2.2); length in 4-byte units, minus 2: unlike the others.
    public static var authentication: IPv6ExtensionHeader { IPv6ExtensionHeader(rawValue: 51) }
    /// Encapsulating Security Payload (RFC 4303). Named but never followed: what comes after it is encrypted,
    /// so a packet with it is "not TCP" to a passive reader.
    public static var encapsulatingSecurityPayload: IPv6ExtensionHeader { IPv6ExtensionHeader(rawValue: 50) }
}
