/// How bad a finding is. Ordered: `info < warning < error`.
public enum Severity: String, Sendable, Comparable, CaseIterable {
    case info, warning, error

    private var rank: Int {
        switch self {
        case .info: 0
        case .warning: 1
        case .error: 2
        }
    }

    public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rank < rhs.rank }
}

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
             .lastAckLost, .reset, .rstInTimeWait, .timeWaitReuse, .truncated, .timeWaitPressure,
             .retransmission, .fastRetransmission, .zeroWindow, .windowShrunk:
            .warning
        case .simultaneousOpen, .synWithData, .simultaneousClose, .halfClose, .notClosed, .midStream,
             .spuriousRetransmission, .outOfOrder, .lostSegment, .ackUnseenSegment, .duplicateAck, .zeroWindowProbe,
             .windowFull, .keepAlive:
            .info
        }
    }

    public static func < (lhs: FindingCode, rhs: FindingCode) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// Which role sent the segment a finding is about.
public enum Role: String, Sendable {
    case client, server
}

/// Something worth telling about a connection, tied to the frame that shows it.
public struct Finding: Sendable, Hashable {
    public var code: FindingCode
    public var frame: Int
    public var time: Timestamp
    /// Index (0 or 1) of the endpoint that sent the segment, nil when no single segment is to blame.
    public var senderIndex: Int?
    /// Human-readable explanation; not part of the stable contract.
    public var detail: String

    public var severity: Severity { code.severity }
}
