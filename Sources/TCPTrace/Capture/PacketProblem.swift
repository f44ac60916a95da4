/// A packet that could not be fully decoded, kept for the report (the first few only).
public struct PacketProblem: Sendable {
    public var frame: Int
    public var problem: DecodeProblem
    public var isTruncation: Bool
}
