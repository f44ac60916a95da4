/// One input file as it was read.
public struct InputFileSummary: Sendable {
    public var path: String
    public var linkType: LinkType
    public var snapLength: Int
    public var packets = 0
    /// 1-based frame numbers of this file's first and last packet in the whole trace (nil when empty).
    public var firstFrame: Int?
    public var lastFrame: Int?
    public var firstTime: Timestamp?
    public var lastTime: Timestamp?
    /// Set when libpcap stopped on a damaged record; the packets before it were analysed.
    public var damage: String?
    /// Packets whose timestamp is earlier than the packet before them, and the first such frame.
    public var backwardsCount = 0
    public var backwardsFrame: Int?
}
