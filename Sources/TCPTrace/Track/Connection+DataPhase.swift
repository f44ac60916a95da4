/// Data-phase analysis: per-segment classification (retransmissions, out-of-order, holes, duplicate ACKs,
/// windows, probes, keep-alives) and per-direction statistics. Runs before the state machine so it sees each
/// endpoint's highest sequence number as it was before the segment. docs/findings.md "Data phase" states the rules.
extension Connection {
    /// Out-of-order vs retransmission threshold when no handshake RTT is known (Wireshark uses the same 3 ms).
    static let defaultReorderWindow = 0.003

    /// The shift applied to the windows `index` advertises: its own window scale when both sides offered one
    /// on their SYNs (RFC 7323 2.2), else 0; capped at 14 (RFC 7323 2.3).
    @inline(__always)
    func windowShift(of index: Int) -> UInt64 {
        let (mine, theirs) =
            index == 0 ? (sideA.windowScale, sideB.windowScale) : (sideB.windowScale, sideA.windowScale)
        guard let mine, theirs != nil else { return 0 }
        return UInt64(min(mine, 14))
    }

    /// States in which an endpoint exchanges data (no array literal: this runs for every ACK).
    static func carriesData(_ state: TCPState) -> Bool {
        switch state {
        case .established, .finWait1, .finWait2, .closeWait: true
        default: false
        }
    }

    /// Runs the data-phase analysis on the sender and the peer in place, then reports what it found.
    mutating func analyzeDataPhase(_ segment: Segment, from s: Int, frame: Int, time: Timestamp) {
        let context = DataPhaseContext(senderShift: windowShift(of: s), senderIsClient: s == clientIndex)
        withFoundFindings(capacity: 4) { found in
            withEndpoints(sender: s) { sender, peer, _ in
                DataPhase.run(segment, sender: &sender, peer: &peer, context: context, time: time, found: &found)
            }
            for i in 0..<found.count { report(found[i].code, frame: frame, time: time, sender: s, found[i].detail) }
        }
    }
}
