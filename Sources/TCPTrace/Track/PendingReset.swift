/// A RST inside the receiver's window but not exactly at its RCV.NXT (RFC 5961 3.2). A stack that follows
/// RFC 5961 answers it with a challenge ACK and carries on; an older one resets. The capture decides: anything
/// the receiver sends afterwards means it did not reset (`rst-unacceptable`); silence, another RST or the end
/// of the connection means it did (`Connection.settlePendingReset`).
struct PendingReset: Sendable {
    var frame: Int
    var time: Timestamp
    /// The endpoint that sent the RST.
    var sender: Int
    var sequence: SequenceNumber
    /// The receiver's RCV.NXT as estimated when the RST came.
    var expected: SequenceNumber
    /// The RST's TTL when it differs from its sender's other segments.
    var ttl: TTLMismatch?
}
