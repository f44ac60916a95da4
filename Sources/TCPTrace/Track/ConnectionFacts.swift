/// What the state machine keeps beside the two endpoints: who is the client, how the connection opened, the
/// first RST, the shape of the close, and the recorded timeline. `Connection` exposes each field as its own
/// property; `StateMachine` changes them.
struct ConnectionFacts: Sendable {
    /// Endpoint index (0 or 1) of the client; final once `roleEvidence` is `.syn` or `.synAck`.
    var clientIndex = 0
    var roleEvidence = RoleEvidence.portHeuristic
    /// Both endpoints sent a pure SYN.
    var simultaneousOpen = false
    /// A RST came before both FINs were sent: the close is `reset`.
    var resetBeforeClose = false
    var resetSenderState: TCPState?
    /// The half-close finding is raised once per connection.
    var halfCloseReported = false
    var closeShape: CloseKind?
    /// Every segment with both endpoints' states after it, when asked for (`TrackerOptions.recordTimeline`).
    var timeline: [TimelineEntry]?
    /// First RST: frame, time, sender, and the sender's state when it sent it.
    @CompactFrame var resetFrame: Int? = nil
    @CompactTimestamp var resetTime: Timestamp? = nil
    var resetSender: Int?
    /// Endpoint whose FIN came first.
    var firstFinSender: Int?
}
