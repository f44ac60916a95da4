/// Stable finding codes: a public interface (docs/findings.md). Never rename one.
public enum FindingCode: String, Sendable, CaseIterable, Comparable {
    // Handshake
    case synRetransmit = "syn-retransmit"
    case synackRetransmit = "synack-retransmit"
    case synUnanswered = "syn-unanswered"
    case handshakeAckMissing = "handshake-ack-missing"
    case handshakeBadAck = "handshake-bad-ack"
    case synNewISN = "syn-new-isn"
    case staleSyn = "stale-syn"
    case halfOpenPeer = "half-open-peer"
    case refused = "refused"
    case simultaneousOpen = "simultaneous-open"
    case synWithData = "syn-with-data"
    // Close
    case finRetransmit = "fin-retransmit"
    case finUnacked = "fin-unacked"
    case finBadAck = "fin-bad-ack"
    case lastAckLost = "last-ack-lost"
    case dataAfterFin = "data-after-fin"
    case reset = "reset"
    case rstInTimeWait = "rst-in-time-wait"
    case rstUnacceptable = "rst-unacceptable"
    case simultaneousClose = "simultaneous-close"
    case halfClose = "half-close"
    case notClosed = "not-closed"
    // Reuse
    case timeWaitReuse = "time-wait-reuse"
    case oldIncarnationSegment = "old-incarnation-segment"
    // Host level
    case timeWaitPressure = "time-wait-pressure"
    // Data phase
    case retransmission = "retransmission"
    case fastRetransmission = "fast-retransmission"
    case spuriousRetransmission = "spurious-retransmission"
    case outOfOrder = "out-of-order"
    case lostSegment = "lost-segment"
    case ackUnseenSegment = "ack-unseen-segment"
    case duplicateAck = "duplicate-ack"
    case zeroWindow = "zero-window"
    case zeroWindowProbe = "zero-window-probe"
    case windowFull = "window-full"
    case keepAlive = "keep-alive"
    case windowShrunk = "window-shrunk"
    // Timing (docs/timing.md)
    case rtoStall = "rto-stall"
    case rwndLimited = "rwnd-limited"
    case closeWaitLong = "close-wait-long"
    // Capture
    case midStream = "mid-stream"
    case truncated = "truncated"

    /// The fixed severity of each code (docs/findings.md).
    public var severity: Severity {
        switch self {
        case .synUnanswered, .handshakeAckMissing, .handshakeBadAck, .refused, .finBadAck, .dataAfterFin,
            .oldIncarnationSegment:
            .error
        case .synRetransmit, .synackRetransmit, .synNewISN, .staleSyn, .finRetransmit, .finUnacked,
            .lastAckLost, .reset, .rstInTimeWait, .rstUnacceptable, .halfOpenPeer, .timeWaitReuse, .truncated,
            .timeWaitPressure,
            .retransmission, .fastRetransmission, .zeroWindow, .windowShrunk, .rtoStall, .rwndLimited, .closeWaitLong:
            .warning
        case .simultaneousOpen, .synWithData, .simultaneousClose, .halfClose, .notClosed, .midStream,
            .spuriousRetransmission, .outOfOrder, .lostSegment, .ackUnseenSegment, .duplicateAck, .zeroWindowProbe,
            .windowFull, .keepAlive:
            .info
        }
    }

    public static func < (lhs: FindingCode, rhs: FindingCode) -> Bool { lhs.rawValue < rhs.rawValue }
}
