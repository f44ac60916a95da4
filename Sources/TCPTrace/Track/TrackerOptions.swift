/// Settings of the connection tracker.
public struct TrackerOptions: Sendable {
    /// Maximum segment lifetime in seconds; TIME_WAIT lasts 2·MSL (RFC 9293 3.4.2). Linux uses 60 s in all.
    public var msl: Double = 30
    /// Keep every segment of every connection for timelines and ladders (costs memory per segment).
    public var recordTimeline = false
    /// Most half-open attempts (SYN seen, handshake not completed, nothing else) held at once; beyond it the
    /// oldest is dropped and counted (a SYN flood cannot exhaust memory).
    public var maxHalfOpen = 100_000
    /// Most connections held at once (about 2.3 kB each without a timeline); beyond it the oldest half-open
    /// attempt, or else the oldest connection, is dropped and counted.
    public var maxConnections = 500_000
    /// A connection silent this long (capture time) is finalized as it stands; a later segment of its
    /// 4-tuple starts a new connection (the same in every mode).
    public var idleTimeout: Double = 300
    /// Seconds in CLOSE_WAIT beyond which `close-wait-long` is raised (`--close-wait-threshold`).
    public var closeWaitThreshold: Double = 1

    public init(
        msl: Double = 30, recordTimeline: Bool = false, maxHalfOpen: Int = 100_000,
        maxConnections: Int = 500_000, idleTimeout: Double = 300, closeWaitThreshold: Double = 1
    ) {
        self.closeWaitThreshold = closeWaitThreshold
        self.idleTimeout = idleTimeout
        self.msl = msl
        self.recordTimeline = recordTimeline
        self.maxHalfOpen = max(1, maxHalfOpen)
        self.maxConnections = max(1, maxConnections)
    }
}
