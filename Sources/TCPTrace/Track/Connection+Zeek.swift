/// The figures of Zeek's conn.log that are not letters or states (`ZeekHistory`): what `set_conn` in Zeek's
/// `base/protocols/conn/main.zeek` and `TCP_Endpoint::Size` compute, from what the tracker kept
/// (docs/zeek.md, "How each field is made").
extension Connection {
    /// Zeek's `duration`: from the first packet to the last one that arrived while an endpoint had not yet
    /// closed by a FIN or a RST (Zeek stops `LastTime` once both did: a final ACK does not count).
    public var zeekDuration: Double {
        Double(zeek.lastTime &- start.nanoseconds) / 1e9
    }

    /// Zeek's `orig_bytes`/`resp_bytes` for endpoint `i`: the sequence space its data spans, not a sum of
    /// payloads: from where its data starts (`ZeekHistory.dataStart`) to the furthest of the highest sequence
    /// it sent and the highest acknowledgment its peer sent, less its FIN; 0 for an endpoint Zeek still holds
    /// inactive (it never sent: a one-sided capture). Bytes lost before the capture point count; retransmitted
    /// ones count once. Beyond 4 GiB the 32-bit span is carried up to the unique bytes seen.
    public func zeekBytes(_ i: Int) -> UInt64 {
        guard let start = zeekDataStart(i) else { return 0 }
        var end = side(i, \.highestSequence) ?? start
        if let acknowledged = side(1 - i, \.stats.lastAck), end < acknowledged { end = acknowledged }
        guard start < end else { return 0 }
        var span = UInt64(end.relative(to: start))
        if side(i, \.finCount) > 0 { span -= 1 }
        let unique = side(i, \.stats.uniqueBytes)
        while span + (1 << 32) <= unique { span += 1 << 32 }
        return span
    }

    /// Zeek's `missed_bytes`: the sequence space each side's peer acknowledged (up to the FIN) that the capture
    /// never showed, as Zeek's reassembler reports content gaps when an acknowledgment passes data it never
    /// had. None while an endpoint is partial (Zeek's `report_gaps_for_partial` is off) and none in a hole
    /// nothing acknowledged (data lost and never acknowledged before a RST).
    public var zeekMissedBytes: UInt64 {
        guard sideA.zeekState != .partial && sideB.zeekState != .partial else { return 0 }
        return missedBytes(0) &+ missedBytes(1)
    }

    /// What the peer of endpoint `i` acknowledged of `i`'s data (up to its FIN) that was never seen: the
    /// acknowledged span less the unique bytes seen in it, which are the unique bytes seen less those seen
    /// beyond the acknowledgment (data in flight when the capture ended: that stretch less the holes the data
    /// phase still holds in it, `DirectionStats.holes`, stretches never filled).
    private func missedBytes(_ i: Int) -> UInt64 {
        guard let start = zeekDataStart(i), var end = side(1 - i, \.stats.lastAck) else { return 0 }
        let fin = side(i, \.finSequence)
        if let fin, fin < end { end = fin }
        guard start < end else { return 0 }
        var span = UInt64(end.relative(to: start))
        var tailSeen: UInt64 = 0
        if let highest = side(i, \.highestSequence), end < highest {
            var tail = UInt64(highest.relative(to: end))
            if let fin, !(fin < end) { tail -= 1 }  // (the FIN's own sequence number is no data)
            var holes: UInt64 = 0
            for hole in side(i, \.stats.holes) {
                let from = end < hole.start ? hole.start : end
                let to = hole.end < highest ? hole.end : highest
                if from < to { holes += UInt64(to.relative(to: from)) }
            }
            tailSeen = tail > holes ? tail - holes : 0
        }
        let unique = side(i, \.stats.uniqueBytes)
        let seen = unique > tailSeen ? unique - tailSeen : 0
        while span + (1 << 32) <= seen { span += 1 << 32 }
        return span > seen ? span - seen : 0
    }

    /// Where endpoint `i`'s data starts for Zeek (`ZeekHistory.dataStart`), or nil when Zeek counts none of it:
    /// no start known, or the endpoint is still inactive (it never sent).
    private func zeekDataStart(_ i: Int) -> SequenceNumber? {
        let bit: UInt8 = i == 0 ? 1 : 2
        guard zeek.started & bit != 0, side(i, \.zeekState) != .inactive else { return nil }
        return SequenceNumber(i == 0 ? zeek.dataStart.0 : zeek.dataStart.1)
    }
}
