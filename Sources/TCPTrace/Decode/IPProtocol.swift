/// The 8-bit number naming what follows an IP header: IPv4's Protocol field (RFC 791 §3.1) and IPv6's
/// Next Header field (RFC 8200 §3), which share one registry (IANA "Assigned Internet Protocol Numbers",
/// protocol-numbers).
///
/// A struct rather than an enum: any of the 256 values can arrive, and one the decoder does not follow (UDP,
/// ICMP, a tunnel) must stay a value it can hold and report as "not TCP". The IPv6 extension headers take
/// their numbers from the same registry; `IPv6ExtensionHeader` names those.
public struct IPProtocol: RawRepresentable, Hashable, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    // Members are computed, not `static let` as in `LinkType`: a stored static is a global that the optimizer
    // turns into a constant only late, and in the decoder's inlined read loop that changed the machine code
    // (seen in the disassembly). A computed member is a literal from the start: the compare is the same
    // integer compare as before the wire numbers had names.

    /// Transmission Control Protocol (RFC 9293).
    public static var tcp: IPProtocol { IPProtocol(rawValue: 6) }
}
