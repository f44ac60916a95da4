/// Data-phase analysis: per-segment classification (retransmissions, out-of-order, holes, duplicate ACKs,
/// windows, probes, keep-alives) and per-direction statistics. Runs before the state machine so it sees each
/// endpoint's highest sequence number as it was before the segment. README "Data phase" states the rules.
extension Connection {
    /// Out-of-order vs retransmission threshold when no handshake RTT is known (Wireshark uses the same 3 ms).
    static let defaultReorderWindow = 0.003

    /// The shift applied to the windows `index` advertises: its own window scale when both sides offered one
    /// on their SYNs (RFC 7323 2.2), else 0; capped at 14 (RFC 7323 2.3).
    func windowShift(of index: Int) -> UInt64 {
        guard let mine = self[index].synOptions?.windowScale, self[1 - index].synOptions?.windowScale != nil else { return 0 }
        return UInt64(min(mine, 14))
    }

    mutating func analyzeDataPhase(_ segment: Segment, from s: Int, frame: Int, time: Timestamp) {
        let p = 1 - s
        let flags = segment.flags
        if let last = self[s].stats.lastSent { self[s].stats.longestIdle = max(self[s].stats.longestIdle, last.interval(to: time)) }
        self[s].stats.lastSent = time
        self[s].stats.truncatedBytes &+= UInt64(segment.payloadLength &- min(segment.payloadLength, segment.capturedPayloadLength))
        guard !flags.contains(.rst) else { return }
        let window = flags.contains(.syn) ? UInt64(segment.window) : UInt64(segment.window) << windowShift(of: s)
        if self[s].stats.initialWindow == nil { self[s].stats.initialWindow = UInt64(segment.window) }
        self[s].stats.observeWindow(window)
        if flags.contains(.ack) && !flags.contains(.syn) { receiverSide(segment, window: window, from: s, frame: frame, time: time) }
        if segment.payloadLength > 0 && !flags.contains(.syn) {
            senderSide(segment, from: s, frame: frame, time: time)
        } else if segment.payloadLength == 0, !flags.contains(.syn), !flags.contains(.fin),
                  let highest = self[s].highestSequence, segment.sequence + 1 == highest {
            // No data at SND.NXT - 1: what Linux sends both as a keep-alive and as a zero-window probe; the
            // peer's window tells which.
            if self[p].stats.lastWindow == 0 && self[p].stats.windowCount > 0 {
                self[s].stats.zeroWindowProbes += 1
                report(.zeroWindowProbe, frame: frame, time: time, sender: s,
                       "empty probe at \(segment.sequence) (one before the next byte) while the peer advertises 0")
            } else {
                self[s].stats.keepAlives += 1
                report(.keepAlive, frame: frame, time: time, sender: s,
                       "keep-alive: no data at \(segment.sequence), one before the next new byte")
            }
        }
    }

    /// What `s` says as a receiver: its ACK, window, SACK blocks.
    private mutating func receiverSide(_ segment: Segment, window: UInt64, from s: Int, frame: Int, time: Timestamp) {
        let p = 1 - s
        let ack = segment.acknowledgment
        let sack = segment.options.sack
        if sack.count > 0 {
            self[s].stats.sackAcks += 1
            self[s].stats.lastSackTime = time
            // RFC 2883: a first block at or below the ACK, or inside the second block, reports a duplicate.
            let first = sack[0]
            if !(ack < first.right) || (sack.count > 1 && !(first.left < sack[1].left) && !(sack[1].right < first.right)) {
                self[s].stats.dsacks += 1
            }
        }
        let pureAck = segment.payloadLength == 0 && !segment.flags.contains(.fin)
        if pureAck { self[s].stats.pureAcks += 1 }
        if segment.window == 0 {
            self[s].stats.zeroWindowAdvertisements += 1
            report(.zeroWindow, frame: frame, time: time, sender: s, "window 0 advertised: the receiver's buffer is full")
        }
        let edge = ack + UInt32(truncatingIfNeeded: min(window, UInt64(UInt32.max >> 1)))
        if let old = self[s].stats.rightEdge, edge < old, let lastAck = self[s].stats.lastAck, !(ack < lastAck) {
            report(.windowShrunk, frame: frame, time: time, sender: s,
                   "right edge of the window moved left from \(old) to \(edge) (RFC 9293 3.8.6: a window should not shrink)")
        }
        // (An ACK past the peer's FIN is fin-bad-ack, reported by the close logic.)
        if let peerHighest = self[p].highestSequence, peerHighest < ack, self[p].finSequence == nil,
           self[p].synFrame != nil || self[p].synAckFrame != nil
            || self[p].stats.payloadPackets > 0 {
            if self[s].stats.lastAck.map({ $0 < ack }) ?? true {
                report(.ackUnseenSegment, frame: frame, time: time, sender: s,
                       "acknowledges \(ack) but the peer's data seen ends at \(peerHighest): \(ack.rawValue &- peerHighest.rawValue) "
                           + "bytes were sent and never captured")
            }
        }
        // RFC 5681 section 2: a duplicate ACK acknowledges the same number with the same window, carries no data
        // and no SYN/FIN, while data is outstanding. Not during the handshake, not the TIME_WAIT re-ACK, and an
        // ACK that leaves only a FIN unacknowledged is not a duplicate ACK of data.
        if pureAck, let lastAck = self[s].stats.lastAck, ack == lastAck, window == self[s].stats.lastWindow,
           [.established, .finWait1, .finWait2, .closeWait].contains(self[s].state),
           let peerHighest = self[p].highestSequence {
            let dataEnd = self[p].finSequence ?? peerHighest
            if ack < dataEnd {
                self[s].stats.duplicateAcks += 1
                report(.duplicateAck, frame: frame, time: time, sender: s,
                       "duplicate ACK #\(self[s].stats.duplicateAcks) of \(ack)" + (sack.count > 0 ? " with SACK" : ""))
            }
        } else if self[s].stats.lastAck.map({ $0 != ack }) ?? true {
            self[s].stats.duplicateAcks = 0
        }
        // RTT samples for the peer's data this ACK covers (Karn: only data sent once).
        var head = self[p].stats.pendingHead
        while head < self[p].stats.pending.count, !(ack < self[p].stats.pending[head].end) {
            let entry = self[p].stats.pending[head]
            if entry.clean { self[p].stats.rtt.add(entry.time.interval(to: time)) }
            head += 1
        }
        self[p].stats.pendingHead = head
        if head > 256 && head * 2 > self[p].stats.pending.count {
            self[p].stats.pending.removeFirst(head)
            self[p].stats.pendingHead = 0
        }
        if self[s].stats.lastAck.map({ $0 < ack }) ?? true { self[s].stats.lastAck = ack }
        self[s].stats.lastWindow = window
        self[s].stats.rightEdge = edge
    }

    /// What `s` sends as data: new, a hole filled late or early, again, a probe or a keep-alive.
    private mutating func senderSide(_ segment: Segment, from s: Int, frame: Int, time: Timestamp) {
        let p = 1 - s
        let seq = segment.sequence
        let length = segment.payloadLength
        let end = seq + length
        self[s].stats.payloadPackets += 1
        let peerAck = self[p].stats.lastAck
        // Zero-window probe: one byte at the window edge while the peer advertises 0 (not a keep-alive).
        if let edge = peerAck, self[p].stats.lastWindow == 0, self[p].stats.windowCount > 0, seq == edge, length <= 1 {
            self[s].stats.zeroWindowProbes += 1
            report(.zeroWindowProbe, frame: frame, time: time, sender: s, "\(length) byte at the window edge \(seq) while the peer advertises 0")
            return
        }
        guard let highest = self[s].highestSequence else {
            self[s].stats.uniqueBytes &+= UInt64(length)
            self[s].stats.pending.append((end, time, true))
            return
        }
        // Keep-alive: zero or one byte at SND.NXT - 1 (RFC 9293 3.8.4).
        if length <= 1, seq + 1 == highest, !segment.flags.contains(.fin) {
            self[s].stats.keepAlives += 1
            report(.keepAlive, frame: frame, time: time, sender: s, "keep-alive: \(length) byte at \(seq), one before the next new byte")
            return
        }
        if seq == highest {
            newData(from: s, bytes: length, end: end, time: time)
        } else if highest < seq {
            let missing = seq.rawValue &- highest.rawValue
            self[s].stats.gapBytes &+= UInt64(missing)
            if self[s].stats.holes.count < 64 { self[s].stats.holes.append(Hole(start: highest, end: seq, seenAfterAt: time)) }
            report(.lostSegment, frame: frame, time: time, sender: s,
                   "\(missing) bytes from \(highest) were not captured before this segment at \(seq)")
            newData(from: s, bytes: length, end: end, time: time)
        } else {
            // At or below data already seen: a hole filled (out of order or a late retransmission) or data again.
            let holeIndex = self[s].stats.holes.firstIndex { !(seq < $0.start) && seq < $0.end }
            let reorderWindow = handshakeRTT ?? Connection.defaultReorderWindow
            if let ack = peerAck, !(ack < end) {
                report(.spuriousRetransmission, frame: frame, time: time, sender: s,
                       "data up to \(end) was already acknowledged (ACK \(ack)): the retransmission was not needed")
                countRetransmission(from: s, seq: seq, end: end, bytes: length)
            } else if let h = holeIndex, self[s].stats.holes[h].seenAfterAt.interval(to: time) < reorderWindow,
                      self[p].stats.duplicateAcks == 0,
                      !(self[p].stats.lastSackTime.map { !($0 < self[s].stats.holes[h].seenAfterAt) } ?? false) {
                self[s].stats.outOfOrderPackets += 1
                report(.outOfOrder, frame: frame, time: time, sender: s,
                       "fills the hole at \(seq) \(Format.seconds(self[s].stats.holes[h].seenAfterAt.interval(to: time))) after "
                           + "the segment that opened it (within one RTT, \(Format.seconds(reorderWindow))): reordered, not resent")
                self[s].stats.uniqueBytes &+= UInt64(length)
            } else {
                let fast = self[p].stats.duplicateAcks >= 2 && peerAck == seq
                report(fast ? .fastRetransmission : .retransmission, frame: frame, time: time, sender: s,
                       fast ? "resent after \(self[p].stats.duplicateAcks) duplicate ACKs of \(seq)"
                            : (holeIndex != nil ? "fills a hole at \(seq) left by a segment lost before the capture point"
                                                : "data \(seq)-\(end) sent again"))
                countRetransmission(from: s, seq: seq, end: end, bytes: length)
                if holeIndex != nil { self[s].stats.uniqueBytes &+= UInt64(length) }
            }
            if let h = holeIndex { fill(hole: h, from: s, seq: seq, end: end) }
            if highest < end { newData(from: s, bytes: end.rawValue &- highest.rawValue, end: end, time: time) }
        }
        // Window full: the segment ends exactly at the peer's advertised right edge.
        if let edge = self[p].stats.rightEdge, self[p].stats.lastWindow > 0, end == edge {
            report(.windowFull, frame: frame, time: time, sender: s, "the segment fills the peer's window up to \(edge)")
        }
    }

    private mutating func newData(from s: Int, bytes: UInt32, end: SequenceNumber, time: Timestamp) {
        self[s].stats.uniqueBytes &+= UInt64(bytes)
        self[s].stats.pending.append((end, time, true))
    }

    private mutating func countRetransmission(from s: Int, seq: SequenceNumber, end: SequenceNumber, bytes: UInt32) {
        self[s].stats.retransmittedPackets += 1
        self[s].stats.retransmittedBytes &+= UInt64(bytes)
        // Karn's rule: no RTT sample from data that was sent more than once.
        var i = self[s].stats.pendingHead
        while i < self[s].stats.pending.count {
            if seq < self[s].stats.pending[i].end { self[s].stats.pending[i].clean = false }
            i += 1
        }
    }

    private mutating func fill(hole h: Int, from s: Int, seq: SequenceNumber, end: SequenceNumber) {
        let hole = self[s].stats.holes[h]
        if !(hole.start < seq) && !(end < hole.end) {
            self[s].stats.holes.remove(at: h)
        } else if !(hole.start < seq) {
            self[s].stats.holes[h].start = end
        } else {
            self[s].stats.holes[h].end = seq
        }
        self[s].stats.gapBytes = self[s].stats.gapBytes &- UInt64(min(UInt64(end.rawValue &- seq.rawValue), self[s].stats.gapBytes))
    }
}
