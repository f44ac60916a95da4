/// A stretch of sequence space not (yet) seen in the capture, and when the segment after it was seen.
struct Hole: Sendable {
    var start: SequenceNumber
    var end: SequenceNumber
    var seenAfterAt: Timestamp
}
