/// Where and why decoding stopped: the layer, the offset into the packet and, for truncation, the bytes
/// needed against the bytes captured.
public struct DecodeProblem: Sendable, Hashable, CustomStringConvertible {
    public enum Layer: String, Sendable {
        case link, ipv4, ipv6, tcp
        /// A tunnel's own header (VXLAN, Geneve, GTP-U, Teredo, AYIYA, GRE, ERSPAN).
        case tunnel
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
