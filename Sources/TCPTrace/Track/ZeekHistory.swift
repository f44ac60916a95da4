/// Zeek's view of a connection, emulated beside the RFC 9293 state machine: the `history` letters and the
/// shadow endpoint states that `conn_state` is derived from (Zeek's `TCPSessionAdapter.cc` and
/// `base/protocols/conn/main.zeek`). Every change of a `ZeekEndpointState` happens in this file.
struct ZeekHistory: Sendable {
    /// Letters in order of first appearance per direction (lower case), with the endpoint that sent each.
    private(set) var letters: [UInt8] = []
    private(set) var senders: [UInt8] = []
    /// One bit per (direction, letter): 26 letters in each 32-bit half.
    private var seen: UInt64 = 0

    /// Records the segment's letter for its sender (`s`, 0 or 1) and moves the sender's shadow state.
    @inline(__always)
    mutating func record(_ segment: Segment, sender s: Int, state: inout ZeekEndpointState) {
        let flags = segment.flags
        var letter: UInt8
        if flags.contains(.syn) && flags.contains(.rst) {
            letter = UInt8(ascii: "i")
        } else if flags.contains(.syn) {
            letter = flags.contains(.ack) ? UInt8(ascii: "h") : UInt8(ascii: "s")
            switch state {
            case .inactive, .synSent: state = flags.contains(.ack) ? .synAckSent : .synSent
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
            if state == .inactive { state = .partial }
            if flags.contains(.rst) {
                state = .reset
            } else if flags.contains(.fin) && state != .reset {
                state = .closed
            }
        }
        append(letter, sender: s)
        // A FIN or RST segment with payload also shows data.
        if (flags.contains(.fin) || flags.contains(.rst)) && segment.payloadLength > 0 {
            append(UInt8(ascii: "d"), sender: s)
        }
    }

    /// The handshake completed (an ACK of the peer's SYN): a side that sent a SYN or SYN-ACK is established.
    static func synAcknowledged(sender: inout ZeekEndpointState, peer: inout ZeekEndpointState) {
        if sender == .synSent || sender == .synAckSent { sender = .established }
        if peer == .synSent || peer == .synAckSent { peer = .established }
    }

    /// (The test inlined, the append not: nearly every segment repeats a letter its direction has shown.)
    @inline(__always)
    private mutating func append(_ letter: UInt8, sender s: Int) {
        let bit = UInt64(1) << UInt64(Int(letter - UInt8(ascii: "a")) + (s == 0 ? 0 : 32))
        guard seen & bit == 0 else { return }
        add(letter, sender: s, bit: bit)
    }

    @inline(never)
    private mutating func add(_ letter: UInt8, sender s: Int, bit: UInt64) {
        seen |= bit
        letters.append(letter)
        senders.append(UInt8(s))
    }
}
