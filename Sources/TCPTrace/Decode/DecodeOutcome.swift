/// What the decoder made of one packet. Everything except `.tcp` is counted in the capture summary.
public enum DecodeOutcome: Sendable {
    /// A TCP segment with a complete fixed header.
    case tcp(Segment)
    /// A well-formed packet that is not TCP (ARP, UDP, ICMP, …).
    case notTCP
    /// A non-first IP fragment: it holds no TCP header, so it is counted and skipped.
    case fragment
    /// The snap length cut the packet before the end of a header the decoder needs.
    case truncated(DecodeProblem)
    /// A header field is impossible (bad version, length smaller than the header, …).
    case malformed(DecodeProblem)
    /// A well-formed outer packet (UDP, GRE, IP) whose tunnel's content is cut or impossible (`TunnelKind`:
    /// the innermost tunnel).
    case damagedInTunnel(TunnelKind, DecodeProblem, truncated: Bool)
}
