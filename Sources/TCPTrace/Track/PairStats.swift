/// Figures for one client → server address:port pair.
public struct PairStats: Sendable {
    public var pair: HostPair
    public var connections: Int
    /// Connections opened in the busiest 1-second window, and on average per second between the first and
    /// the last opening.
    public var handshakesPerSecondPeak: Int
    public var handshakesPerSecondMean: Double
    public var medianLifetime: Double
    /// Requests per connection: runs of client data (each answered by the server's runs).
    public var requestsMean: Double
    public var requestsMedian: Double
    /// Connections that carried one request and one response.
    public var singleRequest: Int
    /// Single-request connections followed by another connection to the same server within 1 s of their end:
    /// candidates for keep-alive.
    public var keepaliveCandidates: Int
    /// Which side ended in TIME_WAIT: client, server, both, none.
    public var timeWaitSide: [String: Int]
    /// Most of the client's ports held in TIME_WAIT towards this server at once, as a share of the port range.
    public var timeWaitPeak: Int
    public var timeWaitPeakShare: Double
    public var timeWaitPeakTime: Timestamp?
}
