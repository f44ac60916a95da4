/// Zeek's view of a connection, emulated beside the RFC 9293 state machine: the `history` letters and the
/// shadow endpoint states that `conn_state` is derived from. It follows Zeek 7.0 (the same code from 5.x to
/// 8.x): `update_history`, `update_window`, `update_last_seq` and `UpdateStateMachine` in
/// `TCPSessionAdapter.cc`, `Session::ScaledHistoryEntry`, the reassembler's `Gap`, and `conn_state` in
/// `base/protocols/conn/main.zeek` (docs/connection-model.md, "Zeek conn_state and history"). Every change of
/// a `ZeekEndpointState` happens in this file.
struct ZeekHistory: Sendable {
    /// Letters in order of appearance per direction (lower case), with the endpoint that sent each.
    private(set) var letters = HistoryLetters()
    /// One bit per (direction, letter): 26 letters in each 32-bit half (Zeek's `hist_seen` masks; `s` and
    /// `h` share `s`'s bit, as Zeek's HIST_SYN_PKT).
    private var seen: UInt64 = 0
    /// Per direction, the sequence number of the last SYN or SYN-ACK, the end of the last FIN (sequence plus
    /// payload) and the last RST: Zeek writes `s`/`h`, `f` and `r` again only when it differs.
    private var lastSyn: (UInt32, UInt32) = (0, 0)
    private var lastFin: (UInt32, UInt32) = (0, 0)
    private var lastRst: (UInt32, UInt32) = (0, 0)
    /// Per direction, events of the letters Zeek scales (`t` retransmission, `w` zero window, `g` content
    /// gap, `c` bad checksum): the letter is written at the 1st, 10th, 100th, … event.
    private var retransmissions: (UInt32, UInt32) = (0, 0)
    private var zeroWindows: (UInt32, UInt32) = (0, 0)
    private var gaps: (UInt32, UInt32) = (0, 0)
    private var badChecksums: (UInt32, UInt32) = (0, 0)
    /// Per direction, the highest acknowledgment already counted as revealing a gap in that direction's data.
    private var gapAcked: (UInt32, UInt32) = (0, 0)
    /// Per direction: the endpoint went RESET from CLOSED (a RST after its own FIN); the peer's FIN turns it
    /// back to CLOSED, as Zeek's `prev_state` check does.
    private var resetAfterClose: (Bool, Bool) = (false, false)
    /// Per direction, where its data starts in sequence space (Zeek's `start_seq` + 1, for `orig_bytes` and
    /// `resp_bytes`), as Zeek's `init_endpoint` and `init_peer` set it: from the endpoint's own first segment
    /// (after the ISN of a SYN, at the sequence number of any other), again at a SYN while it is inactive,
    /// partial or established or when its start came from a RST; until it sends, from each ACK of its peer.
    /// `started`: bits 0 and 1, a start is known for direction 0 and 1; bits 2 and 3, it came from a RST.
    private(set) var dataStart: (UInt32, UInt32) = (0, 0)
    private(set) var started: UInt8 = 0
    /// Zeek's `LastTime` (nanoseconds): the time of the last segment that arrived while at least one endpoint
    /// had not closed (a FIN or a RST), so a final ACK does not lengthen the `duration` of conn.log.
    private(set) var lastTime: Int64 = 0

    /// What the endpoints' data looked like before this segment, for `t` and `g`.
    struct Before {
        /// One past the highest sequence number each endpoint had sent (Zeek's `LastSeq`).
        var senderHighest: SequenceNumber?
        var peerHighest: SequenceNumber?
        /// The peer's FIN, if sent (acknowledgments are clamped below it, as Zeek's reassembler does).
        var peerFin: SequenceNumber?
    }

    /// Records segment of sender `s` (0 or 1): its letters, then Zeek's state machine on both shadow states.
    @inline(__always)
    mutating func record(
        _ segment: Segment, sender s: Int, time: Timestamp, state: inout ZeekEndpointState,
        peer: inout ZeekEndpointState, before: Before
    ) {
        let flags = segment.flags
        let syn = flags.contains(.syn), fin = flags.contains(.fin), rst = flags.contains(.rst)
        let seq = segment.sequence.rawValue
        if !(state.hasClosed && peer.hasClosed) { lastTime = time.nanoseconds }
        if state != .established || peer == .inactive || syn {
            noteStart(segment, sender: s, syn: syn, rst: rst, state: state, peer: peer)
        }
        if !(syn || fin || rst) && state == .established && peer == .established && segment.window != 0 {
            // The common case, data or an ACK between established endpoints: no state changes, only `d`/`a`,
            // `t` and `g` can be written (the same rules as below, without the rest).
            append(segment.payloadLength > 0 ? UInt8(ascii: "d") : UInt8(ascii: "a"), sender: s)
            if segment.payloadLength > 0, let highest = before.senderHighest,
                !(highest < segment.sequence + segment.payloadLength)
            {
                if Self.countReachesScale(&retransmissions, sender: s) { addScaled(UInt8(ascii: "t"), sender: s) }
            }
            if flags.contains(.ack), let peerHighest = before.peerHighest, peerHighest < segment.acknowledgment {
                gap(segment.acknowledgment, peerHighest: peerHighest, peerFin: before.peerFin, sender: s)
            }
            return
        }
        // update_history: one control letter, or data, or a pure ACK.
        switch (syn ? 1 : 0) + (fin ? 1 : 0) + (rst ? 1 : 0) {
        case 0:
            if segment.payloadLength > 0 {
                append(UInt8(ascii: "d"), sender: s)
            } else if flags.contains(.ack) {
                append(UInt8(ascii: "a"), sender: s)
            }
        case 1:
            if syn {
                let letter = flags.contains(.ack) ? UInt8(ascii: "h") : UInt8(ascii: "s")
                let differs = Self.swap(seq, into: &lastSyn, sender: s)
                repeatable(letter, bit: UInt8(ascii: "s"), differs: differs, sender: s)
            } else if fin {
                let differs = Self.swap(seq &+ segment.payloadLength, into: &lastFin, sender: s)
                repeatable(UInt8(ascii: "f"), bit: UInt8(ascii: "f"), differs: differs, sender: s)
            } else {
                let differs = Self.swap(seq, into: &lastRst, sender: s)
                repeatable(UInt8(ascii: "r"), bit: UInt8(ascii: "r"), differs: differs, sender: s)
            }
        default:
            append(fin && rst ? UInt8(ascii: "i") : UInt8(ascii: "q"), sender: s)
        }
        // update_window: a zero window, not on a RST, not after the peer's FIN or the sender's RST.
        if segment.window == 0 && !rst && peer != .closed && state != .reset {
            if Self.countReachesScale(&zeroWindows, sender: s) { addScaled(UInt8(ascii: "w"), sender: s) }
        }
        // update_last_seq: payload that does not pass the highest end seen is a retransmission.
        if segment.payloadLength > 0, state != .reset, let highest = before.senderHighest,
            !(highest < segment.sequence + segment.sequenceLength)
        {
            if Self.countReachesScale(&retransmissions, sender: s) { addScaled(UInt8(ascii: "t"), sender: s) }
        }
        updateStates(segment, sender: s, state: &state, peer: &peer)
        // The reassembler's Gap: the peer's data acknowledged but never seen, while both sides are
        // established or cleanly closing; the letter is the peer's.
        if flags.contains(.ack) && !rst, let peerHighest = before.peerHighest,
            state == .established || state == .closed, peer == .established || peer == .closed
        {
            gap(segment.acknowledgment, peerHighest: peerHighest, peerFin: before.peerFin, sender: s)
        }
    }

    /// Where the data of the sender and of its peer starts (`dataStart`): Zeek's `init_endpoint` for the
    /// sender while it is inactive (and a SYN that restarts it), `init_peer` on each ACK while the peer is
    /// inactive. `state` and `peer` are the shadow states before this segment.
    private mutating func noteStart(
        _ segment: Segment, sender s: Int, syn: Bool, rst: Bool, state: ZeekEndpointState, peer: ZeekEndpointState
    ) {
        let bit: UInt8 = s == 0 ? 1 : 2
        let fromRST: UInt8 = bit << 2
        let restarts = syn && !rst && (state == .partial || state == .established || started & fromRST != 0)
        if state == .inactive || restarts {
            let start = syn ? segment.sequence.rawValue &+ 1 : segment.sequence.rawValue
            if s == 0 { dataStart.0 = start } else { dataStart.1 = start }
            started = (started | bit) & ~fromRST | (rst && !syn ? fromRST : 0)
        }
        if peer == .inactive && segment.flags.contains(.ack) && !rst {
            let peerBit: UInt8 = 3 - bit
            if s == 0 {
                dataStart.1 = segment.acknowledgment.rawValue
            } else {
                dataStart.0 = segment.acknowledgment.rawValue
            }
            started |= peerBit
        }
    }

    /// An acknowledgment from `s` past the peer's data seen (`peerHighest`; clamped at the peer's FIN) is a
    /// content gap in the peer's data, counted once per acknowledgment that moves past the last one counted.
    private mutating func gap(
        _ acknowledgment: SequenceNumber, peerHighest: SequenceNumber, peerFin: SequenceNumber?, sender s: Int
    ) {
        var ack = acknowledgment
        if let peerFin, peerFin < ack { ack = peerFin }
        let p = 1 - s
        let counted = SequenceNumber(p == 0 ? gapAcked.0 : gapAcked.1)
        guard peerHighest < ack, counted < ack || counted == SequenceNumber(0) else { return }
        if p == 0 { gapAcked.0 = ack.rawValue } else { gapAcked.1 = ack.rawValue }
        if Self.countReachesScale(&gaps, sender: p) { addScaled(UInt8(ascii: "g"), sender: p) }
    }

    /// A segment with a bad checksum: Zeek writes `c` (scaled) and analyses nothing else of it.
    mutating func recordBadChecksum(sender s: Int) {
        if Self.countReachesScale(&badChecksums, sender: s) { addScaled(UInt8(ascii: "c"), sender: s) }
    }

    /// Zeek's `UpdateStateMachine` on the sender's and the peer's shadow states. Roles are read from the
    /// states: an endpoint that sends a SYN while its peer is still inactive opened the connection; a SYN-ACK
    /// from an inactive endpoint is the responder's (Zeek flips the roles of a connection first seen at its
    /// SYN-ACK), which makes it and a SYN_SENT peer established at once.
    @inline(__always)
    private mutating func updateStates(
        _ segment: Segment, sender s: Int, state: inout ZeekEndpointState, peer: inout ZeekEndpointState
    ) {
        let flags = segment.flags
        let syn = flags.contains(.syn), fin = flags.contains(.fin), rst = flags.contains(.rst)
        switch state {
        case .inactive:
            if syn && !(fin || rst) {
                if flags.contains(.ack) || peer != .inactive {
                    state = .established
                    if peer == .synSent || peer == .synAckSent { peer = .established }
                } else {
                    state = .synSent
                }
            } else if fin && !rst {
                state = .closed
            } else if rst {
                state = .reset
            } else if syn {
                state = .synSent
            } else if flags.contains(.ack) && peer == .established {
                state = .established
            } else if !(flags.contains(.ack) && segment.payloadLength == 0 && peer == .synSent) {
                state = .partial
            }
        case .synSent, .synAckSent:
            if rst {
                state = .reset
            } else if fin {
                state = .closed
            }
        case .established, .partial:
            if rst {
                state = .reset
            } else if fin {
                state = .closed
                let p = 1 - s
                if peer == .reset && (p == 0 ? resetAfterClose.0 : resetAfterClose.1) { peer = .closed }
            } else if state == .partial && syn && !flags.contains(.ack) && peer == .inactive {
                state = .synSent
            }
        case .closed:
            // A RST after both FINs leaves both CLOSED (SF).
            if rst && peer != .closed {
                state = .reset
                if s == 0 { resetAfterClose.0 = true } else { resetAfterClose.1 = true }
            }
        case .reset:
            break
        }
    }

    /// The RST of a SYN_SENT endpoint that aborted its peer's stale state (RFC 9293 figures 8 and 9): Zeek
    /// would end one connection there and start another with the retried SYN; here it is one connection, so
    /// the shadow states start again, and the letters go on.
    static func restartAfterStaleAbort(_ a: inout ZeekEndpointState, _ b: inout ZeekEndpointState) {
        a = .inactive
        b = .inactive
    }

    /// (The test inlined, the append not: nearly every segment repeats a letter its direction has shown.)
    @inline(__always)
    private mutating func append(_ letter: UInt8, sender s: Int) {
        let bit = Self.bit(letter, sender: s)
        guard seen & bit == 0 else { return }
        add(letter, sender: s, bit: bit)
    }

    @inline(__always)
    private static func bit(_ letter: UInt8, sender s: Int) -> UInt64 {
        UInt64(1) << UInt64(Int(letter - UInt8(ascii: "a")) + (s == 0 ? 0 : 32))
    }

    /// Stores `value` as direction `s`'s latest; true when it differs from the one before.
    @inline(__always)
    private static func swap(_ value: UInt32, into last: inout (UInt32, UInt32), sender s: Int) -> Bool {
        let previous = s == 0 ? last.0 : last.1
        if s == 0 { last.0 = value } else { last.1 = value }
        return previous != value
    }

    /// `s`/`h`, `f`, `r`: written the first time (per direction, on `maskLetter`'s bit), then again whenever
    /// the sequence number differs from the last one of the kind.
    @inline(__always)
    private mutating func repeatable(_ letter: UInt8, bit maskLetter: UInt8, differs: Bool, sender s: Int) {
        let bit = Self.bit(maskLetter, sender: s)
        if seen & bit == 0 || differs { add(letter, sender: s, bit: bit) }
    }

    /// Counts one event of a scaled letter for direction `s`: true at the 1st, 10th, 100th, … (Zeek's
    /// `ScaledHistoryEntry`).
    private static func countReachesScale(_ count: inout (UInt32, UInt32), sender s: Int) -> Bool {
        let n: UInt32
        if s == 0 {
            count.0 &+= 1
            n = count.0
        } else {
            count.1 &+= 1
            n = count.1
        }
        var threshold: UInt32 = 1
        while threshold < n && threshold <= UInt32.max / 10 { threshold *= 10 }
        return threshold == n
    }

    private mutating func addScaled(_ letter: UInt8, sender s: Int) {
        add(letter, sender: s, bit: Self.bit(letter, sender: s))
    }

    @inline(never)
    private mutating func add(_ letter: UInt8, sender s: Int, bit: UInt64) {
        seen |= bit
        letters.append(letter, sender: s)
    }
}
