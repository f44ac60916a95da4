/// What a frame says about TCP connections besides being a segment itself (`PacketDecoder.related`): the IP
/// fragment of a TCP datagram, or an ICMP error that quotes a TCP segment. `extract` writes such frames with
/// the connection they belong to.
public enum RelatedPacket: Sendable, Equatable {
    /// A fragment of a TCP datagram; `first`: the fragment at offset 0 (it holds the TCP header and is also
    /// tracked as a segment).
    case fragment(FragmentKey, first: Bool)
    /// An ICMP error (ICMPv4 destination unreachable 3 or time exceeded 11; ICMPv6 destination unreachable 1
    /// or time exceeded 3) quoting a TCP segment from `source` to `destination`.
    case icmpError(source: Endpoint, destination: Endpoint)
    /// Neither; also a link type or an encapsulation (VLAN tags aside) this look does not follow.
    case unrelated
    /// The snap length cut a header the look needs.
    case truncated(DecodeProblem)
    /// An impossible header field.
    case malformed(DecodeProblem)
}
