/// A stretch of sequence space `[start, end)`, compared with serial arithmetic.
public struct SequenceSpan: Sendable, Hashable {
    public var start: SequenceNumber
    public var end: SequenceNumber
    public func contains(_ n: SequenceNumber) -> Bool { !(n < start) && n < end }
}
