/// One arrow of a ladder: a segment with relative numbers, the states it changed and its findings.
public struct LadderSegment: Sendable {
    public var frame: Int
    /// Seconds since the connection's first segment.
    public var time: Double
    /// When it was captured, and when the connection's previous segment was (`-t`: `TimeWriter`).
    public var at = Timestamp(nanoseconds: 0)
    public var previous: Timestamp?
    public var fromClient: Bool
    public var flags: TCPFlags
    /// Relative to the sender's ISN / the receiver's ISN, as Wireshark's relative numbers.
    public var seq: UInt32
    public var ack: UInt32?
    public var length: UInt32
    /// New state of each side after this segment, nil when unchanged.
    public var clientState: TCPState?
    public var serverState: TCPState?
    public var findings: [Finding]
    /// Data at or below the sender's highest sequence already sent.
    public var retransmission: Bool

    /// `PSH,ACK seq=1 ack=1 len=100`.
    public var label: String { "\(flags) \(numbers)" }

    public var numbers: String {
        var text = "seq=\(seq)"
        if let ack { text += " ack=\(ack)" }
        if length > 0 { text += " len=\(length)" }
        return text
    }
}
