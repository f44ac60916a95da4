/// Figures for one address.
public struct HostStats: Sendable {
    public var address: IPAddress
    public var openedAsClient: Int
    public var acceptedAsServer: Int
    /// 4-tuples this host holds in TIME_WAIT: most at once (and when), and at the end of the capture.
    public var timeWaitPeak: Int
    public var timeWaitPeakTime: Timestamp?
    public var timeWaitAtEnd: Int
    public var pairs: [PairStats]
    public var findings: [HostFinding]
}
