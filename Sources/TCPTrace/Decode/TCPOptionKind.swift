/// The first byte of a TCP option (RFC 9293 §3.2; IANA "TCP Option Kind Numbers", tcp-parameters).
///
/// A struct rather than an enum: stacks send kinds this analyzer does not read (MPTCP, TCP-AO, Fast Open,
/// experimental 253/254), and the options loop must hold such a kind to skip it by its length byte.
public struct TCPOptionKind: RawRepresentable, Hashable, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    // Computed members, for the decoder's sake: see `IPProtocol`.

    /// End of Option List (RFC 9293 §3.2): one byte, no length; nothing after it is an option.
    public static var endOfOptionList: TCPOptionKind { TCPOptionKind(rawValue: 0) }
    /// No-Operation (RFC 9293 §3.2): one byte, no length; pads the next option to a word boundary.
    public static var noOperation: TCPOptionKind { TCPOptionKind(rawValue: 1) }
    /// Maximum Segment Size (RFC 9293 §3.7.1): length 4, a 16-bit size.
    public static var maximumSegmentSize: TCPOptionKind { TCPOptionKind(rawValue: 2) }
    /// Window Scale (RFC 7323 §2.2): length 3, a shift count.
    public static var windowScale: TCPOptionKind { TCPOptionKind(rawValue: 3) }
    /// SACK Permitted (RFC 2018 §2): length 2, no data.
    public static var sackPermitted: TCPOptionKind { TCPOptionKind(rawValue: 4) }
    /// SACK (RFC 2018 §3): 8 bytes per block after the 2-byte kind and length.
    public static var sack: TCPOptionKind { TCPOptionKind(rawValue: 5) }
    /// Timestamps (RFC 7323 §3.2): length 10, TSval then TSecr.
    public static var timestamps: TCPOptionKind { TCPOptionKind(rawValue: 8) }
}
