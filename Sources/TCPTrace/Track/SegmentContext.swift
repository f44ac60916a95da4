/// Where and when the capture saw a segment, and which endpoint (0 or 1) sent it: what every step of the
/// state machine needs beside the segment itself.
struct SegmentContext {
    /// 1-based position of the segment's frame in the capture.
    var frame: Int
    var time: Timestamp
    /// Index of the sending endpoint; the peer is `1 - sender`.
    var sender: Int
}
