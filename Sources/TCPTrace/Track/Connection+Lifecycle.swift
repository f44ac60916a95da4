/// The per-segment transition function: one call per segment updates both endpoints' states and appends
/// the findings the segment proves. No I/O. RFC 9293 3.3.2 (state diagram) and 3.10.7 (segment arrives),
/// read as an observer that sees each segment leave its sender and reach its peer at the same moment.
extension Connection {
    public mutating func apply(_ segment: Segment, frame: Int, time: Timestamp) {
        let s = senderIndex(of: segment)
        lastFrame = frame
        // Timestamps can go backwards in a damaged or merged capture: keep start <= end.
        if end < time { end = time }
        if time < start { start = time }
        // (Per segment, so on the stored endpoint itself: `self[s]` is a coroutine call here.)
        if s == 0 {
            sideA.packets += 1
            sideA.payloadBytes &+= UInt64(segment.payloadLength)
        } else {
            sideB.packets += 1
            sideB.payloadBytes &+= UInt64(segment.payloadLength)
        }
        if segment.optionsTruncated {
            truncatedSegments += 1
            if firstTruncatedFrame == nil { firstTruncatedFrame = frame }
        }
        recordHistory(segment, sender: s)
        // A delayed segment of the previous incarnation is reported as such, not classified as this one's data.
        let oldDuplicate = previousConnectionID != nil && !segment.flags.contains(.syn)
            && checkPreviousIncarnation(segment, from: s, frame: frame, time: time)
        if !oldDuplicate { analyzeDataPhase(segment, from: s, frame: frame, time: time) }

        let flags = segment.flags
        if segment.payloadLength > 0 && lastDataSender != Int8(s) {
            lastDataSender = Int8(s)
            if s == 0 { dataRuns.0 += 1 } else { dataRuns.1 += 1 }
        }
        if sideA.packets + sideB.packets == 1 && !flags.contains(.syn) && !flags.contains(.rst) {
            // The capture began after the handshake: an ordinary segment means both sides were established.
            sideA.enter(.established, frame: frame, time: time)
            sideB.enter(.established, frame: frame, time: time)
        }
        if flags.contains(.rst) {
            receiveReset(from: s, frame: frame, time: time)
        } else if flags.contains(.syn) {
            if flags.contains(.ack) {
                sendSynAck(segment, from: s, frame: frame, time: time)
            } else {
                sendSyn(segment, from: s, frame: frame, time: time)
            }
        } else {
            if flags.contains(.ack) { processAck(segment.acknowledgment, from: s, frame: frame, time: time) }
            if segment.payloadLength > 0 { processData(segment, from: s, frame: frame, time: time) }
            if flags.contains(.fin) { processFin(segment, from: s, frame: frame, time: time) }
        }

        let segmentEnd = segment.sequence + segment.sequenceLength
        if !flags.contains(.rst), side(s, \.highestSequence).map({ $0 < segmentEnd }) ?? true {
            if s == 0 { sideA.highestSequence = segmentEnd } else { sideB.highestSequence = segmentEnd }
        }
        if timeline != nil {
            timeline?.append(TimelineEntry(frame: frame, time: time, senderIndex: s, flags: flags,
                                           sequence: segment.sequence, acknowledgment: segment.acknowledgment,
                                           payloadLength: segment.payloadLength, window: segment.window,
                                           sack: segment.options.sack, states: (sideA.state, sideB.state)))
        }
    }

    // MARK: Handshake

    private mutating func sendSyn(_ segment: Segment, from s: Int, frame: Int, time: Timestamp) {
        let p = 1 - s
        self[s].synCount += 1
        if segment.payloadLength > 0 {
            report(.synWithData, frame: frame, time: time, sender: s,
                   "SYN carries \(segment.payloadLength) bytes of data (TCP Fast Open or a crafted SYN)")
        }
        guard let isn = side(s, \.isn), let firstFrame = side(s, \.synFrame) else {
            self[s].isn = segment.sequence
            self[s].synFrame = frame
            self[s].synTime = time
            self[s].synOptions = segment.options
            if side(p, \.synFrame) != nil && side(p, \.synAckFrame) == nil {
                // The peer's SYN is still unanswered: both sides opened at once (RFC 9293 3.5, figure 7).
                simultaneousOpen = true
                report(.simultaneousOpen, frame: frame, time: time, sender: s,
                       "both endpoints sent a SYN (first at frame \(Connection.frameText(side(p, \.synFrame)))): simultaneous open")
            } else if side(p, \.synAckFrame) == nil {
                clientIndex = s
                roleEvidence = .syn
            }
            self[s].enter(.synSent, frame: frame, time: time)
            if simultaneousOpen {
                // The SYNs crossed: each side receives the other's SYN while in SYN_SENT.
                self[p].enter(.synReceived, frame: frame, time: time)
                self[s].enter(.synReceived, frame: frame, time: time)
            }
            return
        }
        if segment.sequence == isn {
            let elapsed = side(s, \.synTime).map { $0.interval(to: time) } ?? 0
            report(.synRetransmit, frame: frame, time: time, sender: s,
                   "SYN sent again (attempt \(side(s, \.synCount))), same ISN \(isn) as frame \(firstFrame), "
                       + "\(Format.seconds(elapsed)) later")
        } else {
            report(.synNewISN, frame: frame, time: time, sender: s,
                   "SYN retried with a new ISN \(segment.sequence) while the attempt with ISN \(isn) "
                       + "(frame \(firstFrame)) is still open")
            self[s].isn = segment.sequence
        }
    }

    private mutating func sendSynAck(_ segment: Segment, from s: Int, frame: Int, time: Timestamp) {
        let p = 1 - s
        self[s].synAckCount += 1
        if segment.payloadLength > 0 {
            report(.synWithData, frame: frame, time: time, sender: s,
                   "SYN-ACK carries \(segment.payloadLength) bytes of data")
        }
        if let firstFrame = side(s, \.synAckFrame) {
            let sameISN = segment.sequence == side(s, \.isn)
            report(.synackRetransmit, frame: frame, time: time, sender: s,
                   "SYN-ACK sent again (attempt \(side(s, \.synAckCount))) after frame \(firstFrame)"
                       + (sameISN ? "" : " with a different ISN \(segment.sequence)")
                       + (side(p, \.ackedPeerSynFrame) == nil ? ": the handshake's final ACK was not received"
                                                          : ""))
            return
        }
        self[s].synAckFrame = frame
        self[s].synAckTime = time
        if side(s, \.isn) == nil {
            self[s].isn = segment.sequence
            self[s].synOptions = segment.options
        }
        if side(p, \.synFrame) == nil && side(s, \.synFrame) == nil && roleEvidence != .syn {
            clientIndex = p
            roleEvidence = .synAck
        }
        if let peerISN = side(p, \.isn) {
            let expected = peerISN + 1
            if segment.acknowledgment != expected {
                report(.handshakeBadAck, frame: frame, time: time, sender: s,
                       "SYN-ACK acknowledges \(segment.acknowledgment), expected ISN \(peerISN) + 1 = \(expected) "
                           + "(the SYN consumes one sequence number)")
            } else {
                self[s].ackedPeerSynFrame = frame
                self[s].ackedPeerSynTime = time
            }
        }
        if side(s, \.state) == .closed || side(s, \.state) == .synSent {
            self[s].enter(.synReceived, frame: frame, time: time)
        }
        if segment.acknowledgment == side(p, \.isn).map({ $0 + 1 }) && side(p, \.state) != .closed {
            // The peer's SYN is acknowledged: SYN_SENT (or SYN_RECEIVED in a simultaneous open) -> ESTABLISHED.
            self[p].enter(.established, frame: frame, time: time)
        }
    }

    // MARK: Acknowledgments

    private mutating func processAck(_ ack: SequenceNumber, from s: Int, frame: Int, time: Timestamp) {
        // On the two endpoints in place: reading them through the subscript would copy them on every access.
        var found = FoundFindings()
        if s == 0 {
            Connection.acknowledge(ack, sender: &sideA, peer: &sideB, frame: frame, time: time, found: &found)
        } else {
            Connection.acknowledge(ack, sender: &sideB, peer: &sideA, frame: frame, time: time, found: &found)
        }
        for i in 0..<found.count { report(found[i].code, frame: frame, time: time, sender: s, found[i].detail) }
    }

    private static func acknowledge(_ ack: SequenceNumber, sender: inout HalfConnection, peer: inout HalfConnection,
                                    frame: Int, time: Timestamp, found: inout FoundFindings) {
        // Third ACK of the handshake: the first ACK after the peer's SYN-ACK must be ISN(peer) + 1 unless the
        // peer has already sent data beyond it.
        if let peerISN = peer.isn, peer.synAckFrame != nil, !sender.handshakeAckChecked,
           sender.ackedPeerSynFrame == nil {
            sender.handshakeAckChecked = true
            let expected = peerISN + 1
            let highest = peer.highestSequence ?? expected
            if ack < expected || highest < ack {
                found.add(.handshakeBadAck, "ACK of the handshake acknowledges \(ack), expected ISN \(peerISN) + 1 = \(expected) "
                           + "(the SYN-ACK consumes one sequence number)")
            }
        }
        if let peerISN = peer.isn, sender.ackedPeerSynFrame == nil, !(ack < peerISN + 1),
           !((peer.highestSequence ?? peerISN + 1) < ack) {
            sender.ackedPeerSynFrame = frame
            sender.ackedPeerSynTime = time
            if sender.state == .synReceived || sender.state == .synSent {
                sender.enter(.established, frame: frame, time: time)
            }
            if peer.state == .synReceived { peer.enter(.established, frame: frame, time: time) }
            if sender.zeekState == .synSent || sender.zeekState == .synAckSent { sender.zeekState = .established }
            if peer.zeekState == .synSent || peer.zeekState == .synAckSent { peer.zeekState = .established }
        }
        // The ACK that covers the peer's FIN (FIN seq + 1, RFC 9293 3.4).
        if let finSeq = peer.finSequence, peer.finAckedFrame == nil, !(ack < finSeq + 1) {
            if finSeq + 1 < ack {
                found.add(.finBadAck, "ACK \(ack) acknowledges past the FIN sent at frame \(Connection.frameText(peer.finFrame)): the FIN occupies "
                           + "\(finSeq), so its ACK must be \(finSeq + 1)")
            }
            peer.finAckedFrame = frame
            switch peer.state {
            case .finWait1: peer.enter(.finWait2, frame: frame, time: time)
            case .closing: peer.enter(.timeWait, frame: frame, time: time)
            case .lastAck: peer.enter(.closed, frame: frame, time: time)
            default: break
            }
            // The active closer enters TIME_WAIT when it acknowledges the peer's FIN.
            if sender.peerFinPending && sender.state == .finWait2 {
                sender.peerFinPending = false
                sender.enter(.timeWait, frame: frame, time: time)
            }
        }
    }

    // MARK: Data and FIN

    private mutating func processData(_ segment: Segment, from s: Int, frame: Int, time: Timestamp) {
        let p = 1 - s
        let dataEnd = segment.sequence + segment.payloadLength
        // Nothing to check before either side's FIN: skip the reads (this runs for every data segment).
        guard side(s, \.finSequence) != nil || side(p, \.finSequence) != nil else { return }
        if let finSeq = side(s, \.finSequence), finSeq < dataEnd {
            report(.dataAfterFin, frame: frame, time: time, sender: s,
                   "\(segment.payloadLength) bytes at sequence \(segment.sequence) after this side's own FIN "
                       + "(frame \(Connection.frameText(side(s, \.finFrame))), sequence \(finSeq))")
        } else if side(p, \.finSequence) != nil, side(s, \.finSequence) == nil, !halfCloseReported,
                  side(s, \.highestSequence).map({ $0 < dataEnd }) ?? true {
            halfCloseReported = true
            report(.halfClose, frame: frame, time: time, sender: s,
                   "data after the peer's FIN (frame \(Connection.frameText(side(p, \.finFrame)))): the connection is half-closed")
        }
    }

    private mutating func processFin(_ segment: Segment, from s: Int, frame: Int, time: Timestamp) {
        let p = 1 - s
        let finSeq = segment.sequence + segment.payloadLength
        self[s].finCount += 1
        if let known = side(s, \.finSequence) {
            guard known == finSeq else { return }   // a FIN further on: reported as data-after-fin
            report(.finRetransmit, frame: frame, time: time, sender: s,
                   "FIN sent again (copy \(side(s, \.finCount))), first at frame \(Connection.frameText(side(s, \.finFrame)))")
            if let ackFrame = side(s, \.finAckedFrame), side(p, \.state) == .timeWait {
                report(.lastAckLost, frame: frame, time: time, sender: s,
                       "FIN retransmitted after the peer's final ACK at frame \(ackFrame): that ACK was lost "
                           + "before it reached this side; the TIME_WAIT side re-acknowledges")
                // The passive closer never left LAST_ACK: it closes on the ACK that does arrive.
                if side(s, \.state) == .closed {
                    self[s].enter(.lastAck, frame: frame, time: time)
                    self[s].finAckedFrame = nil
                }
            }
            return
        }
        self[s].finSequence = finSeq
        self[s].finFrame = frame
        self[s].finTime = time
        if let peerFin = side(p, \.finSequence) {
            // Second FIN: does it acknowledge the first one?
            let acknowledgesFirst = segment.flags.contains(.ack) && !(segment.acknowledgment < peerFin + 1)
            if !acknowledgesFirst {
                closeShape = .simultaneous
                undoCrossedFinReceipt(sender: s, peerFinFrame: side(p, \.finFrame) ?? frame)
                report(.simultaneousClose, frame: frame, time: time, sender: s,
                       "FIN sent before the peer's FIN (frame \(Connection.frameText(side(p, \.finFrame)))) was acknowledged: "
                           + "simultaneous close")
            } else if let ackFrame = side(p, \.finAckedFrame), ackFrame != frame {
                closeShape = .fourWay
            } else {
                closeShape = .threeWay
            }
        } else {
            firstFinSender = s
            if resetFrame == nil { closeShape = .halfClosed }
        }
        switch side(s, \.state) {
        case .closeWait: self[s].enter(.lastAck, frame: frame, time: time)
        case .established, .synReceived, .synSent, .closed: self[s].enter(.finWait1, frame: frame, time: time)
        default: break
        }
        if closeShape == .simultaneous && side(s, \.state) == .finWait1 {
            // The peer's FIN, which crossed this one, arrives now: FIN_WAIT_1 -> CLOSING (RFC 9293 figure 13).
            self[s].enter(.closing, frame: frame, time: time)
        }
        // The peer receives the FIN (after this segment's ACK was processed above).
        switch side(p, \.state) {
        case .established, .synReceived, .closed: self[p].enter(.closeWait, frame: frame, time: time)
        case .finWait1: self[p].enter(.closing, frame: frame, time: time)
        case .finWait2: self[p].peerFinPending = true
        default: break
        }
    }

    /// The observer moved `sender` to CLOSE_WAIT when the peer's FIN passed the capture point, but this
    /// FIN does not acknowledge it: the two FINs crossed, so the sender had not received it yet. Take that
    /// transition back (also in the recorded timeline) so the sender closes from ESTABLISHED.
    private mutating func undoCrossedFinReceipt(sender s: Int, peerFinFrame: Int) {
        guard side(s, \.state) == .closeWait, let wrong = side(s, \.transitions.last), wrong.state == .closeWait,
              wrong.frame == peerFinFrame else { return }
        self[s].transitions.removeLast()
        let restored = side(s, \.transitions.last)?.state ?? .established
        self[s].state = restored
        guard var entries = timeline else { return }
        timeline = nil   // keep the array uniquely referenced while it is patched
        for i in entries.indices where entries[i].frame >= peerFinFrame {
            if s == 0 { entries[i].states.0 = restored } else { entries[i].states.1 = restored }
        }
        timeline = entries
    }

    /// On a reused 4-tuple, a segment whose sequence or acknowledgment number lies in the previous
    /// incarnation's space and outside this one's: an old duplicate, the danger 2·MSL exists to prevent
    /// (RFC 9293 3.4.1, RFC 1337).
    private mutating func checkPreviousIncarnation(_ segment: Segment, from s: Int, frame: Int, time: Timestamp) -> Bool {
        let p = 1 - s
        let oldSender = s == 0 ? previousSpace.0 : previousSpace.1
        let oldPeer = p == 0 ? previousSpace.0 : previousSpace.1
        func outsideNew(_ n: SequenceNumber, _ index: Int) -> Bool {
            guard let isn = side(index, \.isn) else { return true }
            let end = (side(index, \.highestSequence) ?? isn + 1) + 65_536
            return !SequenceSpan(start: isn, end: end).contains(n)
        }
        var what: [String] = []
        if let old = oldSender, segment.sequenceLength > 0, old.contains(segment.sequence), outsideNew(segment.sequence, s) {
            what.append("sequence \(segment.sequence) lies in the previous incarnation's \(old.start)-\(old.end)")
        }
        if segment.flags.contains(.ack), let old = oldPeer, old.contains(segment.acknowledgment),
           old.start < segment.acknowledgment, outsideNew(segment.acknowledgment, p) {
            what.append("acknowledgment \(segment.acknowledgment) lies in the previous incarnation's \(old.start)-\(old.end)")
        }
        guard !what.isEmpty else { return false }
        let newSpace = side(s, \.isn).map { "\($0)-\(side(s, \.highestSequence) ?? $0 + 1)" } ?? "unknown"
        report(.oldIncarnationSegment, frame: frame, time: time, sender: s,
               what.joined(separator: "; ") + " (connection \(previousConnectionID ?? 0)); this incarnation's sender "
                   + "space is \(newSpace): a delayed segment of the old connection")
        return true
    }

    // MARK: Reset

    private mutating func receiveReset(from s: Int, frame: Int, time: Timestamp) {
        let p = 1 - s
        self[s].rstCount += 1
        guard resetFrame == nil else { return }
        resetFrame = frame
        resetTime = time
        resetSender = s
        resetSenderState = side(s, \.state)
        self[s].rstFrame = frame
        if sideA.finSequence == nil || sideB.finSequence == nil { resetBeforeClose = true }

        let senderState = side(s, \.state)
        let peerState = side(p, \.state)
        if senderState == .timeWait || peerState == .timeWait {
            let holder = senderState == .timeWait ? s : p
            report(.rstInTimeWait, frame: frame, time: time, sender: s,
                   "RST while the \(role(of: holder).rawValue) holds TIME_WAIT (RFC 1337: TIME-WAIT assassination)")
        } else if side(p, \.synFrame) != nil, side(s, \.synAckFrame) == nil, side(s, \.synFrame) == nil,
                  side(p, \.ackedPeerSynFrame) == nil {
            report(.refused, frame: frame, time: time, sender: s,
                   "SYN (frame \(Connection.frameText(side(p, \.synFrame)))) answered by RST: connection refused")
        } else if side(p, \.synAckFrame) != nil, side(s, \.ackedPeerSynFrame) == nil, side(s, \.synAckFrame) == nil {
            report(.staleSyn, frame: frame, time: time, sender: s,
                   "the SYN-ACK (frame \(Connection.frameText(side(p, \.synAckFrame)))) was answered by RST: the SYN it answered was not "
                       + "this endpoint's current one (an old duplicate SYN)")
        } else {
            report(.reset, frame: frame, time: time, sender: s,
                   "RST sent in \(senderState.rawValue) (peer in \(peerState.rawValue))")
        }
        self[s].enter(.closed, frame: frame, time: time)
        self[p].enter(.closed, frame: frame, time: time)
    }


    /// A frame number for a message, `?` when unknown (never a trap on odd input).
    private static func frameText(_ frame: Int?) -> String { frame.map(String.init) ?? "?" }

    // MARK: Zeek history

    /// Zeek's history letters (upper case for the originator, first occurrence per direction).
    @inline(__always)
    private mutating func recordHistory(_ segment: Segment, sender s: Int) {
        let flags = segment.flags
        var letter: UInt8
        if flags.contains(.syn) && flags.contains(.rst) {
            letter = UInt8(ascii: "i")
        } else if flags.contains(.syn) {
            letter = flags.contains(.ack) ? UInt8(ascii: "h") : UInt8(ascii: "s")
            switch side(s, \.zeekState) {
            case .inactive, .synSent: self[s].zeekState = flags.contains(.ack) ? .synAckSent : .synSent
            default: break
            }
        } else if flags.contains(.rst) {
            letter = UInt8(ascii: "r")
        } else if flags.contains(.fin) {
            letter = UInt8(ascii: "f")
        } else if segment.payloadLength > 0 {
            letter = UInt8(ascii: "d")
        } else if flags.contains(.ack) {
            letter = UInt8(ascii: "a")
        } else {
            letter = UInt8(ascii: "q")
        }
        if !flags.contains(.syn) {
            if side(s, \.zeekState) == .inactive { self[s].zeekState = .partial }
            if flags.contains(.rst) {
                self[s].zeekState = .reset
            } else if flags.contains(.fin) && side(s, \.zeekState) != .reset {
                self[s].zeekState = .closed
            }
        }
        appendHistory(letter, sender: s)
        // A FIN or RST segment with payload also shows data.
        if (flags.contains(.fin) || flags.contains(.rst)) && segment.payloadLength > 0 {
            appendHistory(UInt8(ascii: "d"), sender: s)
        }
    }

    /// (The test inlined, the append not: nearly every segment repeats a letter its direction has shown.)
    @inline(__always)
    private mutating func appendHistory(_ letter: UInt8, sender s: Int) {
        // One bit per (direction, letter): 26 letters in each 32-bit half.
        let bit = UInt64(1) << UInt64(Int(letter - UInt8(ascii: "a")) + (s == 0 ? 0 : 32))
        guard historySeen & bit == 0 else { return }
        addHistory(letter, sender: s, bit: bit)
    }

    @inline(never)
    private mutating func addHistory(_ letter: UInt8, sender s: Int, bit: UInt64) {
        historySeen |= bit
        history.append(letter)
        historySenders.append(UInt8(s))
    }
}
