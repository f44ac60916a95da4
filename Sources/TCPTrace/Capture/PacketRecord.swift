/// The per-packet header libpcap hands out: when the packet was seen and how long it was.
public struct PacketRecord: Sendable, Hashable {
    public var timestamp: Timestamp
    /// Bytes present in the capture (at most the snap length).
    public var capturedLength: UInt32
    /// Bytes the packet had on the wire.
    public var originalLength: UInt32
    /// The packet's own link type when its file mixes several (a pcapng file's interfaces); nil: the file's.
    public var linkType: LinkType?
    /// The interface it was captured on: a pcapng file's interface number, counted over its sections; 0 for
    /// other files.
    public var interface: UInt32

    public init(
        timestamp: Timestamp, capturedLength: UInt32, originalLength: UInt32, linkType: LinkType? = nil,
        interface: UInt32 = 0
    ) {
        self.timestamp = timestamp
        self.capturedLength = capturedLength
        self.originalLength = originalLength
        self.linkType = linkType
        self.interface = interface
    }
}
