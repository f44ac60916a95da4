/// What the decoder made of one packet when the segment itself is written in place.
public enum DecodeStatus: Sendable {
    case tcp, notTCP, fragment
    case truncated(DecodeProblem)
    case malformed(DecodeProblem)
    /// A well-formed outer packet whose tunnel's content is cut or impossible: counted under the innermost
    /// tunnel's kind, not as a damaged packet.
    case damagedInTunnel(TunnelKind, DecodeProblem, truncated: Bool)
}
