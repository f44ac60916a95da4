/// The one-line answer to "where did this connection's time go": the dominant cause with its share
/// (docs/timing.md, "Diagnosis").
///
/// A connection that never opened is diagnosed by its handshake. Otherwise the causes that point at a problem
/// (a slow handshake, timeout stalls, loss recovery, a receiver that does not keep up, a responder that
/// thinks, idleness, a CLOSE_WAIT) compete by their seconds; the largest names the connection when it holds at
/// least `notableShare` of the duration. Otherwise the connection was limited by nothing but itself: its main
/// sender was busy (the path and the congestion window set the pace) or app-limited (the application had
/// nothing to send).
///
/// The text is written as bytes (`write(into:)`) from the figures kept here: JSON writes it for every
/// connection, and building a String there cost several heap allocations per connection.
public struct Diagnosis: Sendable, Equatable {
    /// Stable words for JSON `timing.cause` (docs/json.md).
    public enum Cause: String, Sendable {
        case handshake
        case rtoStall = "rto-stall"
        case lossRecovery = "loss-recovery"
        case rwndLimited = "rwnd-limited"
        case thinkTime = "think-time"
        case idle
        case closeWait = "close-wait"
        case busy
        case appLimited = "app-limited"
        case none
    }

    public var cause: Cause
    /// The cause's seconds, and its share of what the text names (the duration, or the transfer time).
    public var seconds: Double
    public var share: Double
    /// The side it concerns (the sender, the responder, the closer), when one.
    public var role: Role?
    /// What the text cites beside them: the handshake of a connection that never opened, a count (timeouts,
    /// turns, SYNs), the longest think time, the duration.
    var unopened: HandshakeOutcome?
    var count = 0
    var longest = 0.0
    var duration: Double

    /// A problem cause names the connection from this share of its duration.
    public static let notableShare = 0.2
    init(_ t: ConnectionTiming) {
        let d = t.duration
        duration = d
        switch t.outcome {
        case .refused, .synOnly, .halfOpen, .synackOnly, .aborted:
            // A connection that never opened: its handshake is the whole story.
            cause = .handshake
            seconds = d
            share = 1
            unopened = t.outcome
            count = t.synCount
            return
        case .complete, .simultaneousOpen, .notSeen:
            break
        }
        var best: (Cause, Double, Role?) = (.none, 0, nil)
        func consider(_ cause: Cause, _ seconds: Double, _ role: Role?) {
            if seconds > best.1 { best = (cause, seconds, role) }
        }
        consider(.handshake, (t.synRetransmitWait ?? 0) + (t.synackRetransmitWait ?? 0), nil)
        for k in 0..<2 {
            let role: Role = k == 0 ? .server : .client
            let x = t[role]
            consider(.rtoStall, x.rtoStall, role)
            consider(.lossRecovery, x.lossRecovery, role)
            consider(.rwndLimited, x.rwndLimited, role)
            consider(.thinkTime, x.thinkTime, role)
        }
        consider(.idle, min(t.client.idle, t.server.idle), nil)
        // (A CLOSE_WAIT is a cause when it is above the threshold, `close-wait-long`.)
        if t.closeWaitLong { consider(.closeWait, t.closeWait ?? 0, t.closeWaitRole) }
        let (found, seconds, role) = (best.0, best.1, best.2)
        if d > 0, seconds > 0, seconds >= Diagnosis.notableShare * d {
            cause = found
            self.seconds = seconds
            self.role = role
            let x = t[role ?? .server]
            switch found {
            case .rtoStall, .lossRecovery, .rwndLimited:
                share = x.transfer > 0 ? seconds / x.transfer : 0
                count = x.rtoStalls
            case .thinkTime:
                share = seconds / d
                count = x.exchanges
                longest = x.longestThink
            default:
                share = seconds / d
            }
            return
        }
        // Nothing notable: the main sender's own pace.
        let main: Role = t.server.transfer >= t.client.transfer ? .server : .client
        let x = t[main]
        self.role = main
        if d <= 0 || t.payloadBytes == 0 {
            cause = .none
            self.seconds = 0
            share = 0
        } else if x.transfer >= x.appLimited + x.idle {
            cause = .busy
            self.seconds = x.transfer
            share = x.transfer / d
        } else {
            cause = .appLimited
            self.seconds = x.appLimited
            share = x.appLimited / d
        }
    }

    /// The line, e.g. "receiver window limited 72 % of the server's transfer time (1.20s): the reader did not
    /// keep up".
    public var text: String {
        var bytes: [UInt8] = []
        write(into: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Writes `text`: ASCII letters, digits, spaces and `' % ( ) : , . - _` only (JSON needs no escape).
    func write<Sink: JSONSink>(into out: inout Sink) {
        func put(_ s: StaticString) { s.withUTF8Buffer { out.write(UnsafeRawBufferPointer($0)) } }
        func dur(_ x: Double) { Format.writeDuration(x, into: &out) }
        func pct(_ x: Double) {
            out.writeDecimal(Int64((x * 100).rounded()))
            put(" %")
        }
        func who() { put(role == .client ? "client" : "server") }
        func plural(_ n: Int, _ word: StaticString) {
            out.writeDecimal(Int64(n))
            put(" ")
            put(word)
            if n != 1 { put("s") }
        }
        if let unopened {
            switch unopened {
            case .refused: put("refused: the server answered the SYN with a RST after ")
            case .synOnly:
                put("no answer to ")
                plural(count, "SYN")
                put(" in ")
            case .halfOpen: put("half-open: the client's ACK of the SYN-ACK never seen in ")
            case .synackOnly: put("only the server's SYN-ACK seen, in ")
            default: put("handshake aborted by a RST after ")
            }
            dur(duration)
            return
        }
        switch cause {
        case .handshake:
            put("handshake retransmissions waited ")
            dur(seconds)
            put(" (")
            pct(share)
            put(" of its life): SYN or SYN-ACK lost or unanswered")
        case .rtoStall:
            who()
            put(" stalled on its retransmission timer ")
            dur(seconds)
            put(" (")
            plural(count, "timeout")
            put(", ")
            pct(share)
            put(" of its transfer time): segments lost, nothing told it sooner")
        case .lossRecovery:
            who()
            put(" in loss recovery ")
            pct(share)
            put(" of its transfer time (")
            dur(seconds)
            put("): resending lost segments")
        case .rwndLimited:
            put("receiver window limited ")
            pct(share)
            put(" of the ")
            who()
            put("'s transfer time (")
            dur(seconds)
            put("): the reader did not keep up")
        case .thinkTime:
            who()
            put(" think time ")
            dur(seconds)
            put(" over ")
            if role == .server { plural(count, "request") } else { plural(count, "turn") }
            put(" (")
            pct(share)
            put(" of its life, longest ")
            dur(longest)
            put(")")
        case .idle:
            put("idle ")
            dur(seconds)
            put(" (")
            pct(share)
            put(" of its life): nothing to send either way")
        case .closeWait:
            who()
            put(" in CLOSE_WAIT ")
            dur(seconds)
            put(" after the peer's FIN: the application did not close")
        case .busy:
            who()
            put(" busy ")
            pct(share)
            put(" of its life: its data in flight, paced by the path")
        case .appLimited:
            put("app-limited: the ")
            who()
            put(" had nothing to send ")
            pct(share)
            put(" of its life")
        case .none:
            if duration > 0 {
                put("no data either way: opened and closed in ")
                dur(duration)
            } else {
                put("no time elapsed between its first and last segment")
            }
        }
    }
}
