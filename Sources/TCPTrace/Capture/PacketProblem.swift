/// A packet that could not be fully decoded, kept for the report (the first few only).
public struct PacketProblem: Sendable {
    public var frame: Int
    public var problem: DecodeProblem
    public var isTruncation: Bool
    /// The innermost tunnel whose content was damaged (the outer packet was well formed), if any.
    public var tunnel: TunnelKind? = nil

    /// What went wrong and where, inside which tunnel when one was damaged.
    public var description: String {
        guard let tunnel else { return problem.description }
        return "in \(tunnel.name): \(problem.description)"
    }
}

/// Packets whose tunnel content was cut by the snap length (`truncated`) or impossible (`malformed`).
public struct TunnelDamage: Sendable, Hashable {
    public var truncated = 0
    public var malformed = 0
    public init(truncated: Int = 0, malformed: Int = 0) {
        self.truncated = truncated
        self.malformed = malformed
    }
}
