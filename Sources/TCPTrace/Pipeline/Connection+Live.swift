extension Connection {
    /// The close is over: a RST, or both FINs sent and acknowledged.
    public var isClosedNow: Bool {
        resetFrame != nil || (sideA.finAckedFrame != nil && sideB.finAckedFrame != nil)
    }

    /// The handshake has an outcome a live observer can announce: completed, refused or aborted, or the
    /// connection was already open when the capture began.
    public var handshakeResolved: Bool {
        if resetFrame != nil { return true }
        if roleEvidence == .portHeuristic && sideA.synFrame == nil && sideB.synFrame == nil
            && sideA.synAckFrame == nil && sideB.synAckFrame == nil
        {
            return true
        }
        return client.ackedPeerSynFrame != nil && server.synAckFrame != nil
    }
}
