/// How one interface of an input capture recorded its packets: what a writer needs to describe them again
/// (`CaptureWriter`). A classic pcap file has one; a pcapng file one per interface description block.
public struct SourceInterface: Hashable, Sendable {
    public var linkType: LinkType
    /// The snapshot length (0: unknown or unlimited, as pcapng allows).
    public var snapLength: Int
    /// Timestamps finer than microseconds (nanosecond pcap magic; pcapng `if_tsresol` above 10^6 per second).
    public var nanosecond: Bool

    public init(linkType: LinkType, snapLength: Int, nanosecond: Bool) {
        self.linkType = linkType
        self.snapLength = snapLength
        self.nanosecond = nanosecond
    }
}
