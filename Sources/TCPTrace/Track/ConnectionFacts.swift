/// What the state machine keeps beside the two endpoints: who is the client, how the connection opened, the
/// first RST, the shape of the close, and the recorded timeline. `Connection` exposes each field as its own
/// property; `StateMachine` changes them.
struct ConnectionFacts: Sendable {
    // (Every segment reads the fields up to `band`: they come first, in one cache line.)
    /// Endpoint index (0 or 1) of the client; final once `roleEvidence` is `.syn` or `.synAck`.
    var clientIndex = 0
    /// A RST inside the receiver's window but not at its RCV.NXT, waiting for the evidence that decides it
    /// (RFC 5961 3.2: a challenge ACK means it did not reset).
    @OutOfLine var pendingReset: PendingReset? = nil
    /// A segment that answered the SYN_SENT side without acknowledging its SYN (RFC 9293 3.5, figures 8 and
    /// 9), waiting for that side's RST.
    @OutOfLine var staleAnswer: StaleAnswer? = nil
    /// Every segment with both endpoints' states after it, when asked for (`TrackerOptions.recordTimeline`).
    var timeline: [TimelineEntry]?
    /// Each direction's timing labels over time, with the timeline (the report's band).
    var band: TimingBand?
    var roleEvidence = RoleEvidence.portHeuristic
    /// Both endpoints sent a pure SYN.
    var simultaneousOpen = false
    /// A RST came before both FINs were sent: the close is `reset`.
    var resetBeforeClose = false
    var resetSenderState: TCPState?
    /// The half-close finding is raised once per connection.
    var halfCloseReported = false
    var closeShape: CloseKind?

    /// Empty facts; with an empty timeline and band when the timeline is recorded.
    init(recordTimeline: Bool) {
        timeline = recordTimeline ? [] : nil
        band = recordTimeline ? TimingBand() : nil
    }

    /// First RST: frame, time, sender, and the sender's state when it sent it.
    @CompactFrame var resetFrame: Int? = nil
    @CompactTimestamp var resetTime: Timestamp? = nil
    var resetSender: Int?
    /// Endpoint whose FIN came first.
    var firstFinSender: Int?
}
