/// Where each direction's time goes (docs/timing.md): three calls per segment from `apply`. `elapseClock` ends
/// what the time since the previous segment ended (the ACK's travel to the sender, app-limited time that was
/// idle); `clockSegment` reads what the sender's segment shows (a transmission, a timeout retransmission, the
/// start of loss recovery, new data that decides a window-limited stretch, a request/response turn);
/// `settleClock` sets each direction's label from the state the segment left. A label's time is added when it
/// changes (`DirectionClock.close`), in integer nanoseconds, so each direction's labels sum to the connection's
/// duration exactly.
///
/// Speed (issue 23, measured on the short-connection mix, 50,000 connections of ~13 segments): adding each
/// segment's gap to both directions' labels and copying a 64-byte snapshot at each transmission cost 30 % of
/// the run (the clock's cache lines touched on every segment); closing spans only when a label changes and
/// keeping a three-value ledger since the last transmission brings it to the figure in docs/performance.md.
struct ConnectionClock: Sendable {
    var a: DirectionClock
    var b: DirectionClock

    init(start: Timestamp) {
        a = DirectionClock(start: start.nanoseconds)
        b = DirectionClock(start: start.nanoseconds)
    }

    /// Nothing outstanding either way for this long is idle rather than app-limited.
    static let idleGap: Int64 = 1_000_000_000
    /// A retransmission not preceded by duplicate ACKs or SACK blocks after a silence this long (or twice the
    /// round trip, if longer) was sent by a timer: Linux's minimum retransmission timeout is 200 ms
    /// (`TCP_RTO_MIN`), less 10 ms of timer slack.
    static let timeoutFloor: Int64 = 190_000_000
    /// New data this soon after the window opened, plus 1.5 handshake round trips (a capture point away from the
    /// sender sees the window update reach it and its data come back), shows the sender was waiting for it.
    static let waitingSlack: Int64 = 2_000_000
}

extension Connection {
    @inline(__always)
    mutating func withClocks<R>(sender s: Int, _ body: (inout DirectionClock, inout DirectionClock) -> R) -> R {
        s == 0 ? body(&clock.a, &clock.b) : body(&clock.b, &clock.a)
    }

    /// Ends the span of direction `s` at `now`, recording it in the band when there is one.
    @inline(__always)
    mutating func closeSpan(_ s: Int, at now: Int64) {
        let span = s == 0 ? clock.a.close(at: now) : clock.b.close(at: now)
        if facts.band != nil { facts.band?.add(s, from: span.start, length: now &- span.start, span.label) }
    }

    /// Before the segment moves `end`: what the time since the previous segment ended. An ACK's travel to the
    /// sender that is over gives way to the label it left (`afterTail`); a connection quiet both ways for
    /// `idleGap` was idle, not app-limited.
    @inline(__always)
    mutating func elapseClock(to time: Timestamp) {
        let now = time.nanoseconds
        let from = end.nanoseconds
        guard now > from else { return }
        if clock.a.busyUntil != 0 && clock.a.busyUntil <= now { endTail(0) }
        if clock.b.busyUntil != 0 && clock.b.busyUntil <= now { endTail(1) }
        guard now &- from >= ConnectionClock.idleGap, clock.a.label.isQuiet, clock.b.label.isQuiet else { return }
        for s in 0..<2 where (s == 0 ? clock.a.label : clock.b.label) == .appLimited {
            let idleFrom = max(from, s == 0 ? clock.a.labelStart : clock.b.labelStart)
            guard now &- idleFrom >= ConnectionClock.idleGap else { continue }
            closeSpan(s, at: idleFrom)
            withClocks(sender: s) { c, _ in c.label = .idle }
            closeSpan(s, at: now)
            withClocks(sender: s) { c, _ in c.label = .appLimited }
        }
    }

    /// The ACK that emptied the flight of direction `s` has reached its sender.
    private mutating func endTail(_ s: Int) {
        let until = s == 0 ? clock.a.busyUntil : clock.b.busyUntil
        closeSpan(s, at: until)
        withClocks(sender: s) { c, _ in
            c.label = c.afterTail
            c.busyUntil = 0
        }
    }

    /// What the sender's segment shows, read before the data phase and the state machine change anything.
    mutating func clockSegment(_ segment: Segment, from s: Int, frame: Int, time: Timestamp) {
        let flags = segment.flags
        let length = segment.sequenceLength
        guard !flags.contains(.rst) else { return }
        let highest = side(s, \.highestSequence)
        let seq = segment.sequence
        // A keep-alive or a zero-window probe (`DataPhase.probe`) is not a transmission; at a closed window, or
        // while the window limits the sender, it shows data is waiting. (A FIN is always a transmission here. The
        // test on SND.NXT - 1 first keeps the peer's fields unread for every other segment without data.)
        if length <= 1 && !flags.contains(.fin) && (length == 1 || highest.map { seq + 1 == $0 } ?? false) {
            let peerClosed = side(1 - s, \.stats.advertisesZeroWindow)
            if DataPhase.probe(
                segment, senderHighest: highest, peerAck: side(1 - s, \.stats.lastAck),
                peerAckSent: side(1 - s, \.lastAckSent), peerClosed: peerClosed) != nil
            {
                if peerClosed || withClocks(sender: s, { c, _ in c.label.isPending }) {
                    withClocks(sender: s) { c, _ in c.probedWindow = true }
                }
                return
            }
        }
        guard length > 0 else { return }
        let now = end.nanoseconds
        let payload = segment.payloadLength
        // (In a simultaneous open a side's SYN-ACK repeats its SYN's sequence number: its first is no resend.)
        let firstSynAck = flags.contains(.syn) && flags.contains(.ack) && side(s, \.synAckCount) == 0
        let retransmitted = !firstSynAck && (highest.map { seq < $0 } ?? false)
        let isNew = highest.map { $0 < seq + length } ?? true
        var stall: Int64 = 0
        if retransmitted, let highest {
            // (The ledger since the last transmission then holds all of it.)
            closeSpan(s, at: now)
            // Fast retransmission: the peer's duplicate ACKs or a SACK block since the last transmission.
            let sackSince = side(1 - s, \.stats.lastSackTime)
            let peerDupAcks = side(1 - s, \.stats.duplicateAcks)
            let timeoutFloor = max(ConnectionClock.timeoutFloor, Int64(2 * inPlaceHandshakeRTT * 1e9))
            stall = withClocks(sender: s) { c, _ in
                defer {
                    if !c.inRecovery {
                        c.inRecovery = true
                        c.recoveryPoint = highest
                    }
                }
                let silence = now &- c.lastTransmission
                // (The duplicate ACKs or SACK blocks must be recent: a fast retransmission that was lost too is
                // resent by the timer, after the peer fell silent.)
                let fast =
                    (peerDupAcks >= 2 || (sackSince.map { $0.nanoseconds > c.lastTransmission } ?? false))
                    && now &- c.peerHeard < timeoutFloor
                guard !fast, c.lastTransmission != 0, silence >= timeoutFloor, !c.quietSinceTransmission else {
                    return 0
                }
                // Everything since the last transmission (data in flight all along) was the stall.
                let since = c.sinceBusy &+ c.sinceRecovery &+ c.sincePending
                c.times.busy &-= c.sinceBusy
                c.times.lossRecovery &-= c.sinceRecovery
                c.times.pendingBusy &-= c.sincePending
                c.times.rtoStall &+= since
                c.rtoStalls &+= 1
                c.longestStall = max(c.longestStall, since)
                return since
            }
        }
        var decided: Bool?
        if isNew && payload > 0
            && withClocks(sender: s, { c, _ in c.label.isPending || c.times.pendingBusy > 0 || c.times.pendingApp > 0 })
        {
            closeSpan(s, at: now)
            let waitLimit = ConnectionClock.waitingSlack + Int64(1.5 * inPlaceHandshakeRTT * 1e9)
            // Room left in the peer's window before this segment.
            let usable = side(1 - s, \.stats.rightEdge).flatMap { edge in
                highest.map { Int64(Int32(bitPattern: edge.rawValue &- $0.rawValue)) }
            }
            decided = withClocks(sender: s) { c, _ in
                guard c.times.pendingBusy > 0 || c.times.pendingApp > 0 else { return nil }
                // It waited if it probed the window, sent the moment the window opened, or sent while still
                // limited either more than the room left or at once on the peer's ACK.
                let stillLimited =
                    c.label.isPending
                    && (usable.map { Int64(payload) > $0 } ?? false || now &- c.peerHeard <= waitLimit)
                let waited =
                    c.probedWindow || stillLimited
                    || (c.windowOpenedAt != 0 && now &- c.windowOpenedAt <= waitLimit)
                c.times.settlePending(waited: waited)
                c.probedWindow = false
                return waited
            }
        }
        let isLastDataSender = lastDataSender == Int8(s)
        withClocks(sender: s) { c, peer in
            if flags.contains(.syn) && flags.contains(.ack) { c.lastSynAck = now }
            if payload > 0 && !flags.contains(.syn) {
                c.largestPayload = max(c.largestPayload, payload)
                if !isLastDataSender {
                    // A new run: the peer's run ended with its last data; the time since is this side's turn.
                    if peer.lastData != 0 {
                        let think = now &- peer.lastData
                        c.thinkTime &+= max(0, think)
                        c.longestThink = max(c.longestThink, think)
                        c.exchanges &+= 1
                        peer.transferTime &+= peer.lastData &- peer.runStart
                        peer.runStart = 0
                    }
                    c.runStart = now
                }
                c.lastData = now
            }
            c.lastTransmission = now
            c.sinceBusy = 0
            c.sinceRecovery = 0
            c.sincePending = 0
            c.quietSinceTransmission = false
        }
        if facts.band != nil {
            if stall > 0 { facts.band?.relabel(s, since: now &- stall, as: .rtoStall) }
            if let decided { facts.band?.decide(s, waited: decided, at: now) }
        }
        // (A SYN, SYN-ACK or FIN sent again has its own finding; its wait is in the labels and the handshake.)
        if stall > 0 && payload > 0 {
            let n = withClocks(sender: s) { c, _ in c.rtoStalls }
            report(
                .rtoStall, frame: frame, time: time, sender: s,
                "silence of \(Format.seconds(Double(stall) / 1e9)) ended by a timeout retransmission of \(seq) "
                    + "(stall #\(n); nothing in between asked for it: no duplicate ACK, no SACK)")
        }
    }

    /// Each direction's label from the state this segment left; a changed label closes the old one's span.
    @inline(__always)
    mutating func settleClock(sender s: Int, senderUnchanged: Bool) {
        // The other direction's clock heard from its peer now (a retransmission long after is the timer's).
        if s == 0 { clock.b.peerHeard = end.nanoseconds } else { clock.a.peerHeard = end.nanoseconds }
        // The sender's own label depends on what it sent, its state and what the peer said: a segment without
        // sequence space that left its state as it was cannot change it.
        if !(senderUnchanged && s == 0) { settle(0, at: end.nanoseconds) }
        if !(senderUnchanged && s == 1) { settle(1, at: end.nanoseconds) }
    }

    /// The handshake's round trip (0 when unknown), read in place (`handshakeRTT` is a property of a copy).
    var inPlaceHandshakeRTT: Double {
        mutating get {
            (clientIndex == 0 ? Connection.handshakeRTT(client: sideA) : Connection.handshakeRTT(client: sideB)) ?? 0
        }
    }

    @inline(__always)
    private mutating func settle(_ s: Int, at now: Int64) {
        var next =
            s == 0
            ? Connection.label(sender: sideA, peer: sideB, clock: &clock.a)
            : Connection.label(sender: sideB, peer: sideA, clock: &clock.b)
        let (label, busyUntil) = s == 0 ? (clock.a.label, clock.a.busyUntil) : (clock.b.label, clock.b.busyUntil)
        if next.isQuiet {
            if busyUntil != 0 {
                // The ACK is still on its way: the tail goes on, to end in this label (a window that opens
                // meanwhile opens now).
                withClocks(sender: s) { c, _ in
                    if c.afterTail.isPending && !next.isPending
                        && (c.times.pendingBusy > 0 || c.times.pendingApp > 0 || c.label.isPending)
                    {
                        c.windowOpenedAt = now
                    }
                    c.afterTail = next
                }
                next = label
            } else if !label.isQuiet {
                // The flight just emptied: the sender learns it one capture-point round trip later.
                let back = roundTripToSender(s)
                if back > 0 {
                    withClocks(sender: s) { c, _ in
                        c.busyUntil = now &+ back
                        c.afterTail = next
                    }
                    next = next == .pendingApp ? .pendingBusy : .busy
                }
            }
        } else if busyUntil != 0 {
            withClocks(sender: s) { c, _ in c.busyUntil = 0 }
        }
        guard next != label else { return }
        // The window opens when a window-limited stretch (or loss recovery that interrupted one) gives way to
        // anything else while its time is undecided.
        closeSpan(s, at: now)
        let opens = withClocks(sender: s) { c, _ in c.opensWindow(to: next) }
        let frame = UInt32(clamping: lastFrame)
        withClocks(sender: s) { c, _ in
            if opens { c.windowOpenedAt = now }
            if next.isPending && c.firstLimitedFrame == 0 {
                c.firstLimitedFrame = frame
                c.firstLimitedAt = now
            }
            c.label = next
        }
    }

    /// Nanoseconds from the capture point to endpoint `i` and back, from the handshake: the SYN to the SYN-ACK
    /// for the server, the SYN-ACK to the ACK for the client (0 when unknown). Mutating only so that it reads
    /// the endpoints in place: a method of a copy of the connection copied all of it (2.3 kB) each time.
    mutating func roundTripToSender(_ i: Int) -> Int64 {
        let ci = clientIndex
        let lastSynAck = ci == 0 ? clock.b.lastSynAck : clock.a.lastSynAck
        return ci == 0
            ? Connection.roundTrip(toClient: i == 0, client: sideA, server: sideB, lastSynAck: lastSynAck)
            : Connection.roundTrip(toClient: i == 1, client: sideB, server: sideA, lastSynAck: lastSynAck)
    }

    static func roundTrip(
        toClient: Bool, client: borrowing HalfConnection, server: borrowing HalfConnection, lastSynAck: Int64
    ) -> Int64 {
        guard let syn = client.lastSynTime ?? client.synTime, let synAck = server.synAckTime,
            let ack = client.ackedPeerSynTime, client.synFrame != nil
        else { return 0 }
        // (Retransmissions: the last SYN is the one answered, the last SYN-ACK the one acknowledged.)
        let back =
            toClient ? ack.nanoseconds &- max(synAck.nanoseconds, lastSynAck) : synAck.nanoseconds &- syn.nanoseconds
        return max(0, back)
    }

    /// The label of the direction `sender` sends in: loss recovery until the ACK reaches the recovery point;
    /// window-limited when the usable window (the peer's right edge less the highest sequence sent) is
    /// smaller than the sender's segment, as Linux's `tcp_snd_wnd_test` decides; busy while anything is
    /// unacknowledged; app-limited otherwise.
    @inline(__always)
    static func label(
        sender: borrowing HalfConnection, peer: borrowing HalfConnection, clock c: inout DirectionClock
    ) -> TimeLabel {
        guard let highest = sender.highestSequence else { return .appLimited }
        let acked = peer.lastAckSent
        let inFlight = acked.map { $0 < highest } ?? true
        if c.inRecovery {
            if let acked, !(acked < c.recoveryPoint) { c.inRecovery = false } else { return .lossRecovery }
        }
        // (Only with both SYNs seen: otherwise the window scale, and so the window, is unknown.)
        if sender.finSequence == nil, let edge = peer.stats.rightEdge, carriesData(sender.state),
            sender.sawSynOptions, peer.sawSynOptions
        {
            let usable = Int64(Int32(bitPattern: edge.rawValue &- highest.rawValue))
            // Linux tests min(the next segment, the MSS): the largest payload sent, at most the peer's MSS (a
            // capture before segmentation offload shows segments far larger).
            let mss = UInt32(peer.announcedMSS ?? 536)
            let segment = c.largestPayload > 0 ? min(c.largestPayload, mss) : mss
            if usable < Int64(segment) { return inFlight ? .pendingBusy : .pendingApp }
        }
        return inFlight ? .busy : .appLimited
    }
}

extension Connection {
    /// Receiver-window-limited time below this raises no `rwnd-limited`, whatever its share.
    static let rwndFindingFloor = 0.1

    /// The timing findings only the end can show: `close-wait-long` (CLOSE_WAIT above the threshold) and
    /// `rwnd-limited` (a direction window-limited more than half of its transfer time).
    mutating func reportTiming(closeWaitThreshold: Double) {
        // (Read in place: `timing`, a property of a copy of the connection, copied all of it.)
        for i in 0..<2 {
            guard let wait = i == 0 ? Connection.closeWait(sideA, end: end) : Connection.closeWait(sideB, end: end),
                wait.seconds > closeWaitThreshold
            else { continue }
            let role = self.role(of: i)
            report(
                .closeWaitLong, frame: wait.left?.frame ?? lastFrame, time: wait.left?.time ?? end, sender: i,
                "\(role.rawValue) in CLOSE_WAIT \(Format.seconds(wait.seconds)) (the peer's FIN received, its own FIN "
                    + (wait.left != nil ? "sent only now" : "never sent in the capture")
                    + "; threshold \(Format.seconds(closeWaitThreshold))): the application did not close")
        }
        let floor = Int64(Connection.rwndFindingFloor * 1e9)
        for i in 0..<2 where (i == 0 ? clock.a.times.rwndLimited : clock.b.times.rwndLimited) >= floor {
            let d = DirectionTiming(i == 0 ? clock.a : clock.b, end: end.nanoseconds)
            guard d.rwndLimited > 0.5 * d.transfer else { continue }
            let role = self.role(of: i)
            let at = i == 0 ? clock.a.firstLimitedAt : clock.b.firstLimitedAt
            report(
                .rwndLimited, frame: d.firstLimitedFrame ?? firstFrame, time: Timestamp(nanoseconds: at), sender: i,
                "the \(role.rawValue)'s data waited for the peer's receive window \(Format.seconds(d.rwndLimited)) of "
                    + "\(Format.seconds(d.transfer)) in flight (\(Int((100 * d.rwndLimited / d.transfer).rounded())) %): "
                    + "the reader did not keep up")
        }
    }
}

extension DirectionClock {
    @inline(__always)
    func opensWindow(to next: TimeLabel) -> Bool {
        (label.isPending || label == .lossRecovery) && !next.isPending && next != .lossRecovery
            && (times.pendingBusy > 0 || times.pendingApp > 0)
    }
}

extension TimeLabel {
    /// Nothing of this direction in flight.
    var isQuiet: Bool { self == .appLimited || self == .pendingApp }
    var isPending: Bool { self == .pendingBusy || self == .pendingApp }
}
