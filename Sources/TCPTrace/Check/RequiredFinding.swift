/// A finding that must appear: its code, and optionally how many times and at which frame.
public struct RequiredFinding: Sendable, Equatable {
    public var code: FindingCode
    public var count: Int?
    public var frame: Int?
}
