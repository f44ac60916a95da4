/// The one-line answer to "where did this connection's time go": the dominant cause with its share
/// (docs/timing.md, "Diagnosis").
///
/// The causes that point at a problem (a slow handshake, timeout stalls, loss recovery, a receiver that does
/// not keep up, a responder that thinks, idleness, a CLOSE_WAIT) compete by their seconds; the largest names
/// the connection when it holds at least `notableShare` of the duration. Otherwise the connection was
/// limited by nothing but itself: its main sender was busy (the path and the congestion window set the pace)
/// or app-limited (the application had nothing to send).
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
    public var text: String

    /// A problem cause names the connection from this share of its duration.
    public static let notableShare = 0.2

    /// CLOSE_WAIT this long is called the application's doing (the default `--close-wait-threshold`).
    public static let closeWaitNotable = 1.0

    init(_ t: ConnectionTiming) {
        let d = t.duration
        func dur(_ x: Double) -> String {
            var b: [UInt8] = []
            Format.writeDuration(x, into: &b)
            return String(decoding: b, as: UTF8.self)
        }
        func count(_ n: Int, _ word: String) -> String { "\(n) \(word)" + (n == 1 ? "" : "s") }
        // A connection that never opened: its handshake is the whole story.
        let unopened: String? =
            switch t.outcome {
            case .refused: "refused: the server answered the SYN with a RST after \(dur(d))"
            case .synOnly: "no answer to \(count(t.synCount, "SYN")) in \(dur(d))"
            case .halfOpen: "half-open: the client's ACK of the SYN-ACK never seen in \(dur(d))"
            case .synackOnly: "only the server's SYN-ACK seen (\(dur(d)))"
            case .aborted: "handshake aborted by a RST after \(dur(d))"
            case .complete, .simultaneousOpen, .notSeen: nil
            }
        if let unopened {
            cause = .handshake
            seconds = d
            share = 1
            role = nil
            text = unopened
            return
        }
        var best: (Cause, Double, Role?) = (.none, 0, nil)
        func consider(_ cause: Cause, _ seconds: Double, _ role: Role?) {
            if seconds > best.1 { best = (cause, seconds, role) }
        }
        consider(.handshake, (t.synRetransmitWait ?? 0) + (t.synackRetransmitWait ?? 0), nil)
        for role in [Role.server, .client] {
            let x = t[role]
            consider(.rtoStall, x.rtoStall, role)
            consider(.lossRecovery, x.lossRecovery, role)
            consider(.rwndLimited, x.rwndLimited, role)
            consider(.thinkTime, x.thinkTime, role)
        }
        consider(.idle, min(t.client.idle, t.server.idle), nil)
        consider(.closeWait, t.closeWait ?? 0, t.closeWaitRole)
        func pct(_ x: Double) -> String { "\(Int((x * 100).rounded())) %" }
        let (found, seconds, role) = (best.0, best.1, best.2)
        if d > 0, seconds > 0, seconds >= Diagnosis.notableShare * d {
            self.cause = found
            self.seconds = seconds
            self.role = role
            let who = role?.rawValue ?? ""
            switch found {
            case .handshake:
                share = seconds / d
                text =
                    "handshake retransmissions waited \(dur(seconds)) (\(pct(share)) of its life): SYN or SYN-ACK "
                    + "lost or unanswered"
            case .rtoStall:
                let x = t[role ?? .server]
                share = x.transfer > 0 ? seconds / x.transfer : 0
                text =
                    "\(who) stalled on its retransmission timer \(dur(seconds)) (\(count(x.rtoStalls, "timeout")), "
                    + "\(pct(share)) of its transfer time): segments lost, nothing told it sooner"
            case .lossRecovery:
                let x = t[role ?? .server]
                share = x.transfer > 0 ? seconds / x.transfer : 0
                text = "\(who) in loss recovery \(pct(share)) of its transfer time (\(dur(seconds))): resending lost segments"
            case .rwndLimited:
                let x = t[role ?? .server]
                share = x.transfer > 0 ? seconds / x.transfer : 0
                text =
                    "receiver window limited \(pct(share)) of the \(who)'s transfer time (\(dur(seconds))): the "
                    + "reader did not keep up"
            case .thinkTime:
                let x = t[role ?? .server]
                share = seconds / d
                text =
                    "\(who) think time \(dur(seconds)) over \(count(x.exchanges, role == .server ? "request" : "turn"))"
                    + " (\(pct(share)) of its life, longest \(dur(x.longestThink)))"
            case .idle:
                share = seconds / d
                text = "idle \(dur(seconds)) (\(pct(share)) of its life): nothing to send either way"
            case .closeWait:
                share = seconds / d
                text =
                    seconds >= Diagnosis.closeWaitNotable
                    ? "\(who) in CLOSE_WAIT \(dur(seconds)) after the peer's FIN: the application did not close"
                    : "\(who) in CLOSE_WAIT \(dur(seconds)) (\(pct(share)) of its life) before it closed too"
            case .busy, .appLimited, .none:
                share = 0
                text = ""
            }
            return
        }
        // Nothing notable: the main sender's own pace.
        let main: Role = t.server.transfer >= t.client.transfer ? .server : .client
        let x = t[main]
        self.role = main
        guard d > 0, t.payloadBytes > 0 else {
            cause = .none
            self.seconds = 0
            share = 0
            text =
                d > 0
                ? "no data either way: opened and closed in \(dur(d))"
                : "no time elapsed between its first and last segment"
            return
        }
        if x.transfer >= x.appLimited + x.idle {
            cause = .busy
            self.seconds = x.transfer
            share = x.transfer / d
            text = "\(main.rawValue) busy \(pct(share)) of its life: its data in flight, paced by the path"
        } else {
            cause = .appLimited
            self.seconds = x.appLimited
            share = x.appLimited / d
            text = "app-limited: the \(main.rawValue) had nothing to send \(pct(share)) of its life"
        }
    }
}
