/// What the decoder made of one packet when the segment itself is written in place.
public enum DecodeStatus: Sendable {
    case tcp, notTCP, fragment
    case truncated(DecodeProblem)
    case malformed(DecodeProblem)
}
