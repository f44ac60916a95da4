/// Settings for one analysis run.
public struct AnalysisOptions: Sendable {
    public var tracker = TrackerOptions()
    /// A connection silent this long (capture time) is finalized as it stands, in every mode
    /// (`TrackerOptions.idleTimeout`).
    public var idleTimeout: Double {
        get { tracker.idleTimeout }
        set { tracker.idleTimeout = newValue }
    }
    /// Streaming order: by first frame (a connection waits for every older one to finish: memory grows while
    /// an old connection stays open), or as connections finish (memory stays flat).
    public var order: StreamOrder = .firstFrame
    /// Called while streaming, after each batch of segments tracked (32,768, or fewer from a stream: what
    /// arrived) and, reading a stream, at each wall-clock tick.
    public var progress: (@Sendable (AnalysisProgress) -> Void)?
    /// Reading a stream (`Analyzer.isStream`): called on the tracking thread each time every connection
    /// finalized so far has gone to the sink (after each batch of segments that arrived, after each wall-clock
    /// tick), for the caller to flush its output (`ByteOutput.Shared`), so that each connection is on the output
    /// as soon as it is final. Never called for files.
    public var caughtUp: (@Sendable () -> Void)?
    /// Streaming in first-frame order: bytes of rendered output held in memory for connections waiting for an
    /// older one; beyond it they wait in a temporary file.
    public var spoolMemory = 4 << 20
    /// Check every segment's IPv4 header and TCP checksums (`--verify-checksums`); a segment with a wrong one
    /// is counted and not used for state. Off by default, as in Wireshark: a locally sent packet is captured
    /// before the NIC fills in an offloaded checksum.
    public var verifyChecksums = false
    /// UDP ports that carry tunnels besides the IANA ones (`--tunnel-port KIND=PORT`).
    public var tunnelPorts = TunnelPorts()
    /// The host view to build (`analyze --hosts`), or nil for none.
    public var hosts: HostOptions?
    /// The connections and findings shown (`--host`, `--port`, `--finding`, `--state`, `--filter`,
    /// `--min-severity`); the analysis itself sees everything.
    public var selection = ConnectionSelection()
    /// The seed of each connection's Community ID (`--community-id-seed`; `CommunityID`).
    public var communityIDSeed: UInt16 = 0
    public init(tracker: TrackerOptions = TrackerOptions(), idleTimeout: Double = 300, order: StreamOrder = .firstFrame)
    {
        self.tracker = tracker
        self.tracker.idleTimeout = idleTimeout
        self.order = order
    }

    /// What the reading thread needs, interning tunnels into `tunnels`.
    func readSettings(tunnels: TunnelRegistry) -> ReadSettings {
        ReadSettings(
            verifyChecksums: verifyChecksums, tunnelPorts: tunnelPorts, tunnels: tunnels, filter: selection.filter)
    }
}
