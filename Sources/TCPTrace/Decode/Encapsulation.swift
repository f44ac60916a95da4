/// An encapsulation a packet was unwrapped from on its way to the TCP segment (`Segment.encapsulations`, one
/// bit each): the link-level ones (bits 0-7), which carry no addresses and are never part of a connection's
/// identity, and the tunnels (bits 8-15, `TunnelKind.encapsulation`), which are (`TunnelLayer`).
public struct Encapsulation: OptionSet, Sendable, Hashable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// MPLS label stack (RFC 3032; EtherTypes 0x8847, 0x8848), an Ethernet pseudowire after it (RFC 4448).
    public static let mpls = Encapsulation(rawValue: 1 << 0)
    /// PPPoE session (RFC 2516; EtherType 0x8864, or the PPP_ETHER link type).
    public static let pppoe = Encapsulation(rawValue: 1 << 1)
    /// PPP (RFC 1661): the PPP link types, and inside PPPoE.
    public static let ppp = Encapsulation(rawValue: 1 << 2)
    /// IEEE 802.1ah provider backbone bridging (EtherType 0x88E7): an I-tag and the customer's frame.
    public static let pbb = Encapsulation(rawValue: 1 << 3)
    /// Cisco VN-Tag (EtherType 0x8926).
    public static let vnTag = Encapsulation(rawValue: 1 << 4)
    /// IEEE 802.11 data frames with LLC/SNAP (link type 105, and 127 after the radiotap header).
    public static let ieee80211 = Encapsulation(rawValue: 1 << 5)
    /// Radiotap (link type 127).
    public static let radiotap = Encapsulation(rawValue: 1 << 6)
    /// Cisco HDLC (link type 104, and PPP serial links that carry it).
    public static let ciscoHDLC = Encapsulation(rawValue: 1 << 7)

    /// Every kind with its name (the summary's and JSON's word), in bit order: the link-level kinds, then the
    /// tunnels.
    public static let named: [(Encapsulation, String)] =
        [
            (.mpls, "mpls"), (.pppoe, "pppoe"), (.ppp, "ppp"), (.pbb, "pbb"), (.vnTag, "vn-tag"),
            (.ieee80211, "802.11"), (.radiotap, "radiotap"), (.ciscoHDLC, "cisco-hdlc"),
        ] + TunnelKind.allCases.map { ($0.encapsulation, $0.name) }
}
