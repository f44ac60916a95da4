/// Where a RST's sequence number lies against its receiver's RCV.NXT (RFC 5961 3.2;
/// `StateMachine.resetPosition`).
enum ResetPosition: Equatable {
    /// At RCV.NXT: it resets.
    case exact
    /// Outside the receiver's window (behind RCV.NXT, or at or past the right edge it advertised): ignored.
    case outside(expected: SequenceNumber, edge: SequenceNumber?)
    /// Inside the window but not at RCV.NXT: answered by a challenge ACK by an RFC 5961 stack.
    case inWindow(expected: SequenceNumber)
}
