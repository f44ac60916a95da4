/// One input file as it was read.
public struct InputFileSummary: Sendable {
    public var path: String
    /// The file's link type (of a pcapng file: its first interface's).
    public var linkType: LinkType
    /// Every interface's link type when the file has several (a pcapng file), else `[linkType]`.
    public var linkTypes: [LinkType] = []
    public var snapLength: Int

    /// `EN10MB`, or for a file with interfaces of several link types `EN10MB, RAW (3 interfaces)`.
    public var linkTypeText: String {
        guard linkTypes.count > 1 else { return linkType.name }
        return linkTypes.map(\.name).joined(separator: ", ") + " (\(linkTypes.count) link types)"
    }
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
