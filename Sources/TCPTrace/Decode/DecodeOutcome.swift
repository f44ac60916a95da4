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
}

/// What the decoder made of one packet when the segment itself is written in place.
public enum DecodeStatus: Sendable {
    case tcp, notTCP, fragment
    case truncated(DecodeProblem)
    case malformed(DecodeProblem)
}

/// Where and why decoding stopped: the layer, the offset into the packet and, for truncation, the bytes
/// needed against the bytes captured.
public struct DecodeProblem: Sendable, Hashable, CustomStringConvertible {
    public enum Layer: String, Sendable {
        case link, ipv4, ipv6, tcp
    }
    public var layer: Layer
    public var offset: Int
    public var needed: Int
    public var available: Int
    /// Short static reason ("header length below 20", …).
    public var reason: StaticString

    public init(layer: Layer, offset: Int, needed: Int, available: Int, reason: StaticString) {
        self.layer = layer
        self.offset = offset
        self.needed = needed
        self.available = available
        self.reason = reason
    }

    public var description: String {
        "\(layer.rawValue) at byte \(offset): \(reason) (needed \(needed) bytes, \(available) available)"
    }

    public static func == (lhs: DecodeProblem, rhs: DecodeProblem) -> Bool {
        lhs.layer == rhs.layer && lhs.offset == rhs.offset && lhs.needed == rhs.needed
            && lhs.available == rhs.available && lhs.reason.description == rhs.reason.description
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(layer)
        hasher.combine(offset)
    }
}
