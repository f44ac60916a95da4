/// Where one direction's time went (seconds): its labels, which sum to the connection's duration, and its
/// request/response turns (docs/timing.md).
public struct DirectionTiming: Sendable, Equatable {
    public var rtoStall = 0.0
    public var lossRecovery = 0.0
    public var rwndLimited = 0.0
    public var busy = 0.0
    public var appLimited = 0.0
    public var idle = 0.0
    /// Timer-driven stalls (`rto-stall` findings) and the longest.
    public var rtoStalls = 0
    public var longestStall = 0.0
    /// This side's think time: from the peer's last data to this side's first data of each of its runs after
    /// the first (a responder's think time as the capture point sees it), the runs counted, the longest.
    public var thinkTime = 0.0
    public var exchanges = 0
    public var longestThink = 0.0
    /// The runs' own length: first to last data segment of each run, summed.
    public var transferTime = 0.0
    /// The frame after which the window first limited this direction.
    public var firstLimitedFrame: Int?

    /// `seconds` as a share of `duration`, rounded to six decimals (0 for a connection without duration). Six
    /// decimals are a microsecond in a second; the JSON writer spells such a number without the general
    /// Double conversion, which twelve shares per connection made a tenth of the JSON's cost.
    public static func share(_ seconds: Double, of duration: Double) -> Double {
        duration > 0 ? (seconds / duration * 1e6).rounded() / 1e6 : 0
    }

    /// Every labelled second: the connection's duration.
    public var total: Double { rtoStall + lossRecovery + rwndLimited + busy + appLimited + idle }
    /// Something unacknowledged or waiting for the window: what Linux counts in `tcpi_busy_time`.
    public var transfer: Double { rtoStall + lossRecovery + rwndLimited + busy }

    init(_ c: DirectionClock, end: Int64) {
        var times = c.times(at: end)
        // A window-limited stretch the sender never followed with new data: it had nothing more to send.
        times.settlePending(waited: false)
        func s(_ ns: Int64) -> Double { Double(ns) / 1e9 }
        rtoStall = s(times.rtoStall)
        lossRecovery = s(times.lossRecovery)
        rwndLimited = s(times.rwndLimited)
        busy = s(times.busy)
        appLimited = s(times.appLimited)
        idle = s(times.idle)
        rtoStalls = Int(c.rtoStalls)
        longestStall = s(c.longestStall)
        thinkTime = s(c.thinkTime)
        exchanges = Int(c.exchanges)
        longestThink = s(c.longestThink)
        transferTime = s(c.transferTime + (c.runStart != 0 ? c.lastData - c.runStart : 0))
        firstLimitedFrame = c.firstLimitedFrame == 0 ? nil : Int(c.firstLimitedFrame)
    }

    public init() {}
}

/// Where the capture point sits, from the handshake's two halves: the side that answers at once is near.
public enum CapturePoint: String, Sendable {
    case nearClient = "near-client"
    case nearServer = "near-server"
    case between
    case unknown
}

/// A connection's time: each direction's labels, the handshake, the close phases, and the diagnosis.
public struct ConnectionTiming: Sendable {
    public var duration: Double
    public var client: DirectionTiming
    public var server: DirectionTiming
    /// The client's first SYN to its ACK of the SYN-ACK, and the waits of SYN and SYN-ACK retransmissions
    /// within it (first to last SYN, first to last SYN-ACK).
    public var handshake: Double?
    public var synRetransmitWait: Double?
    public var synackRetransmitWait: Double?
    /// First FIN to the second FIN (or to the RST or the end).
    public var halfClosed: Double?
    /// The passive closer's CLOSE_WAIT: from the peer's FIN to its own FIN (or the RST or the end), with its role
    /// and the frame that ended it.
    public var closeWait: Double?
    public var closeWaitRole: Role?
    public var closeWaitEndFrame: Int?
    /// The CLOSE_WAIT was above `--close-wait-threshold` (`close-wait-long` raised).
    public var closeWaitLong = false
    public var capturePoint: CapturePoint
    /// How the handshake went, the client's SYNs, and the payload bytes of both sides: what the diagnosis
    /// says of a connection that never opened or carried nothing.
    public var outcome: HandshakeOutcome = .complete
    public var synCount = 0
    public var payloadBytes: UInt64 = 0

    public var diagnosis: Diagnosis { Diagnosis(self) }
    public subscript(role: Role) -> DirectionTiming { role == .client ? client : server }
}

extension Connection {
    /// Where the connection's time went.
    public var timing: ConnectionTiming {
        let ci = clientIndex
        let clocks = ci == 0 ? (clock.a, clock.b) : (clock.b, clock.a)
        var t = ConnectionTiming(
            duration: start.interval(to: end), client: DirectionTiming(clocks.0, end: end.nanoseconds),
            server: DirectionTiming(clocks.1, end: end.nanoseconds),
            capturePoint: .unknown)
        t.outcome = handshakeOutcome
        t.closeWaitLong = findingCount(of: .closeWaitLong) > 0
        t.payloadBytes = sideA.payloadBytes &+ sideB.payloadBytes
        withClientAndServer { client, server in
            t.synCount = client.synCount
            if let syn = client.synTime, let ack = client.ackedPeerSynTime, client.synFrame != nil {
                t.handshake = max(0, syn.interval(to: ack))
                if client.synCount > 1, let last = client.lastSynTime { t.synRetransmitWait = syn.interval(to: last) }
                if server.synAckCount > 1, let first = server.synAckTime, clocks.1.lastSynAck != 0 {
                    t.synackRetransmitWait = Double(clocks.1.lastSynAck - first.nanoseconds) / 1e9
                }
                if let synAck = server.synAckTime {
                    let answer = (client.lastSynTime ?? syn).interval(to: synAck)
                    let back = Timestamp(nanoseconds: max(synAck.nanoseconds, clocks.1.lastSynAck)).interval(to: ack)
                    if answer >= 0 && back >= 0 {
                        t.capturePoint =
                            answer * 4 <= back ? .nearServer : (back * 4 <= answer ? .nearClient : .between)
                    }
                }
            }
        }
        switch (sideA.finTime, sideB.finTime) {
        case let (a?, b?): t.halfClosed = max(0, min(a, b).interval(to: max(a, b)))
        case let (a?, nil), let (nil, a?): t.halfClosed = max(0, a.interval(to: resetTime ?? end))
        case (nil, nil): break
        }
        for i in 0..<2 {
            guard let wait = i == 0 ? Connection.closeWait(sideA, end: end) : Connection.closeWait(sideB, end: end)
            else { continue }
            t.closeWait = wait.seconds
            t.closeWaitRole = role(of: i)
            t.closeWaitEndFrame = wait.left?.frame ?? lastFrame
        }
        return t
    }

    /// An endpoint's CLOSE_WAIT: from entering it (the peer's FIN) to its next state (its own FIN) or `end`, with
    /// the transition that ended it.
    static func closeWait(
        _ endpoint: borrowing HalfConnection, end: Timestamp
    ) -> (seconds: Double, left: StateTransition?)? {
        let transitions = endpoint.transitions
        for k in 0..<transitions.count where transitions[k].state == .closeWait {
            let left = k + 1 < transitions.count ? transitions[k + 1] : nil
            return (max(0, transitions[k].time.interval(to: left?.time ?? end)), left)
        }
        return nil
    }
}
