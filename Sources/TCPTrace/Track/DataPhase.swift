enum DataPhase {
    /// A segment that carries no new data although it may take a byte: a keep-alive or a zero-window probe.
    enum Probe { case keepAlive, zeroWindowProbe }

    /// The rule for both: empty at SND.NXT - 1 (Linux's keep-alive and zero-window probe alike; a peer
    /// advertising 0 makes it a probe); one byte at the edge of a window advertised as 0; or at most one byte at
    /// SND.NXT - 1 with everything acknowledged (RFC 9293 3.8.4: the peer's latest ACK, its SYN-ACK's
    /// included, at SND.NXT). One byte there that the peer has not acknowledged is a retransmission. The data
    /// phase counts them; the clock (`Connection+Timing.swift`) does not count them as transmissions.
    @inline(__always)
    static func probe(
        _ segment: Segment, senderHighest: SequenceNumber?, peerAck: SequenceNumber?,
        peerAckSent: SequenceNumber?, peerClosed: Bool
    ) -> Probe? {
        let flags = segment.flags
        let seq = segment.sequence
        guard segment.payloadLength <= 1, !flags.contains(.syn) else { return nil }
        if segment.payloadLength == 0 {
            guard !flags.contains(.fin), let highest = senderHighest, seq + 1 == highest else { return nil }
            return peerClosed ? .zeroWindowProbe : .keepAlive
        }
        if peerClosed, peerAck == seq { return .zeroWindowProbe }
        if let highest = senderHighest, seq + 1 == highest, !flags.contains(.fin),
            peerAckSent.map({ $0 == highest }) ?? true
        {
            return .keepAlive
        }
        return nil
    }

    @inline(__always)
    static func run(
        _ segment: Segment, sender: inout HalfConnection, peer: inout HalfConnection,
        context: DataPhaseContext, time: Timestamp, found: inout FoundFindings
    ) {
        let flags = segment.flags
        if let last = sender.stats.lastSent {
            // A backward timestamp step: no negative idle time (the sample is dropped and counted).
            let idle = last.interval(to: time)
            if idle < 0 { sender.stats.backwardSamples &+= 1 }
            sender.stats.longestIdle = max(sender.stats.longestIdle, idle)
        }
        sender.stats.lastSent = time
        sender.stats.truncatedBytes &+= UInt64(
            segment.payloadLength &- min(segment.payloadLength, segment.capturedPayloadLength))
        guard !flags.contains(.rst) else { return }
        let window = flags.contains(.syn) ? UInt64(segment.window) : UInt64(segment.window) << context.senderShift
        if sender.stats.initialWindow == nil { sender.stats.initialWindow = UInt64(segment.window) }
        sender.stats.observeWindow(window)
        if flags.contains(.ack) && !flags.contains(.syn) {
            receiverSide(
                segment, window: window, shift: context.senderShift, sender: &sender, peer: &peer, time: time,
                found: &found)
        }
        if segment.payloadLength > 0 && !flags.contains(.syn) {
            senderSide(segment, sender: &sender, peer: &peer, context: context, time: time, found: &found)
        } else if segment.payloadLength == 0,
            let probe = probe(
                segment, senderHighest: sender.highestSequence, peerAck: peer.stats.lastAck,
                peerAckSent: peer.lastAckSent, peerClosed: peer.stats.advertisesZeroWindow)
        {
            // No data at SND.NXT - 1: what Linux sends both as a keep-alive and as a zero-window probe; the
            // peer's window tells which.
            if probe == .zeroWindowProbe {
                sender.stats.zeroWindowProbes += 1
                found.add(
                    .zeroWindowProbe,
                    "empty probe at \(segment.sequence) (one before the next byte) while the peer advertises 0")
            } else {
                sender.stats.keepAlives += 1
                found.add(.keepAlive, "keep-alive: no data at \(segment.sequence), one before the next new byte")
            }
        }
    }

    /// What `s` says as a receiver: its ACK, window, SACK blocks.
    private static func receiverSide(
        _ segment: Segment, window: UInt64, shift: UInt64, sender: inout HalfConnection,
        peer: inout HalfConnection, time: Timestamp, found: inout FoundFindings
    ) {
        let ack = segment.acknowledgment
        let sack = segment.options.sack
        if sack.count > 0 {
            sender.stats.sackAcks += 1
            sender.stats.lastSackTime = time
            // RFC 2883: a first block at or below the ACK, or inside the second block, reports a duplicate.
            let first = sack[0]
            if !(ack < first.right)
                || (sack.count > 1 && !(first.left < sack[1].left) && !(sack[1].right < first.right))
            {
                sender.stats.dsacks += 1
            }
        }
        let pureAck = segment.payloadLength == 0 && !segment.flags.contains(.fin)
        if pureAck { sender.stats.pureAcks += 1 }
        if segment.window == 0 {
            sender.stats.zeroWindowAdvertisements += 1
            found.add(.zeroWindow, "window 0 advertised: the receiver's buffer is full")
        }
        let edge = ack + UInt32(truncatingIfNeeded: min(window, UInt64(UInt32.max >> 1)))
        // Under window scaling the advertised window is the buffer rounded down to a multiple of 2^shift: a right
        // edge that moves left by less than that is rounding, not shrinking (RFC 7323 2.4).
        if let old = sender.stats.rightEdge, edge < old, let lastAck = sender.stats.lastAck, !(ack < lastAck),
            UInt64(old.rawValue &- edge.rawValue) >= UInt64(1) << shift
        {
            found.add(
                .windowShrunk,
                "right edge of the window moved left from \(old) to \(edge) (RFC 9293 3.8.6: a window should not "
                    + "shrink)"
            )
        }
        // (An ACK past the peer's FIN is fin-bad-ack, reported by the close logic.)
        // (Not to a peer in SYN_SENT: an ACK that does not acknowledge its SYN is a stale answer, see
        // `StaleAnswer`.)
        if let peerHighest = peer.highestSequence, peerHighest < ack, peer.finSequence == nil,
            peer.state != .synSent || peer.lastAckSent != nil,
            peer.synFrame != nil || peer.synAckFrame != nil
                || peer.stats.payloadPackets > 0
        {
            if sender.stats.lastAck.map({ $0 < ack }) ?? true {
                found.add(
                    .ackUnseenSegment,
                    "acknowledges \(ack) but the peer's data seen ends at \(peerHighest): "
                        + "\(ack.rawValue &- peerHighest.rawValue) "
                        + "bytes were sent and never captured")
            }
        }
        // RFC 5681 section 2: a duplicate ACK acknowledges the same number with the same window, carries no data
        // and no SYN/FIN, while data is outstanding. Not during the handshake, not the TIME_WAIT re-ACK, and an
        // ACK that leaves only a FIN unacknowledged is not a duplicate ACK of data.
        if pureAck, let lastAck = sender.stats.lastAck, ack == lastAck, window == sender.stats.lastWindow,
            Connection.carriesData(sender.state),
            let peerHighest = peer.highestSequence
        {
            let dataEnd = peer.finSequence ?? peerHighest
            if ack < dataEnd {
                sender.stats.duplicateAcks += 1
                found.add(
                    .duplicateAck,
                    "duplicate ACK #\(sender.stats.duplicateAcks) of \(ack)" + (sack.count > 0 ? " with SACK" : ""))
            }
        } else if sender.stats.lastAck.map({ $0 != ack }) ?? true {
            sender.stats.duplicateAcks = 0
        }
        // RTT samples for the peer's data this ACK covers (Karn: only data sent once).
        var head = peer.stats.pendingHead
        while head < peer.stats.pending.count, !(ack < peer.stats.pending[head].end) {
            let entry = peer.stats.pending[head]
            if entry.clean {
                // A backward timestamp step between the data and its ACK: no negative RTT.
                let rtt = entry.time.interval(to: time)
                if rtt >= 0 { peer.stats.rtt.add(rtt) } else { peer.stats.backwardSamples &+= 1 }
            }
            head += 1
        }
        peer.stats.pendingHead = head
        // Acknowledged entries leave once they are half the queue (or all of it), shifted out in place: the
        // queue's storage grows to the most data ever in flight and is then reused (no allocation per segment).
        if head == peer.stats.pending.count {
            peer.stats.pending.removeAll(keepingCapacity: true)
            peer.stats.pendingHead = 0
        } else if head >= 16 && head * 2 >= peer.stats.pending.count {
            peer.stats.pending.removeFirst(head)
            peer.stats.pendingHead = 0
        }
        if sender.stats.lastAck.map({ $0 < ack }) ?? true { sender.stats.lastAck = ack }
        sender.stats.lastWindow = window
        sender.stats.rightEdge = edge
    }

    /// What `s` sends as data: new, a hole filled late or early, again, a probe or a keep-alive.
    private static func senderSide(
        _ segment: Segment, sender: inout HalfConnection, peer: inout HalfConnection,
        context: DataPhaseContext, time: Timestamp, found: inout FoundFindings
    ) {
        let seq = segment.sequence
        let length = segment.payloadLength
        let end = seq + length
        sender.stats.payloadPackets += 1
        let peerAck = peer.stats.lastAck
        // A zero-window probe (one byte at the window edge while the peer advertises 0) or a keep-alive (`probe`).
        switch probe(
            segment, senderHighest: sender.highestSequence, peerAck: peerAck, peerAckSent: peer.lastAckSent,
            peerClosed: peer.stats.advertisesZeroWindow)
        {
        case .zeroWindowProbe:
            sender.stats.zeroWindowProbes += 1
            found.add(.zeroWindowProbe, "\(length) byte at the window edge \(seq) while the peer advertises 0")
            return
        case .keepAlive:
            sender.stats.keepAlives += 1
            found.add(.keepAlive, "keep-alive: \(length) byte at \(seq), one before the next new byte")
            return
        case nil:
            break
        }
        guard let highest = sender.highestSequence else {
            sender.stats.uniqueBytes &+= UInt64(length)
            sender.stats.addPending((end, time, true))
            return
        }
        if seq == highest {
            newData(&sender, bytes: length, end: end, time: time)
        } else if highest < seq {
            let missing = seq.rawValue &- highest.rawValue
            sender.stats.gapBytes &+= UInt64(missing)
            if sender.stats.holes.count < 64 {
                sender.stats.holes.append(Hole(start: highest, end: seq, seenAfterAt: time))
            }
            found.add(.lostSegment, "\(missing) bytes from \(highest) were not captured before this segment at \(seq)")
            newData(&sender, bytes: length, end: end, time: time)
        } else {
            // At or below data already seen: a hole filled (out of order or a late retransmission) or data again.
            let holeIndex = sender.stats.holes.firstIndex { !(seq < $0.start) && seq < $0.end }
            let reorderWindow = DataPhaseContext.reorderWindow(
                sender: sender, peer: peer, senderIsClient: context.senderIsClient)
            if let ack = peerAck, !(ack < end) {
                found.add(
                    .spuriousRetransmission,
                    "data up to \(end) was already acknowledged (ACK \(ack)): the retransmission was not needed")
                countRetransmission(&sender, seq: seq, end: end, bytes: length)
            } else if let h = holeIndex, sender.stats.holes[h].seenAfterAt.interval(to: time) < reorderWindow,
                peer.stats.duplicateAcks == 0,
                !(peer.stats.lastSackTime.map { !($0 < sender.stats.holes[h].seenAfterAt) } ?? false)
            {
                sender.stats.outOfOrderPackets += 1
                found.add(
                    .outOfOrder,
                    "fills the hole at \(seq) "
                        + "\(Format.seconds(sender.stats.holes[h].seenAfterAt.interval(to: time))) after "
                        + "the segment that opened it (within one RTT, \(Format.seconds(reorderWindow))): "
                        + "reordered, not resent"
                )
                sender.stats.uniqueBytes &+= UInt64(length)
            } else {
                let fast = peer.stats.duplicateAcks >= 2 && peerAck == seq
                found.add(
                    fast ? .fastRetransmission : .retransmission,
                    fast
                        ? "resent after \(peer.stats.duplicateAcks) duplicate ACKs of \(seq)"
                        : (holeIndex != nil
                            ? "fills a hole at \(seq) left by a segment lost before the capture point"
                            : "data \(seq)-\(end) sent again"))
                countRetransmission(&sender, seq: seq, end: end, bytes: length)
                if holeIndex != nil { sender.stats.uniqueBytes &+= UInt64(length) }
            }
            if let h = holeIndex { fill(&sender, hole: h, seq: seq, end: end) }
            if highest < end { newData(&sender, bytes: end.rawValue &- highest.rawValue, end: end, time: time) }
        }
        // Window full: the segment ends exactly at the peer's advertised right edge.
        if let edge = peer.stats.rightEdge, peer.stats.lastWindow > 0, end == edge {
            found.add(.windowFull, "the segment fills the peer's window up to \(edge)")
        }
    }

    private static func newData(_ sender: inout HalfConnection, bytes: UInt32, end: SequenceNumber, time: Timestamp) {
        sender.stats.uniqueBytes &+= UInt64(bytes)
        sender.stats.addPending((end, time, true))
    }

    private static func countRetransmission(
        _ sender: inout HalfConnection, seq: SequenceNumber, end: SequenceNumber, bytes: UInt32
    ) {
        sender.stats.retransmittedPackets += 1
        sender.stats.retransmittedBytes &+= UInt64(bytes)
        // Karn's rule: no RTT sample from data that was sent more than once.
        var i = sender.stats.pendingHead
        while i < sender.stats.pending.count {
            if seq < sender.stats.pending[i].end { sender.stats.pending[i].clean = false }
            i += 1
        }
    }

    private static func fill(_ sender: inout HalfConnection, hole h: Int, seq: SequenceNumber, end: SequenceNumber) {
        let hole = sender.stats.holes[h]
        if !(hole.start < seq) && !(end < hole.end) {
            sender.stats.holes.remove(at: h)
        } else if !(hole.start < seq) {
            sender.stats.holes[h].start = end
        } else {
            sender.stats.holes[h].end = seq
        }
        sender.stats.gapBytes =
            sender.stats.gapBytes &- UInt64(min(UInt64(end.rawValue &- seq.rawValue), sender.stats.gapBytes))
    }
}
