/// One frame of a trace as `TraceReader.readFrames` hands it over: every frame, TCP or not, with what the
/// tracker made of it. Built for `extract`, which writes frames by connection; `analyze` never builds one.
struct TraceFrame {
    /// The frame number in the whole trace (1-based, running on across files).
    var number: Int
    var record: PacketRecord
    /// The input interface: unique over the trace (the file's position in reading order, and the
    /// interface's number in it), and how it recorded its packets.
    var source: Int
    var interface: SourceInterface
    /// The connection the tracker gave the segment (a late segment: the connection it came after); 0 when the
    /// frame is not a tracked segment or the tracker kept it for none.
    var connection = 0
    /// The segment came after its connection was finalized (`Tracker.lateSegments`); `connection` is that
    /// connection's.
    var isLate = false
    /// A TCP segment handed to the tracker.
    var isSegment = false
    /// The segment is the first fragment of a fragmented datagram (`Segment.isFirstFragment`).
    var isFirstFragment = false
    /// The segment's two endpoints (outer addresses of a tunnelled one aside), when `isSegment`.
    var endpoints: EndpointPair?
}
