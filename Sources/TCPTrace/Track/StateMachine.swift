/// The RFC 9293 state machine of a connection, read as an observer that sees each segment leave its sender and
/// reach its peer at the same moment (RFC 9293 3.3.2, the state diagram, and 3.10.7, "segment arrives").
///
/// Each kind of segment event changes endpoint state in exactly one function here, given the sender and the
/// peer `inout` (`Connection.apply` resolves them once per segment):
///
/// | event                        | function           |
/// |------------------------------|--------------------|
/// | first segment of a mid-stream capture | `midStream` |
/// | SYN                          | `syn`              |
/// | SYN-ACK                      | `synAck`           |
/// | ACK of the peer's SYN        | `ackOfSyn`         |
/// | ACK of the peer's FIN        | `ackOfFin`         |
/// | data                         | `data` (findings only: data changes no state) |
/// | FIN                          | `fin`              |
/// | RST                          | `reset` (acceptable or not: `resetPosition`, `abortStalePeer`; then `resetConnection`) |
///
/// `HalfConnection.enter` only records a transition these functions decide. Zeek's shadow endpoint states
/// (for `conn_state` and `history`) are kept apart, in `ZeekHistory`. No function here does I/O: findings are
/// collected in `found` and reported by the caller with the segment's frame, time and sender.
enum StateMachine {
    /// Applies one segment's flags to both endpoints.
    @inline(__always)
    static func step(
        _ segment: Segment, _ at: SegmentContext, sender: inout HalfConnection, peer: inout HalfConnection,
        facts: inout ConnectionFacts, found: inout FoundFindings
    ) {
        let flags = segment.flags
        if sender.packets + peer.packets == 1 && !flags.contains(.syn) && !flags.contains(.rst) {
            midStream(at, sender: &sender, peer: &peer)
        }
        if flags.contains(.rst) {
            reset(segment, at, sender: &sender, peer: &peer, facts: &facts, found: &found)
        } else if flags.contains(.syn) {
            if flags.contains(.ack) {
                synAck(segment, at, sender: &sender, peer: &peer, facts: &facts, found: &found)
            } else {
                syn(segment, at, sender: &sender, peer: &peer, facts: &facts, found: &found)
            }
        } else {
            if flags.contains(.ack) {
                ackOfSyn(segment.acknowledgment, at, sender: &sender, peer: &peer, facts: &facts, found: &found)
                ackOfFin(segment.acknowledgment, at, sender: &sender, peer: &peer, found: &found)
            }
            if segment.payloadLength > 0 { data(segment, sender: sender, peer: peer, facts: &facts, found: &found) }
            if flags.contains(.fin) { fin(segment, at, sender: &sender, peer: &peer, facts: &facts, found: &found) }
        }
    }

    // MARK: Open

    /// The capture began after the handshake: an ordinary first segment means both sides were established.
    private static func midStream(_ at: SegmentContext, sender: inout HalfConnection, peer: inout HalfConnection) {
        sender.enter(.established, frame: at.frame, time: at.time)
        peer.enter(.established, frame: at.frame, time: at.time)
    }

    /// A SYN without ACK: CLOSED -> SYN_SENT, or both sides to SYN_RECEIVED when the SYNs cross (RFC 9293 3.5,
    /// figure 7). A second SYN is a retransmission (same ISN) or a new attempt (new ISN).
    private static func syn(
        _ segment: Segment, _ at: SegmentContext, sender: inout HalfConnection, peer: inout HalfConnection,
        facts: inout ConnectionFacts, found: inout FoundFindings
    ) {
        sender.synCount += 1
        if let last = sender.lastSynTime { sender.lastSynInterval = Float(max(0, last.interval(to: at.time))) }
        sender.lastSynTime = at.time
        if segment.payloadLength > 0 {
            found.add(
                .synWithData,
                "SYN carries \(segment.payloadLength) bytes of data (TCP Fast Open or a crafted SYN)")
        }
        guard let isn = sender.isn, let firstFrame = sender.synFrame else {
            sender.isn = segment.sequence
            sender.synFrame = at.frame
            sender.synTime = at.time
            sender.synOptions = segment.options
            if peer.synFrame != nil && peer.synAckFrame == nil {
                // The peer's SYN is still unanswered: both sides opened at once.
                facts.simultaneousOpen = true
                found.add(
                    .simultaneousOpen,
                    "both endpoints sent a SYN (first at frame \(frameText(peer.synFrame))): simultaneous open")
            } else if peer.synAckFrame == nil {
                facts.clientIndex = at.sender
                facts.roleEvidence = .syn
            }
            sender.enter(.synSent, frame: at.frame, time: at.time)
            if facts.simultaneousOpen {
                // The SYNs crossed: each side receives the other's SYN while in SYN_SENT.
                peer.enter(.synReceived, frame: at.frame, time: at.time)
                sender.enter(.synReceived, frame: at.frame, time: at.time)
            }
            return
        }
        if segment.sequence == isn {
            let elapsed = sender.synTime.map { $0.interval(to: at.time) } ?? 0
            found.add(
                .synRetransmit,
                "SYN sent again (attempt \(sender.synCount)), same ISN \(isn) as frame \(firstFrame), "
                    + "\(Format.seconds(elapsed)) later")
        } else {
            found.add(
                .synNewISN,
                "SYN retried with a new ISN \(segment.sequence) while the attempt with ISN \(isn) "
                    + "(frame \(firstFrame)) is still open")
            sender.isn = segment.sequence
        }
    }

    /// A SYN-ACK: the sender to SYN_RECEIVED, and the peer to ESTABLISHED when it acknowledges the peer's SYN
    /// (ISN + 1: the SYN consumes one sequence number, RFC 9293 3.4).
    private static func synAck(
        _ segment: Segment, _ at: SegmentContext, sender: inout HalfConnection, peer: inout HalfConnection,
        facts: inout ConnectionFacts, found: inout FoundFindings
    ) {
        sender.synAckCount += 1
        if segment.payloadLength > 0 {
            found.add(.synWithData, "SYN-ACK carries \(segment.payloadLength) bytes of data")
        }
        if let firstFrame = sender.synAckFrame {
            let sameISN = segment.sequence == sender.isn
            found.add(
                .synackRetransmit,
                "SYN-ACK sent again (attempt \(sender.synAckCount)) after frame \(firstFrame)"
                    + (sameISN ? "" : " with a different ISN \(segment.sequence)")
                    + (peer.ackedPeerSynFrame == nil ? ": the handshake's final ACK was not received" : ""))
            return
        }
        sender.synAckFrame = at.frame
        sender.synAckTime = at.time
        if sender.isn == nil {
            sender.isn = segment.sequence
            sender.synOptions = segment.options
        }
        if peer.synFrame == nil && sender.synFrame == nil && facts.roleEvidence != .syn {
            facts.clientIndex = 1 - at.sender
            facts.roleEvidence = .synAck
        }
        // The SYN-ACK acknowledges the peer's SYN at ISN + 1, or past the data the SYN carried (TCP Fast Open,
        // RFC 7413: ISS < SEG.ACK ≤ SND.NXT).
        var acknowledgesSyn = false
        if let peerISN = peer.isn {
            let expected = peerISN + 1
            let ack = segment.acknowledgment
            acknowledgesSyn = ack == expected || (peerISN < ack && !((peer.highestSequence ?? expected) < ack))
            if !acknowledgesSyn && peer.state == .synSent && peer.lastAckSent == nil {
                // Not an answer to the peer's SYN (an old duplicate's, RFC 9293 figure 8): the peer's RST at
                // this ACK is expected next; without it this is handshake-bad-ack (`Connection.settleEvidence`).
                facts.staleAnswer = StaleAnswer(
                    frame: at.frame, time: at.time, sender: at.sender, acknowledgment: ack, isSynAck: true)
            } else if !acknowledgesSyn {
                found.add(
                    .handshakeBadAck,
                    "SYN-ACK acknowledges \(ack), expected ISN \(peerISN) + 1 = \(expected) "
                        + "(the SYN consumes one sequence number)")
            } else {
                sender.ackedPeerSynFrame = at.frame
                sender.ackedPeerSynTime = at.time
            }
        }
        if sender.state == .closed || sender.state == .synSent {
            sender.enter(.synReceived, frame: at.frame, time: at.time)
        }
        if acknowledgesSyn && peer.state != .closed {
            // The peer's SYN is acknowledged: SYN_SENT (or SYN_RECEIVED in a simultaneous open) -> ESTABLISHED.
            peer.enter(.established, frame: at.frame, time: at.time)
        }
    }

    // MARK: Acknowledgments

    /// The ACK that completes the handshake: the first ACK after the peer's SYN-ACK must be ISN(peer) + 1
    /// unless the peer has already sent data beyond it. SYN_RECEIVED (and SYN_SENT) -> ESTABLISHED.
    private static func ackOfSyn(
        _ ack: SequenceNumber, _ at: SegmentContext, sender: inout HalfConnection, peer: inout HalfConnection,
        facts: inout ConnectionFacts, found: inout FoundFindings
    ) {
        // Read first: nearly every ACK comes after the handshake, and this is the whole cost for them.
        guard sender.ackedPeerSynFrame == nil, let peerISN = peer.isn else { return }
        if peer.state == .synSent, peer.lastAckSent == nil, sender.synAckFrame == nil, sender.synFrame == nil,
            ack < peerISN + 1 || (peer.highestSequence ?? peerISN + 1) < ack
        {
            // A plain ACK that does not acknowledge the SYN: the peer still holds an older connection on this
            // 4-tuple (RFC 9293 3.5, figure 9); the SYN_SENT side answers with a RST at this ACK.
            facts.staleAnswer = StaleAnswer(
                frame: at.frame, time: at.time, sender: at.sender, acknowledgment: ack, isSynAck: false)
            return
        }
        if peer.synAckFrame != nil, !sender.handshakeAckChecked {
            sender.handshakeAckChecked = true
            let expected = peerISN + 1
            let highest = peer.highestSequence ?? expected
            if ack < expected || highest < ack {
                found.add(
                    .handshakeBadAck,
                    "ACK of the handshake acknowledges \(ack), expected ISN \(peerISN) + 1 = \(expected) "
                        + "(the SYN-ACK consumes one sequence number)")
            }
        }
        guard !(ack < peerISN + 1), !((peer.highestSequence ?? peerISN + 1) < ack) else { return }
        sender.ackedPeerSynFrame = at.frame
        sender.ackedPeerSynTime = at.time
        if sender.state == .synReceived || sender.state == .synSent {
            sender.enter(.established, frame: at.frame, time: at.time)
        }
        if peer.state == .synReceived { peer.enter(.established, frame: at.frame, time: at.time) }
    }

    /// The ACK that covers the peer's FIN (FIN seq + 1, RFC 9293 3.4): the peer leaves FIN_WAIT_1 for
    /// FIN_WAIT_2, CLOSING for TIME_WAIT, LAST_ACK for CLOSED; an active closer whose peer's FIN came while it
    /// was in FIN_WAIT_2 enters TIME_WAIT now, as it acknowledges that FIN.
    private static func ackOfFin(
        _ ack: SequenceNumber, _ at: SegmentContext, sender: inout HalfConnection, peer: inout HalfConnection,
        found: inout FoundFindings
    ) {
        guard let finSeq = peer.finSequence, peer.finAckedFrame == nil, !(ack < finSeq + 1) else { return }
        if finSeq + 1 < ack {
            found.add(
                .finBadAck,
                "ACK \(ack) acknowledges past the FIN sent at frame \(frameText(peer.finFrame)): the FIN occupies "
                    + "\(finSeq), so its ACK must be \(finSeq + 1)")
        }
        peer.finAckedFrame = at.frame
        switch peer.state {
        case .finWait1: peer.enter(.finWait2, frame: at.frame, time: at.time)
        case .closing: peer.enter(.timeWait, frame: at.frame, time: at.time)
        case .lastAck: peer.enter(.closed, frame: at.frame, time: at.time)
        default: break
        }
        if sender.peerFinPending && sender.state == .finWait2 {
            sender.peerFinPending = false
            sender.enter(.timeWait, frame: at.frame, time: at.time)
        }
    }

    // MARK: Data and FIN

    /// Data changes no state; after a FIN it is either beyond the sender's own FIN (data-after-fin) or the
    /// first data after the peer's FIN (half-close). Inlined: a call would copy both borrowed endpoints
    /// (552 bytes each) out of the caller's `inout` ones, twice per data segment (callgrind: +0.75 % of all
    /// instructions on a short-connection capture).
    @inline(__always)
    private static func data(
        _ segment: Segment, sender: borrowing HalfConnection, peer: borrowing HalfConnection,
        facts: inout ConnectionFacts, found: inout FoundFindings
    ) {
        // Nothing to check before either side's FIN: skip the reads (this runs for every data segment).
        guard sender.finSequence != nil || peer.finSequence != nil else { return }
        let dataEnd = segment.sequence + segment.payloadLength
        if let finSeq = sender.finSequence, finSeq < dataEnd {
            found.add(
                .dataAfterFin,
                "\(segment.payloadLength) bytes at sequence \(segment.sequence) after this side's own FIN "
                    + "(frame \(frameText(sender.finFrame)), sequence \(finSeq))")
        } else if peer.finSequence != nil, sender.finSequence == nil, !facts.halfCloseReported,
            sender.highestSequence.map({ $0 < dataEnd }) ?? true
        {
            facts.halfCloseReported = true
            found.add(
                .halfClose,
                "data after the peer's FIN (frame \(frameText(peer.finFrame))): the connection is half-closed")
        }
    }

    /// A FIN (at sequence + payload length: it consumes one sequence number, RFC 9293 3.4): ESTABLISHED ->
    /// FIN_WAIT_1, CLOSE_WAIT -> LAST_ACK, FIN_WAIT_1 -> CLOSING when the FINs cross (figure 13); the peer
    /// receives it: ESTABLISHED -> CLOSE_WAIT, FIN_WAIT_1 -> CLOSING, and in FIN_WAIT_2 it enters TIME_WAIT
    /// when it acknowledges it (`ackOfFin`). Also decides the shape of the close.
    private static func fin(
        _ segment: Segment, _ at: SegmentContext, sender: inout HalfConnection, peer: inout HalfConnection,
        facts: inout ConnectionFacts, found: inout FoundFindings
    ) {
        let finSeq = segment.sequence + segment.payloadLength
        sender.finCount += 1
        if let known = sender.finSequence {
            guard known == finSeq else { return }  // a FIN further on: reported as data-after-fin
            found.add(
                .finRetransmit,
                "FIN sent again (copy \(sender.finCount)), first at frame \(frameText(sender.finFrame))")
            if let ackFrame = sender.finAckedFrame, peer.state == .timeWait {
                found.add(
                    .lastAckLost,
                    "FIN retransmitted after the peer's final ACK at frame \(ackFrame): that ACK was lost "
                        + "before it reached this side; the TIME_WAIT side re-acknowledges")
                // The passive closer never left LAST_ACK: it closes on the ACK that does arrive.
                if sender.state == .closed {
                    sender.enter(.lastAck, frame: at.frame, time: at.time)
                    sender.finAckedFrame = nil
                }
            }
            return
        }
        sender.finSequence = finSeq
        sender.finFrame = at.frame
        sender.finTime = at.time
        if let peerFin = peer.finSequence {
            // Second FIN: does it acknowledge the first one?
            let acknowledgesFirst = segment.flags.contains(.ack) && !(segment.acknowledgment < peerFin + 1)
            if !acknowledgesFirst {
                facts.closeShape = .simultaneous
                undoCrossedFinReceipt(at, sender: &sender, peerFinFrame: peer.finFrame ?? at.frame, facts: &facts)
                found.add(
                    .simultaneousClose,
                    "FIN sent before the peer's FIN (frame \(frameText(peer.finFrame))) was acknowledged: "
                        + "simultaneous close")
            } else if let ackFrame = peer.finAckedFrame, ackFrame != at.frame {
                facts.closeShape = .fourWay
            } else {
                facts.closeShape = .threeWay
            }
        } else {
            facts.firstFinSender = at.sender
            if facts.resetFrame == nil { facts.closeShape = .halfClosed }
        }
        switch sender.state {
        case .closeWait: sender.enter(.lastAck, frame: at.frame, time: at.time)
        case .established, .synReceived, .synSent, .closed: sender.enter(.finWait1, frame: at.frame, time: at.time)
        default: break
        }
        if facts.closeShape == .simultaneous && sender.state == .finWait1 {
            // The peer's FIN, which crossed this one, arrives now: FIN_WAIT_1 -> CLOSING (RFC 9293 figure 13).
            sender.enter(.closing, frame: at.frame, time: at.time)
        }
        // The peer receives the FIN (after this segment's ACK was processed).
        switch peer.state {
        case .established, .synReceived, .closed: peer.enter(.closeWait, frame: at.frame, time: at.time)
        case .finWait1: peer.enter(.closing, frame: at.frame, time: at.time)
        case .finWait2: peer.peerFinPending = true
        default: break
        }
    }

    /// The observer moved `sender` to CLOSE_WAIT when the peer's FIN passed the capture point, but the
    /// sender's own FIN does not acknowledge it: the two FINs crossed, so the sender had not received it yet.
    /// Takes that transition back (also in the recorded timeline) so the sender closes from ESTABLISHED.
    private static func undoCrossedFinReceipt(
        _ at: SegmentContext, sender: inout HalfConnection, peerFinFrame: Int, facts: inout ConnectionFacts
    ) {
        guard sender.state == .closeWait, let wrong = sender.transitions.last, wrong.state == .closeWait,
            wrong.frame == peerFinFrame
        else { return }
        sender.transitions.removeLast()
        let restored = sender.transitions.last?.state ?? .established
        sender.state = restored
        guard var entries = facts.timeline else { return }
        facts.timeline = nil  // keep the array uniquely referenced while it is patched
        for i in entries.indices where entries[i].frame >= peerFinFrame {
            if at.sender == 0 { entries[i].states.0 = restored } else { entries[i].states.1 = restored }
        }
        facts.timeline = entries
    }

    // MARK: Reset

    /// A RST. Whether it resets depends on what its receiver does with it (RFC 9293 3.10.7):
    /// - a SYN_SENT endpoint's RST at the ACK of a stale answer aborts the peer's old state, not the attempt
    ///   (3.5, figures 8 and 9: `abortStalePeer`);
    /// - to a receiver in SYN_SENT, only a RST that acknowledges its SYN resets, ISS < SEG.ACK ≤ SND.NXT
    ///   (3.10.7.3); any other is ignored;
    /// - otherwise (RFC 5961 3.2, `resetPosition`) a RST at RCV.NXT resets, one outside the window is ignored,
    ///   and one inside it but not exact is answered by a challenge ACK: the capture's evidence decides it later
    ///   (`PendingReset`, `Connection.settleEvidence`).
    /// Every RST that does not reset is `rst-unacceptable`. The first RST that resets decides how the
    /// connection ended (`resetConnection`).
    private static func reset(
        _ segment: Segment, _ at: SegmentContext, sender: inout HalfConnection, peer: inout HalfConnection,
        facts: inout ConnectionFacts, found: inout FoundFindings
    ) {
        sender.rstCount += 1
        guard facts.resetFrame == nil, facts.pendingReset == nil else { return }
        let ttl = TTLMismatch.check(segment.ttl, low: sender.ttlLow, high: sender.ttlHigh)
        let note = ttl?.note ?? ""
        if let stale = facts.staleAnswer, stale.sender != at.sender, sender.state == .synSent,
            segment.sequence == stale.acknowledgment
        {
            facts.staleAnswer = nil
            abortStalePeer(stale, at, sender: &sender, peer: &peer, found: &found, note: note)
            return
        }
        // (A receiver that has sent an ACK is past SYN_SENT, whatever the capture showed of its handshake.)
        if peer.state == .synSent, peer.lastAckSent == nil, let isn = peer.isn {
            let next = peer.highestSequence ?? isn + 1
            let ack = segment.acknowledgment
            guard segment.flags.contains(.ack), isn < ack, !(next < ack) else {
                let why =
                    segment.flags.contains(.ack)
                    ? "its ACK \(ack) is not in ISS \(isn) < SEG.ACK ≤ SND.NXT \(next)" : "it has no ACK bit"
                found.add(
                    .rstUnacceptable,
                    "does not acknowledge the SYN (frame \(frameText(peer.synFrame))): \(why) (RFC 9293 "
                        + "3.10.7.3); ignored, the SYN_SENT side stays" + note)
                return
            }
        } else if sender.state != .timeWait, peer.state != .timeWait, peer.state != .closed,
            let position = resetPosition(segment.sequence, sender: sender, peer: peer)
        {
            switch position {
            case .exact:
                break
            case .outside(let expected, let edge):
                let window = edge.map { " (window to \($0))" } ?? ""
                found.add(
                    .rstUnacceptable,
                    "outside the receiver's window: sequence \(segment.sequence), RCV.NXT \(expected)\(window) "
                        + "(RFC 5961 3.2); ignored" + note)
                return
            case .inWindow(let expected):
                facts.pendingReset = PendingReset(
                    frame: at.frame, time: at.time, sender: at.sender, sequence: segment.sequence,
                    expected: expected, ttl: ttl)
                return
            }
        }
        resetConnection(at, sender: &sender, peer: &peer, facts: &facts, found: &found, note: note)
    }

    /// Where a RST's sequence number lies against its receiver's RCV.NXT (RFC 5961 3.2). RCV.NXT is not on the
    /// wire: it is the receiver's latest ACK, or the sender's next sequence number when all it sent arrived;
    /// a RST at either is exact, and so is one at the sender's FIN when the receiver has that FIN (CLOSE_WAIT,
    /// LAST_ACK, CLOSING): Linux accepts RCV.NXT − 1 there (`tcp_reset_check`), which stacks that close with a
    /// FIN and then a RST send. Behind the latest ACK is outside the window (RCV.NXT never moves back), and so
    /// is at or past the right edge the receiver last advertised, when its window is known (its scale is only
    /// known when both SYNs were seen). Before the receiver's first ACK nothing is outside. nil when neither
    /// number is known.
    static func resetPosition(
        _ sequence: SequenceNumber, sender: borrowing HalfConnection, peer: borrowing HalfConnection
    ) -> ResetPosition? {
        let acked = peer.lastAckSent
        let sent = sender.highestSequence
        guard let base = acked ?? sent else { return nil }
        if sequence == acked || sequence == sent { return .exact }
        if sequence == sender.finSequence,
            peer.state == .closeWait || peer.state == .lastAck || peer.state == .closing
        {
            return .exact
        }
        guard acked != nil else { return .inWindow(expected: base) }
        if sequence < base { return .outside(expected: base, edge: nil) }
        let windowKnown = peer.stats.windowCount > 0 && peer.synOptions != nil && sender.synOptions != nil
        if windowKnown, let edge = peer.stats.rightEdge, !(sequence < edge) {
            return .outside(expected: base, edge: edge)
        }
        return .inWindow(expected: base)
    }

    /// The SYN_SENT side's RST at the ACK of a stale answer (RFC 9293 3.5): the peer's old state is aborted
    /// (back to LISTEN, or CLOSED) and the attempt goes on; the handshake that follows completes this connection.
    private static func abortStalePeer(
        _ stale: StaleAnswer, _ at: SegmentContext, sender: inout HalfConnection, peer: inout HalfConnection,
        found: inout FoundFindings, note: String
    ) {
        ZeekHistory.restartAfterStaleAbort(&sender.zeekState, &peer.zeekState)
        // What the stale answer showed of the peer belonged to the old state: its sequence numbers, its ACK
        // and window are forgotten (the handshake that follows sets them anew).
        peer.highestSequence = nil
        peer.lastAckSent = nil
        peer.stats.forgetReceiverState()
        if stale.isSynAck {
            found.add(
                .staleSyn,
                "the SYN-ACK at frame \(stale.frame) acknowledged \(stale.acknowledgment), not this endpoint's SYN "
                    + "(ISN \(sender.isn.map { "\($0)" } ?? "?") + 1): it answered an old duplicate SYN; this RST at "
                    + "its ACK sent the peer back to LISTEN and the attempt goes on (RFC 9293 3.5, figure 8)" + note)
            // That SYN-ACK belonged to the old SYN: the peer's handshake starts again.
            peer.synAckFrame = nil
            peer.synAckTime = nil
            peer.isn = nil
            peer.synOptions = nil
            peer.enter(.closed, frame: at.frame, time: at.time)
        } else {
            found.add(
                .halfOpenPeer,
                "the peer answered the SYN with an ACK that does not acknowledge it (frame \(stale.frame), ACK "
                    + "\(stale.acknowledgment)): an older connection it still held, half-open (RFC 9293 3.5, figure "
                    + "9), or a middlebox's SYN check; this RST at that ACK aborted it and the attempt goes on" + note)
        }
    }

    /// A RST that resets closes both endpoints. The first one decides how the connection ended: refused (the
    /// answer to a SYN), a stale SYN (the answer to a SYN-ACK), TIME-WAIT assassination (RFC 1337), or a reset.
    /// `note` ends the finding's text (why it was taken to reset, a TTL that differs).
    static func resetConnection(
        _ at: SegmentContext, sender: inout HalfConnection, peer: inout HalfConnection,
        facts: inout ConnectionFacts, found: inout FoundFindings, note: String
    ) {
        facts.resetFrame = at.frame
        facts.resetTime = at.time
        facts.resetSender = at.sender
        facts.resetSenderState = sender.state
        sender.rstFrame = at.frame
        if sender.finSequence == nil || peer.finSequence == nil { facts.resetBeforeClose = true }

        let senderState = sender.state
        let peerState = peer.state
        if senderState == .timeWait || peerState == .timeWait {
            let holder = senderState == .timeWait ? at.sender : 1 - at.sender
            let role: Role = holder == facts.clientIndex ? .client : .server
            found.add(
                .rstInTimeWait,
                "RST while the \(role.rawValue) holds TIME_WAIT (RFC 1337: TIME-WAIT assassination)" + note)
        } else if peer.synFrame != nil, sender.synAckFrame == nil, sender.synFrame == nil,
            peer.ackedPeerSynFrame == nil
        {
            found.add(.refused, "SYN (frame \(frameText(peer.synFrame))) answered by RST: connection refused" + note)
        } else if peer.synAckFrame != nil, sender.ackedPeerSynFrame == nil, sender.synAckFrame == nil {
            found.add(
                .staleSyn,
                "the SYN-ACK (frame \(frameText(peer.synAckFrame))) was answered by RST: the SYN it answered was "
                    + "not this endpoint's current one (an old duplicate SYN)" + note)
        } else {
            found.add(.reset, "RST sent in \(senderState.rawValue) (peer in \(peerState.rawValue))" + note)
        }
        sender.enter(.closed, frame: at.frame, time: at.time)
        peer.enter(.closed, frame: at.frame, time: at.time)
    }

    /// A frame number for a message, `?` when unknown (never a trap on odd input).
    static func frameText(_ frame: Int?) -> String { frame.map(String.init) ?? "?" }
}
