/// What the capture shows of one endpoint: its inferred RFC 9293 state, the sequence facts that drive the
/// state machine, and counters. Code asks "the sender" and "the peer", never "the client".
public struct HalfConnection: Sendable {
    // Stored in the order the per-segment path reads them: what most segments read or change first, then the
    // data-phase figures (their own per-segment fields first), then what only the handshake, the close and the
    // report use. A segment then touches the first few cache lines of each endpoint, not all eleven (Swift lays
    // a struct out in declaration order; docs/performance.md, session 17).
    public var endpoint: Endpoint
    public var state: TCPState = .closed
    var zeekState = ZeekEndpointState.inactive
    /// Lowest and highest IP TTL (hop limit) of this endpoint's segments other than RSTs; none while
    /// `ttlLow > ttlHigh`.
    var ttlLow: UInt8 = .max
    var ttlHigh: UInt8 = 0
    /// One past the highest sequence number this endpoint has used (SND.MAX as seen on the wire).
    public var highestSequence: SequenceNumber?
    /// Sequence number the FIN occupies (its frame and time: `finFrame`, `finTime`).
    public var finSequence: SequenceNumber?
    /// The acknowledgment number of this endpoint's latest segment with the ACK bit (RSTs aside): its RCV.NXT
    /// as last shown, which a RST from the peer must match (RFC 5961 3.2).
    public var lastAckSent: SequenceNumber?
    /// Initial sequence number, from this endpoint's SYN or SYN-ACK.
    public var isn: SequenceNumber?
    public var packets = 0
    public var payloadBytes: UInt64 = 0
    /// IP-level bytes: each packet's IP header (with IPv6 extension headers), TCP header and payload, as the
    /// IP header gives them (Zeek's `orig_ip_bytes`/`resp_ip_bytes`; the inner packet of a tunnel).
    public var ipBytes: UInt64 = 0
    /// Options this endpoint announced on its SYN or SYN-ACK.
    public var synOptions: TCPOptions? {
        get { announced?.options }
        set { announced = newValue.map(AnnouncedOptions.init) }
    }
    /// This endpoint's SYN or SYN-ACK (its options) was seen.
    var sawSynOptions: Bool { announced != nil }
    /// The MSS announced on the SYN or SYN-ACK.
    var announcedMSS: UInt16? { announced?.mss }
    /// The window scale announced on the SYN or SYN-ACK.
    var windowScale: UInt8? { announced?.windowScale }
    /// Stored compactly (16 bytes instead of 80: a SYN's options carry no SACK blocks).
    private var announced: AnnouncedOptions?
    /// Data-phase figures of the segments this endpoint sends (and its receiver-side state).
    public var stats = DirectionStats()

    // Per connection, not per segment.
    public var transitions = TransitionList()
    public var synCount = 0
    public var synAckCount = 0
    public var finCount = 0
    public var rstCount = 0
    /// Frame and time of this endpoint's first pure SYN (no ACK bit).
    @CompactFrame public var synFrame: Int? = nil
    @CompactTimestamp public var synTime: Timestamp? = nil
    /// Frame and time of this endpoint's first SYN-ACK.
    @CompactFrame public var synAckFrame: Int? = nil
    @CompactTimestamp public var synAckTime: Timestamp? = nil
    /// Frame where this endpoint first acknowledged the peer's SYN.
    @CompactFrame public var ackedPeerSynFrame: Int? = nil
    @CompactTimestamp public var ackedPeerSynTime: Timestamp? = nil
    /// True once this endpoint's first ACK after the peer's SYN-ACK was checked (handshake-bad-ack).
    var handshakeAckChecked = false
    /// Seconds between this endpoint's last two pure SYNs (0 after one), and the time of the latest: whether a
    /// SYN with a new ISN is a retry of the same attempt or a new one (`Connection.isNewIncarnation`).
    var lastSynInterval: Float = 0
    @CompactTimestamp var lastSynTime: Timestamp? = nil
    /// Frame and time of this endpoint's FIN (`finSequence`).
    @CompactFrame public var finFrame: Int? = nil
    @CompactTimestamp public var finTime: Timestamp? = nil
    /// Frame where the peer first acknowledged this endpoint's FIN.
    @CompactFrame public var finAckedFrame: Int? = nil
    /// The peer's FIN has arrived while this endpoint was in FIN_WAIT_2: it enters TIME_WAIT when it ACKs it.
    var peerFinPending = false
    @CompactFrame public var rstFrame: Int? = nil
    @CompactTimestamp public var timeWaitStart: Timestamp? = nil
    @CompactFrame public var timeWaitFrame: Int? = nil

    public init(endpoint: Endpoint) { self.endpoint = endpoint }

    /// Counts a segment this endpoint sent.
    @inline(__always)
    mutating func count(_ segment: Segment) {
        packets += 1
        payloadBytes &+= UInt64(segment.payloadLength)
        ipBytes &+= UInt64(segment.ipLength)
    }

    /// SND.MAX as seen on the wire: moves to the segment's end when that lies beyond it (serial arithmetic).
    @inline(__always)
    mutating func advanceHighestSequence(past segment: Segment) {
        let segmentEnd = segment.sequence + segment.sequenceLength
        if highestSequence.map({ $0 < segmentEnd }) ?? true { highestSequence = segmentEnd }
    }

    /// Notes what a segment other than a RST shows of this endpoint: its latest ACK and its IP TTL.
    @inline(__always)
    mutating func noteIP(_ segment: Segment) {
        if segment.flags.contains(.ack) { lastAckSent = segment.acknowledgment }
        if segment.ttl < ttlLow { ttlLow = segment.ttl }
        if segment.ttl > ttlHigh { ttlHigh = segment.ttl }
    }

    /// Records a state change the state machine (`StateMachine`) decided; entering TIME_WAIT also notes when.

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
