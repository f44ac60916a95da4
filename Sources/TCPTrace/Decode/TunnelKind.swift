/// A tunnel whose outer IP header has addresses of its own: part of a tunnelled connection's identity
/// (`TunnelLayer`, docs/tunnels.md). Our own vocabulary, so a closed enum; the raw values are what a
/// `TunnelMark` stores (4 bits).
public enum TunnelKind: UInt8, Sendable, Hashable, CaseIterable {
    /// VXLAN (RFC 7348): UDP port 4789, an 8-byte header with a 24-bit VNI, then Ethernet.
    case vxlan = 1
    /// Geneve (RFC 8926): UDP port 6081, an 8-byte header plus options, a 24-bit VNI, then the protocol
    /// its header names (Ethernet, IPv4, IPv6).
    case geneve
    /// GTP-U (3GPP TS 29.281): UDP port 2152, G-PDU messages only (type 255), with their optional sequence,
    /// N-PDU and extension headers, then IPv4 or IPv6. The TEID differs per direction.
    case gtpU
    /// Teredo (RFC 4380): IPv6 in UDP, port 3544 on either side or recognised by content (an IPv6 header with
    /// a 2001:0::/32 address), after optional authentication and origin indication headers.
    case teredo
    /// AYIYA (draft-massar-v6ops-ayiya): UDP port 5072, IPv6 or IPv4 after a header of variable length.
    case ayiya
    /// GRE (RFC 2784, RFC 2890; version 1 is PPTP's, RFC 2637): IPv4, IPv6, Ethernet (0x6558), MPLS, PPP.
    /// The key differs per direction (ikey and okey).
    case gre
    /// ERSPAN types I, II and III over GRE (protocols 0x88BE and 0x22EB), then the mirrored Ethernet frame.
    case erspan
    /// IP in IP (IP protocols 4 and 41: IPv4 or IPv6 inside IPv4 or IPv6).
    case ipInIP

    /// The name in the summary, JSON and the docs.
    public var name: String {
        switch self {
        case .vxlan: "vxlan"
        case .geneve: "geneve"
        case .gtpU: "gtp-u"
        case .teredo: "teredo"
        case .ayiya: "ayiya"
        case .gre: "gre"
        case .erspan: "erspan"
        case .ipInIP: "ip-in-ip"
        }
    }

    /// The kind named `name` (as `--tunnel-port` takes it), nil for any other word.
    public init?(name: String) {
        guard let kind = TunnelKind.allCases.first(where: { $0.name == name.lowercased() }) else { return nil }
        self = kind
    }

    /// The UDP kinds, with their IANA ports (`--tunnel-port` adds others).
    public static let udpKinds: [(TunnelKind, UInt16)] = [
        (.vxlan, 4789), (.geneve, 6081), (.gtpU, 2152), (.teredo, 3544), (.ayiya, 5072),
    ]

    /// Whether the layer is carried in UDP (its outer UDP source port is recorded per direction).
    public var isUDP: Bool { TunnelKind.udpKinds.contains { $0.0 == self } }

    /// The summary's encapsulation bit for this kind.
    public var encapsulation: Encapsulation { Encapsulation(rawValue: 1 << (7 + UInt32(rawValue))) }
}
