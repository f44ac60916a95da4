/// One checkable statement about the selected connections.
public enum ExpectationClause: Sendable, Equatable {
    case handshake([HandshakeOutcome])
    case close([CloseKind])
    /// nil in the list means "no initiator" (`none`).
    case initiator([Initiator?])
    case clientState(TCPState)
    case serverState(TCPState)
    case connState([String])
    case timeWait([Initiator?])
    case findingPresent(RequiredFinding)
    case findingAbsent(FindingCode)
    case failOn(Severity)
    case maxDuration(Double)
    case maxHandshakeRTT(Double)
}
