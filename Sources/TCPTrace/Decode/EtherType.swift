/// The 16-bit protocol type that follows the addresses of an Ethernet frame, a VLAN tag or a Linux cooked
/// header (IEEE 802 EtherType registry; IANA "IEEE 802 Numbers", ieee-802-numbers).
///
/// A struct rather than an enum: a frame may carry any of 65,536 values, and one the decoder does not follow
/// (ARP, LLDP, MPLS, …) must still be a value it can hold and pass over as "not TCP".
public struct EtherType: RawRepresentable, Hashable, Sendable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    // Computed members, for the decoder's sake: see `IPProtocol`.

    /// IPv4 (RFC 894).
    public static var ipv4: EtherType { EtherType(rawValue: 0x0800) }
    /// IPv6 (RFC 2464 §3).
    public static var ipv6: EtherType { EtherType(rawValue: 0x86DD) }
    /// IEEE 802.1Q customer VLAN tag (C-tag): 2 bytes of tag control, then the next EtherType.
    public static var vlan: EtherType { EtherType(rawValue: 0x8100) }
    /// IEEE 802.1ad service VLAN tag (S-tag), the outer tag of a QinQ frame; same layout as `vlan`.
    public static var serviceVLAN: EtherType { EtherType(rawValue: 0x88A8) }
    /// The outer QinQ tag before IEEE 802.1ad assigned 0x88A8. Not in the IEEE registry, but switches from
    /// that time still send it, and the tag has the same 4-byte layout, so it is followed like the others.
    public static var legacyQinQ: EtherType { EtherType(rawValue: 0x9100) }

    /// True for the tag types that the decoder steps over (4 bytes each) to reach the network layer.
    public var isVLANTag: Bool { self == .vlan || self == .serviceVLAN || self == .legacyQinQ }
}
