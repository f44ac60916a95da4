/// Zeek's per-endpoint TCP states, mirrored so `conn_state` can be derived the way Zeek's `conn.zeek` does.
public enum ZeekEndpointState: Sendable {
    case inactive, synSent, synAckSent, partial, established, closed, reset
}

/// What the capture shows of one endpoint: its inferred RFC 9293 state, the sequence facts that drive the
/// state machine, and counters. Code asks "the sender" and "the peer", never "the client".
public struct HalfConnection: Sendable {
    public var endpoint: Endpoint
    public var state: TCPState = .closed
    public var transitions: [StateTransition] = []

    public var packets = 0
    public var payloadBytes: UInt64 = 0
    public var synCount = 0
    public var synAckCount = 0
    public var finCount = 0
    public var rstCount = 0

    /// Initial sequence number, from this endpoint's SYN or SYN-ACK.
    public var isn: SequenceNumber?
    /// Frame and time of this endpoint's first pure SYN (no ACK bit).
    public var synFrame: Int?
    public var synTime: Timestamp?
    /// Frame and time of this endpoint's first SYN-ACK.
    public var synAckFrame: Int?
    public var synAckTime: Timestamp?
    /// Options this endpoint announced on its SYN or SYN-ACK.
    public var synOptions: TCPOptions?
    /// Frame where this endpoint first acknowledged the peer's SYN.
    public var ackedPeerSynFrame: Int?
    public var ackedPeerSynTime: Timestamp?
    /// True once this endpoint's first ACK after the peer's SYN-ACK was checked (handshake-bad-ack).
    var handshakeAckChecked = false

    /// One past the highest sequence number this endpoint has used (SND.MAX as seen on the wire).
    public var highestSequence: SequenceNumber?
    /// Sequence number the FIN occupies, with its frame and time.
    public var finSequence: SequenceNumber?
    public var finFrame: Int?
    public var finTime: Timestamp?
    /// Frame where the peer first acknowledged this endpoint's FIN.
    public var finAckedFrame: Int?
    /// The peer's FIN has arrived while this endpoint was in FIN_WAIT_2: it enters TIME_WAIT when it ACKs it.
    var peerFinPending = false
    public var rstFrame: Int?
    public var timeWaitStart: Timestamp?
    public var timeWaitFrame: Int?

    var zeekState = ZeekEndpointState.inactive
    /// Data-phase figures of the segments this endpoint sends (and its receiver-side state).
    public var stats = DirectionStats()

    public init(endpoint: Endpoint) { self.endpoint = endpoint }

    mutating func enter(_ newState: TCPState, frame: Int, time: Timestamp) {
        guard newState != state else { return }
        state = newState
        transitions.append(StateTransition(frame: frame, time: time, state: newState))
        if newState == .timeWait && timeWaitStart == nil {
            timeWaitStart = time
            timeWaitFrame = frame
        }
    }
}
