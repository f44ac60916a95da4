/// The per-segment entry point: one call per segment counts it, records its Zeek history letter, classifies
/// its data, and runs the state machine (`StateMachine`) on the sender and the peer, resolved once here and
/// passed `inout`. No I/O.
extension Connection {
    public mutating func apply(_ segment: Segment, frame: Int, time: Timestamp) {
        let s = senderIndex(of: segment)
        let at = SegmentContext(frame: frame, time: time, sender: s)
        lastFrame = frame
        // (Only in a capture with several interfaces: the mask sits in the connection's last cache line.)
        if segment.interface != 0 { interfaceMask |= 1 << UInt16(min(segment.interface - 1, 15)) }
        if segment.matchesFilter { matchesFilter = true }
        elapseClock(to: time)
        let stateBefore = s == 0 ? sideA.state : sideB.state
        // Timestamps can go backwards in a damaged or merged capture: keep start <= end.
        if end < time { end = time }
        if time < start {
            // (The stretch before the old start belongs to no label: idle, so the labels still sum to the duration.)
            clock.a.times.idle &+= start.nanoseconds &- time.nanoseconds
            clock.b.times.idle &+= start.nanoseconds &- time.nanoseconds
            facts.band?.add(0, from: time.nanoseconds, length: start.nanoseconds &- time.nanoseconds, .idle)
            facts.band?.add(1, from: time.nanoseconds, length: start.nanoseconds &- time.nanoseconds, .idle)
            start = time
        }
        withEndpoints(sender: s) { sender, _, _ in sender.count(segment) }
        if s == 0 {
            let before = ZeekHistory.Before(
                senderHighest: sideA.highestSequence, peerHighest: sideB.highestSequence, peerFin: sideB.finSequence)
            zeek.record(segment, sender: s, time: time, state: &sideA.zeekState, peer: &sideB.zeekState, before: before)
        } else {
            let before = ZeekHistory.Before(
                senderHighest: sideB.highestSequence, peerHighest: sideA.highestSequence, peerFin: sideA.finSequence)
            zeek.record(segment, sender: s, time: time, state: &sideB.zeekState, peer: &sideA.zeekState, before: before)
        }
        if segment.optionsTruncated {
            truncatedSegments += 1
            if firstTruncatedFrame == nil { firstTruncatedFrame = frame }
        }
        // A delayed segment of the previous incarnation is reported as such, not classified as this one's data.
        let oldDuplicate =
            previousConnectionID != nil && !segment.flags.contains(.syn)
            && checkPreviousIncarnation(segment, at)
        if !oldDuplicate {
            clockSegment(segment, from: s, frame: frame, time: time)
            analyzeDataPhase(segment, from: s, frame: frame, time: time)
        }

        if segment.payloadLength > 0 && lastDataSender != Int8(s) {
            lastDataSender = Int8(s)
            if s == 0 { dataRuns.0 += 1 } else { dataRuns.1 += 1 }
        }
        // What waited for this segment: a RST inside the window, a stale answer to a SYN.
        if facts.pendingReset != nil || facts.staleAnswer != nil { settleEvidence(segment, from: s, at) }
        // Up to five on one segment: handshake and FIN ACK checks, data after a FIN, a FIN resent after the
        // last ACK was lost. (Seven: two spare, and seven items still fit the stack, `FindingDetailTests`.)
        withFoundFindings(capacity: 7) { found in
            withEndpoints(sender: s) { sender, peer, facts in
                StateMachine.step(segment, at, sender: &sender, peer: &peer, facts: &facts, found: &found)
            }
            if segment.flags.contains(.rst) {
                // The RST's finding carries its TTL when it differs from the sender's other segments'.
                let ttl = withSide(s) { TTLMismatch.check(segment.ttl, low: $0.ttlLow, high: $0.ttlHigh) }
                for i in 0..<found.count {
                    report(found[i].code, frame: frame, time: time, sender: s, found[i].detail, ttl: ttl)
                }
            } else {
                for i in 0..<found.count { report(found[i].code, frame: frame, time: time, sender: s, found[i].detail) }
                withEndpoints(sender: s) { sender, _, _ in
                    sender.advanceHighestSequence(past: segment)
                    sender.noteIP(segment)
                }
            }
        }
        settleClock(
            sender: s,
            senderUnchanged: segment.sequenceLength == 0 && (s == 0 ? sideA.state : sideB.state) == stateBefore)
        if facts.timeline != nil {
            facts.timeline?.append(
                TimelineEntry(
                    frame: frame, time: time, senderIndex: s, flags: segment.flags, sequence: segment.sequence,
                    acknowledgment: segment.acknowledgment, payloadLength: segment.payloadLength,
                    window: segment.window, options: segment.options, states: (sideA.state, sideB.state)))
        }
    }

    /// A segment seen a moment ago on another interface (`Segment.isCaptureDuplicate`).
    mutating func countCaptureDuplicate(_ segment: Segment) {
        captureDuplicates &+= 1
        if segment.matchesFilter { matchesFilter = true }
        if segment.interface != 0 { interfaceMask |= 1 << UInt16(min(segment.interface - 1, 15)) }
    }

    /// A segment with a wrong checksum: counted, with Zeek's `c` letter, and nothing else.
    mutating func countBadChecksum(_ segment: Segment) {
        badChecksums &+= 1
        if segment.matchesFilter { matchesFilter = true }
        // Zeek drops a bad IPv4 header at the IP layer: only a bad TCP checksum is its `c`.
        if segment.checksum == .badTCP { zeek.recordBadChecksum(sender: senderIndex(of: segment)) }
    }

    /// Decides, on this segment's evidence, what an earlier segment left open:
    /// - a RST inside the receiver's window but not at RCV.NXT (`PendingReset`): anything the receiver sends
    ///   now but a RST means it did not reset (RFC 5961 3.2's challenge ACK, or it simply went on); a RST means
    ///   the first one did;
    /// - a SYN-ACK that did not acknowledge the SYN_SENT side's SYN (`StaleAnswer`): unless that side's RST at
    ///   its ACK comes now, it is `handshake-bad-ack`.
    private mutating func settleEvidence(_ segment: Segment, from s: Int, _ at: SegmentContext) {
        if let pending = facts.pendingReset {
            if segment.flags.contains(.rst) && s == pending.sender
                && withEndpoints(
                    sender: s,
                    { sender, peer, _ in
                        StateMachine.resetPosition(segment.sequence, sender: sender, peer: peer) == .exact
                    })
            {
                // RFC 5961's own sequence: the first RST drew a challenge ACK (not in the capture), and its
                // sender answered with a RST at RCV.NXT, which resets (the state machine takes it next).
                facts.pendingReset = nil
                reportUnacceptable(
                    pending,
                    "the same sender's RST at RCV.NXT followed (frame \(at.frame)), the answer to a challenge ACK "
                        + "the capture does not show")
            } else if segment.flags.contains(.rst) {
                confirmPendingReset()
            } else if s != pending.sender {
                facts.pendingReset = nil
                let pure = segment.payloadLength == 0 && !segment.flags.contains(.syn) && !segment.flags.contains(.fin)
                let evidence =
                    pure && segment.flags.contains(.ack)
                    ? "the receiver's challenge ACK (frame \(at.frame), ACK \(segment.acknowledgment)) shows it did not "
                        + "reset"
                    : "the receiver went on sending (frame \(at.frame)): it did not reset"
                reportUnacceptable(pending, evidence)
            }
        }
        if let stale = facts.staleAnswer, s != stale.sender,
            !(segment.flags.contains(.rst) && segment.sequence == stale.acknowledgment)
        {
            facts.staleAnswer = nil
            reportUnansweredStaleAnswer(stale)
        }
    }

    /// The pending RST did not reset; `evidence` says what showed it.
    private mutating func reportUnacceptable(_ pending: PendingReset, _ evidence: String) {
        report(
            .rstUnacceptable, frame: pending.frame, time: pending.time, sender: pending.sender,
            "inside the receiver's window but not at its RCV.NXT: sequence \(pending.sequence), RCV.NXT "
                + "\(pending.expected) (RFC 5961 3.2); " + evidence + (pending.ttl?.note ?? ""),
            ttl: pending.ttl)
    }

    /// The SYN-ACK of a stale answer that no RST followed: the handshake's SYN-ACK acknowledged the wrong number.
    mutating func reportUnansweredStaleAnswer(_ stale: StaleAnswer) {
        guard stale.isSynAck, let isn = side(1 - stale.sender, \.isn) else { return }
        report(
            .handshakeBadAck, frame: stale.frame, time: stale.time, sender: stale.sender,
            "SYN-ACK acknowledges \(stale.acknowledgment), expected ISN \(isn) + 1 = \(isn + 1) "
                + "(the SYN consumes one sequence number)")
    }

    /// A RST inside the window that nothing from its receiver contradicted: it reset the connection, at its
    /// own frame (the states recorded since are corrected).
    mutating func confirmPendingReset() {
        guard let pending = facts.pendingReset else { return }
        facts.pendingReset = nil
        let at = SegmentContext(frame: pending.frame, time: pending.time, sender: pending.sender)
        let note =
            "; at sequence \(pending.sequence), inside the receiver's window but not at its RCV.NXT "
            + "\(pending.expected): nothing came back from the receiver, so it reset (a stack without RFC 5961 "
            + "accepts such a RST)" + (pending.ttl?.note ?? "")
        withFoundFindings(capacity: 2) { found in
            withEndpoints(sender: pending.sender) { sender, peer, facts in
                StateMachine.resetConnection(at, sender: &sender, peer: &peer, facts: &facts, found: &found, note: note)
            }
            for i in 0..<found.count {
                report(
                    found[i].code, frame: pending.frame, time: pending.time, sender: pending.sender, found[i].detail,
                    ttl: pending.ttl)
            }
        }
        guard var entries = facts.timeline else { return }
        facts.timeline = nil  // keep the array uniquely referenced while it is patched
        for i in entries.indices where entries[i].frame >= pending.frame { entries[i].states = (.closed, .closed) }
        facts.timeline = entries
    }

    /// On a reused 4-tuple, a segment whose sequence or acknowledgment number lies in the previous
    /// incarnation's space and outside this one's: an old duplicate, the danger 2·MSL exists to prevent
    /// (RFC 9293 3.4.1, RFC 1337).
    private mutating func checkPreviousIncarnation(_ segment: Segment, _ at: SegmentContext) -> Bool {
        let s = at.sender
        let p = 1 - s
        let oldSender = s == 0 ? previousSpace.0 : previousSpace.1
        let oldPeer = p == 0 ? previousSpace.0 : previousSpace.1
        func outsideNew(_ n: SequenceNumber, _ index: Int) -> Bool {
            guard let isn = side(index, \.isn) else { return true }
            let end = (side(index, \.highestSequence) ?? isn + 1) + 65_536
            return !SequenceSpan(start: isn, end: end).contains(n)
        }
        var what: [String] = []
        if let old = oldSender, segment.sequenceLength > 0, old.contains(segment.sequence),
            outsideNew(segment.sequence, s)
        {
            what.append("sequence \(segment.sequence) lies in the previous incarnation's \(old.start)-\(old.end)")
        }
        if segment.flags.contains(.ack), let old = oldPeer, old.contains(segment.acknowledgment),
            old.start < segment.acknowledgment, outsideNew(segment.acknowledgment, p)
        {
            what.append(
                "acknowledgment \(segment.acknowledgment) lies in the previous incarnation's \(old.start)-\(old.end)")
        }
        guard !what.isEmpty else { return false }
        let newSpace = side(s, \.isn).map { "\($0)-\(side(s, \.highestSequence) ?? $0 + 1)" } ?? "unknown"
        report(
            .oldIncarnationSegment, frame: at.frame, time: at.time, sender: s,
            FindingDetail(what.joined(separator: "; "))
                + " (connection \(previousConnectionID ?? 0)); this incarnation's sender "
                + "space is \(newSpace): a delayed segment of the old connection")
        return true
    }
}
