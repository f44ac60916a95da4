/// Settings of a live session.
public struct LiveOptions: Sendable {
    public var tracker: TrackerOptions
    /// A connection silent this long (packet time) is finalized and dropped from memory
    /// (`TrackerOptions.idleTimeout`).
    public var idleTimeout: Double {
        get { tracker.idleTimeout }
        set { tracker.idleTimeout = newValue }
    }

    /// UDP ports that carry tunnels besides the IANA ones (`--tunnel-port KIND=PORT`).
    public var tunnelPorts = TunnelPorts()

    public init(tracker: TrackerOptions = TrackerOptions(), idleTimeout: Double = 300) {
        self.tracker = tracker
        self.tracker.idleTimeout = idleTimeout
    }
}
