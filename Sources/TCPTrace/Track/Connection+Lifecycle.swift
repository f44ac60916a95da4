/// The per-segment entry point: one call per segment counts it, records its Zeek history letter, classifies
/// its data, and runs the state machine (`StateMachine`) on the sender and the peer, resolved once here and
/// passed `inout`. No I/O.
extension Connection {
    public mutating func apply(_ segment: Segment, frame: Int, time: Timestamp) {
        let s = senderIndex(of: segment)
        let at = SegmentContext(frame: frame, time: time, sender: s)
        lastFrame = frame
        // Timestamps can go backwards in a damaged or merged capture: keep start <= end.
        if end < time { end = time }
        if time < start { start = time }
        withEndpoints(sender: s) { sender, _, _ in sender.count(segment) }
        if s == 0 {
            zeek.record(segment, sender: s, state: &sideA.zeekState)
        } else {
            zeek.record(segment, sender: s, state: &sideB.zeekState)
        }
        if segment.optionsTruncated {
            truncatedSegments += 1
            if firstTruncatedFrame == nil { firstTruncatedFrame = frame }
        }
        // A delayed segment of the previous incarnation is reported as such, not classified as this one's data.
        let oldDuplicate =
            previousConnectionID != nil && !segment.flags.contains(.syn)
            && checkPreviousIncarnation(segment, at)
        if !oldDuplicate { analyzeDataPhase(segment, from: s, frame: frame, time: time) }

        if segment.payloadLength > 0 && lastDataSender != Int8(s) {
            lastDataSender = Int8(s)
            if s == 0 { dataRuns.0 += 1 } else { dataRuns.1 += 1 }
        }
        // Up to five on one segment: handshake and FIN ACK checks, data after a FIN, a FIN resent after the
        // last ACK was lost.
        var found = FoundFindings(capacity: 8)
        withEndpoints(sender: s) { sender, peer, facts in
            StateMachine.step(segment, at, sender: &sender, peer: &peer, facts: &facts, found: &found)
        }
        for i in 0..<found.count { report(found[i].code, frame: frame, time: time, sender: s, found[i].detail) }

        if !segment.flags.contains(.rst) {
            withEndpoints(sender: s) { sender, _, _ in sender.advanceHighestSequence(past: segment) }
        }
        if facts.timeline != nil {
            facts.timeline?.append(
                TimelineEntry(
                    frame: frame, time: time, senderIndex: s, flags: segment.flags, sequence: segment.sequence,
                    acknowledgment: segment.acknowledgment, payloadLength: segment.payloadLength,
                    window: segment.window, sack: segment.options.sack, states: (sideA.state, sideB.state)))
        }
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
            what.joined(separator: "; ") + " (connection \(previousConnectionID ?? 0)); this incarnation's sender "
                + "space is \(newSpace): a delayed segment of the old connection")
        return true
    }
}
