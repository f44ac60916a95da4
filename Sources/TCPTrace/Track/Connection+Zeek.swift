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
    /// payloads: from where its data starts to the furthest of the highest sequence it sent and the highest
    /// acknowledgment its peer sent, less its FIN. Bytes lost before the capture point count; retransmitted
    /// ones count once. Beyond 4 GiB the 32-bit span is carried up to the unique bytes seen.
    public func zeekBytes(_ i: Int) -> UInt64 {
        let bit: UInt8 = i == 0 ? 1 : 2
        guard zeek.started & bit != 0 else { return 0 }
        let start = SequenceNumber(i == 0 ? zeek.dataStart.0 : zeek.dataStart.1)
        var end = side(i, \.highestSequence) ?? start
        if let acknowledged = side(1 - i, \.stats.lastAck), end < acknowledged { end = acknowledged }
        guard start < end else { return 0 }
        var span = UInt64(end.relative(to: start))
        if side(i, \.finCount) > 0 { span -= 1 }
        let unique = side(i, \.stats.uniqueBytes)
        while span + (1 << 32) <= unique { span += 1 << 32 }
        return span
    }

    /// Zeek's `missed_bytes`: bytes of both directions' sequence space never captured (content gaps).
    public var zeekMissedBytes: UInt64 {
        sideA.stats.gapBytes &+ sideB.stats.gapBytes
    }
}
