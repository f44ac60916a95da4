/// The state machine's shared facts (`ConnectionFacts`), read as properties of the connection.
extension Connection {
    /// Endpoint index (0 or 1) of the client; final once `roleEvidence` is `.syn` or `.synAck`.
    public var clientIndex: Int {
        get { facts.clientIndex }
        set { facts.clientIndex = newValue }
    }
    public var roleEvidence: RoleEvidence {
        get { facts.roleEvidence }
        set { facts.roleEvidence = newValue }
    }
    /// Both endpoints sent a pure SYN.
    public var simultaneousOpen: Bool {
        get { facts.simultaneousOpen }
        set { facts.simultaneousOpen = newValue }
    }
    /// Every segment with both endpoints' states after it; nil unless `TrackerOptions.recordTimeline`.
    public var timeline: [TimelineEntry]? {
        get { facts.timeline }
        set { facts.timeline = newValue }
    }
    /// First RST: frame, time, sender, and the sender's state when it sent it.
    public var resetFrame: Int? {
        get { facts.resetFrame }
        set { facts.resetFrame = newValue }
    }
    public var resetTime: Timestamp? {
        get { facts.resetTime }
        set { facts.resetTime = newValue }
    }
    public var resetSender: Int? {
        get { facts.resetSender }
        set { facts.resetSender = newValue }
    }
    public var resetSenderState: TCPState? {
        get { facts.resetSenderState }
        set { facts.resetSenderState = newValue }
    }
    /// A RST came before both FINs were sent: the close is `reset`.
    public var resetBeforeClose: Bool {
        get { facts.resetBeforeClose }
        set { facts.resetBeforeClose = newValue }
    }
    /// Endpoint whose FIN came first, and how the second FIN related to the first.
    public var firstFinSender: Int? {
        get { facts.firstFinSender }
        set { facts.firstFinSender = newValue }
    }
    public var closeShape: CloseKind? {
        get { facts.closeShape }
        set { facts.closeShape = newValue }
    }
}
