/// One segment as the timeline (`analyze --connection`, ladder) shows it. Recorded only when asked for.
public struct TimelineEntry: Sendable {
    public var frame: Int
    public var time: Timestamp
    public var senderIndex: Int
    public var flags: TCPFlags
    public var sequence: SequenceNumber
    public var acknowledgment: SequenceNumber
    public var payloadLength: UInt32
    public var window: UInt16
    /// The segment's TCP options (SACK blocks, RFC 2018, among them).
    public var options: TCPOptions
    /// SACK blocks the segment carries (RFC 2018).
    public var sack: SACKBlocks { options.sack }
    /// States of endpoint 0 and 1 after the segment.
    public var states: (TCPState, TCPState)
}
