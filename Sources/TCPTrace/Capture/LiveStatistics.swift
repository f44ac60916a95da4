/// What libpcap counted for a live capture (`pcap_stats`).
public struct LiveStatistics: Sendable, Equatable {
    public var received: UInt32
    public var droppedByKernel: UInt32
    public var droppedByInterface: UInt32
}
