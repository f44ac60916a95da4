/// A segment that reached an endpoint in SYN_SENT without acknowledging its SYN: the SYN-ACK of an old
/// duplicate SYN (RFC 9293 3.5, figure 8) or the ACK of a peer that still holds an older connection on the
/// 4-tuple (figure 9). The SYN_SENT side answers `<SEQ=SEG.ACK><CTL=RST>`, which aborts the peer's stale state,
/// not its own attempt.
struct StaleAnswer: Sendable {
    var frame: Int
    var time: Timestamp
    /// The endpoint that sent the answer.
    var sender: Int
    var acknowledgment: SequenceNumber
    /// A SYN-ACK (figure 8) rather than a plain ACK (figure 9).
    var isSynAck: Bool
}
