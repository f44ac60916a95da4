/// Settings of a live session.
public struct LiveOptions: Sendable {
    public var tracker: TrackerOptions
    /// A connection silent this long (packet time) is finalized and dropped from memory.
    public var idleTimeout: Double

    public init(tracker: TrackerOptions = TrackerOptions(), idleTimeout: Double = 300) {
        self.tracker = tracker
        self.idleTimeout = idleTimeout
    }
}
