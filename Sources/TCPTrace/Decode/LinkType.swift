/// A capture's link-layer header type, as libpcap's `pcap_datalink` reports it (`DLT_*` values).
///
/// libpcap maps the on-disk `LINKTYPE_*` value to its `DLT_*` value: a file written with LINKTYPE_RAW (101)
/// is reported as `DLT_RAW` (12 on Linux). Unknown values stay representable so they can be named in errors.
public struct LinkType: RawRepresentable, Hashable, Sendable, Comparable {
    public var rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }

    public static let null = LinkType(rawValue: 0)  // DLT_NULL: 4-byte address family, host order
    public static let ethernet = LinkType(rawValue: 1)  // DLT_EN10MB
    public static let raw = LinkType(rawValue: 12)  // DLT_RAW (Linux, most systems)
    public static let rawBSD = LinkType(rawValue: 14)  // DLT_RAW as OpenBSD numbers it
    public static let loop = LinkType(rawValue: 108)  // DLT_LOOP: 4-byte address family, network order
    public static let linuxSLL = LinkType(rawValue: 113)  // DLT_LINUX_SLL, Linux cooked v1
    public static let ipv4 = LinkType(rawValue: 228)  // DLT_IPV4
    public static let ipv6 = LinkType(rawValue: 229)  // DLT_IPV6
    public static let linuxSLL2 = LinkType(rawValue: 276)  // DLT_LINUX_SLL2, Linux cooked v2 (`tcpdump -i any`)
    public static let ppp = LinkType(rawValue: 9)  // DLT_PPP
    public static let pppSerial = LinkType(rawValue: 50)  // DLT_PPP_SERIAL (PPP in HDLC-like framing)
    public static let pppEther = LinkType(rawValue: 51)  // DLT_PPP_ETHER (PPPoE without the Ethernet header)
    public static let ciscoHDLC = LinkType(rawValue: 104)  // DLT_C_HDLC
    public static let ieee80211 = LinkType(rawValue: 105)  // DLT_IEEE802_11
    public static let radiotap = LinkType(rawValue: 127)  // DLT_IEEE802_11_RADIO

    /// The link type a file's LINKTYPE_ value names (pcapng, and classic pcap headers): the same number as
    /// libpcap's DLT_ value except where the two differ (LINKTYPE_RAW 101 is DLT_RAW 12; LINKTYPE_LOOP 108 is
    /// DLT_LOOP 108 here). The one place they are mapped.
    public init(linkTypeValue value: UInt32) {
        switch value {
        case 101: self = .raw
        default: self.init(rawValue: Int32(truncatingIfNeeded: value))
        }
    }

    /// The LINKTYPE_ value a file written with this link type carries (the inverse of `init(linkTypeValue:)`:
    /// DLT_RAW, 12 or 14 by platform, is LINKTYPE_RAW 101 on disk).
    public var linkTypeValue: UInt32 {
        switch self {
        case .raw, .rawBSD: 101
        default: UInt32(bitPattern: rawValue)
        }
    }

    /// Every link type the decoder understands.
    public static let supported: [LinkType] = [
        .null, .ethernet, .raw, .rawBSD, .loop, .linuxSLL, .ipv4, .ipv6,
        .linuxSLL2, .ppp, .pppSerial, .pppEther, .ciscoHDLC, .ieee80211, .radiotap,
    ]

    public var isSupported: Bool { LinkType.supported.contains(self) }

    /// The `DLT_` name without its prefix, as `tcpdump -L` prints it.
    public var name: String {
        switch self {
        case .null: "NULL"
        case .ethernet: "EN10MB"
        case .raw, .rawBSD: "RAW"
        case .loop: "LOOP"
        case .linuxSLL: "LINUX_SLL"
        case .ipv4: "IPV4"
        case .ipv6: "IPV6"
        case .linuxSLL2: "LINUX_SLL2"
        case .ppp: "PPP"
        case .pppSerial: "PPP_SERIAL"
        case .pppEther: "PPP_ETHER"
        case .ciscoHDLC: "C_HDLC"
        case .ieee80211: "IEEE802_11"
        case .radiotap: "IEEE802_11_RADIO"
        default: "DLT_\(rawValue)"
        }
    }

    public static func < (lhs: LinkType, rhs: LinkType) -> Bool { lhs.rawValue < rhs.rawValue }
}
