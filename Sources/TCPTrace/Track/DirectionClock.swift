/// What one direction of a connection (the segments one endpoint sends) is doing between two segments of the
/// connection: exactly one label at a time (docs/timing.md).
enum TimeLabel: UInt8, Sendable {
    /// Silence ended by a timer-driven retransmission (retransmission timeout or tail loss probe).
    case rtoStall
    /// From the first retransmission of a hole to the ACK that covers the highest sequence sent before it.
    case lossRecovery
    /// The usable window left is smaller than one segment and the sender had more to send.
    case rwndLimited
    /// Data (or a SYN or FIN) in flight otherwise.
    case busy
    /// Nothing unacknowledged and nothing sent.
    case appLimited
    /// Nothing unacknowledged either way for at least `ConnectionClock.idleGap`.
    case idle
    /// Window-limited with data in flight, until the sender shows it had more to send (then rwnd-limited)
    /// or not (then busy).
    case pendingBusy
    /// Window-limited with nothing in flight, until decided as above (rwnd-limited or app-limited).
    case pendingApp
}

/// Nanoseconds spent under each label.
struct LabelTimes: Sendable, Equatable {
    var rtoStall: Int64 = 0
    var lossRecovery: Int64 = 0
    var rwndLimited: Int64 = 0
    var busy: Int64 = 0
    var appLimited: Int64 = 0
    var idle: Int64 = 0
    var pendingBusy: Int64 = 0
    var pendingApp: Int64 = 0

    @inline(__always)
    mutating func add(_ ns: Int64, to label: TimeLabel) {
        switch label {
        case .rtoStall: rtoStall &+= ns
        case .lossRecovery: lossRecovery &+= ns
        case .rwndLimited: rwndLimited &+= ns
        case .busy: busy &+= ns
        case .appLimited: appLimited &+= ns
        case .idle: idle &+= ns
        case .pendingBusy: pendingBusy &+= ns
        case .pendingApp: pendingApp &+= ns
        }
    }

    /// The window-limited time waiting for a decision, decided: the sender had more to send (rwnd-limited)
    /// or not (busy, app-limited).
    mutating func settlePending(waited: Bool) {
        if waited {
            rwndLimited &+= pendingBusy &+ pendingApp
        } else {
            busy &+= pendingBusy
            appLimited &+= pendingApp
        }
        pendingBusy = 0
        pendingApp = 0
    }
}

/// The clock of one direction: the current label since `labelStart` (its time is added to `times` when the
/// label changes: most segments change nothing, so the per-segment cost is a comparison), and what decides the
/// labels (the last transmission, loss recovery, the window-limited stretch waiting for a decision, the ACK
/// still on its way to the sender, request/response turns). The fields read or written per segment come first.
struct DirectionClock: Sendable {
    var label = TimeLabel.appLimited
    var inRecovery = false
    /// A zero-window probe or a keep-alive at a closed window showed the sender had data waiting.
    var probedWindow = false
    /// Some time since the last transmission had nothing in flight: a retransmission now ends no stall.
    var quietSinceTransmission = false
    /// While the last ACK travels to the sender (`busyUntil`), the label it will have then.
    var afterTail = TimeLabel.appLimited
    /// Largest payload this direction sent (its segment size for the window test), 0 before data.
    var largestPayload: UInt32 = 0
    /// The ACK that ends loss recovery: the highest sequence sent when it began (RFC 6582's "recover").
    var recoveryPoint = SequenceNumber(0)
    /// When the current label began (nanoseconds since the epoch).
    var labelStart: Int64 = 0
    /// Until then the sender still waits for the ACK that emptied its flight (`roundTripToSender`); 0: none.
    var busyUntil: Int64 = 0
    /// Last segment taking sequence space (data, SYN, FIN) this direction sent; 0 before any.
    var lastTransmission: Int64 = 0
    /// When the window last stopped limiting this direction (0: never).
    var windowOpenedAt: Int64 = 0
    /// When the peer last sent a segment (0: never).
    var peerHeard: Int64 = 0
    /// Closed time per label.
    var times = LabelTimes()
    /// Of `times`, what was closed since the last transmission under the labels of data in flight: a timeout
    /// retransmission closes the open span and makes all of it an RTO stall (the highest priority).
    var sinceBusy: Int64 = 0
    var sinceRecovery: Int64 = 0
    var sincePending: Int64 = 0
    /// Request/response: this side's first and last data of its current run (consecutive data segments of
    /// one side), the think time before its runs (from the peer's last data to its own first), their number
    /// and the longest, and the transfer time of its finished runs.
    var runStart: Int64 = 0
    var lastData: Int64 = 0
    var thinkTime: Int64 = 0
    var longestThink: Int64 = 0
    var transferTime: Int64 = 0
    var exchanges: UInt32 = 0
    /// Timer-driven stalls and the longest.
    var rtoStalls: UInt32 = 0
    var longestStall: Int64 = 0
    /// This side's last SYN-ACK (the SYN-ACK retransmission wait), 0 before any.
    var lastSynAck: Int64 = 0
    /// The first frame after which the window limited this direction (0: never), and when.
    var firstLimitedFrame: UInt32 = 0
    var firstLimitedAt: Int64 = 0

    init(start: Int64 = 0) { labelStart = start }

    /// Ends the current label's span at `now`: its time goes to `times` (and to the ledger since the last
    /// transmission). Returns the span for the band.
    @inline(__always)
    mutating func close(at now: Int64) -> (start: Int64, label: TimeLabel) {
        let span = (labelStart, label)
        let length = now &- labelStart
        guard length > 0 else { return span }
        times.add(length, to: label)
        // The ledger holds only the part after the last transmission (a span can start before it).
        let recent = now &- max(labelStart, lastTransmission)
        if recent > 0 {
            switch label {
            case .busy: sinceBusy &+= recent
            case .lossRecovery: sinceRecovery &+= recent
            case .pendingBusy: sincePending &+= recent
            case .rtoStall, .rwndLimited: break
            case .appLimited, .pendingApp, .idle: quietSinceTransmission = true
            }
        }
        labelStart = now
        return span
    }

    /// The times with the open span (to `end`, the connection's last segment) and the ACK's travel in it.
    func times(at end: Int64) -> LabelTimes {
        var t = times
        let tailEnd = busyUntil != 0 ? min(max(busyUntil, labelStart), end) : labelStart
        t.add(tailEnd &- labelStart, to: label)
        t.add(end &- tailEnd, to: busyUntil != 0 ? afterTail : label)
        return t
    }
}

/// Each direction's labels over time, kept only with a recorded timeline (the report's band): spans that
/// follow the same relabelling as `LabelTimes` (an RTO stall takes the time since the last transmission, a
/// window-limited stretch is decided afterwards).
public struct TimingBand: Sendable {
    public struct Span: Sendable, Equatable {
        /// Endpoint index (0 or 1) of the sending direction.
        public var direction: UInt8
        var label: TimeLabel
        /// Nanoseconds since the epoch.
        public var start: Int64
        public var end: Int64
    }

    public private(set) var spans: [Span] = []

    mutating func add(_ direction: Int, from start: Int64, length: Int64, _ label: TimeLabel) {
        guard length > 0 else { return }
        let d = UInt8(direction)
        // (The two directions' spans alternate: merge with this direction's latest when contiguous.)
        for k in spans.indices.suffix(2).reversed() where spans[k].direction == d {
            if spans[k].label == label && spans[k].end == start {
                spans[k].end = start &+ length
                return
            }
            break
        }
        spans.append(Span(direction: d, label: label, start: start, end: start &+ length))
    }

    /// An RTO stall: everything of `direction` from `time` on.
    mutating func relabel(_ direction: Int, since time: Int64, as label: TimeLabel) {
        var k = spans.count - 1
        while k >= 0 && spans[k].end > time {
            if spans[k].direction == UInt8(direction) {
                if spans[k].start < time {
                    var tail = spans[k]
                    tail.start = time
                    tail.label = label
                    spans[k].end = time
                    spans.insert(tail, at: k + 1)
                } else {
                    spans[k].label = label
                }
            }
            k -= 1
        }
    }

    /// A window-limited stretch decided: rwnd-limited when the sender waited, busy or app-limited otherwise.
    /// Every span of the direction since its previous decision (`decidedUntil`) is undecided or not pending.
    mutating func decide(_ direction: Int, waited: Bool, at now: Int64) {
        let since = direction == 0 ? decidedUntil.0 : decidedUntil.1
        var k = spans.count - 1
        while k >= 0 && spans[k].end > since {
            if spans[k].direction == UInt8(direction) {
                switch spans[k].label {
                case .pendingBusy: spans[k].label = waited ? .rwndLimited : .busy
                case .pendingApp: spans[k].label = waited ? .rwndLimited : .appLimited
                default: break
                }
            }
            k -= 1
        }
        if direction == 0 { decidedUntil.0 = now } else { decidedUntil.1 = now }
    }

    /// Per direction, the time up to which its window-limited spans are decided.
    private var decidedUntil: (Int64, Int64) = (.min, .min)

    /// The spans as drawn: undecided window-limited time as busy or app-limited.
    public var decided: [(direction: Int, label: String, start: Int64, end: Int64)] {
        spans.map { s in
            let label: TimeLabel = s.label == .pendingBusy ? .busy : s.label == .pendingApp ? .appLimited : s.label
            return (Int(s.direction), label.name, s.start, s.end)
        }
    }
}

extension TimeLabel {
    /// The label as JSON and docs name it.
    var name: String {
        switch self {
        case .rtoStall: "rto_stall"
        case .lossRecovery: "loss_recovery"
        case .rwndLimited: "rwnd_limited"
        case .busy, .pendingBusy: "busy"
        case .appLimited, .pendingApp: "app_limited"
        case .idle: "idle"
        }
    }
}
