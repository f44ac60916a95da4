/// A new incarnation of a 4-tuple: what it inherits from the previous one, and the judgement of a reuse
/// inside TIME_WAIT (RFC 9293 3.4.2: 2·MSL; RFC 1122 4.2.2.13 and RFC 6191: a SYN may reuse a 4-tuple in
/// TIME_WAIT when its ISN lies beyond the old connection's final sequence number).
extension Connection {
    /// Takes on the previous incarnation `old` of this 4-tuple, opened again by `segment`: remembers the old
    /// sequence spaces (to recognise its delayed segments) and, when the new segment came within 2·MSL of
    /// the old TIME_WAIT, raises `time-wait-reuse` with the verdict on the new ISN. Returns the seconds from
    /// the old TIME_WAIT to this segment in that case, nil otherwise.
    mutating func follow(
        _ old: TimeWaitRecord, opening segment: Segment, frame: Int, time: Timestamp, msl: Double
    ) -> Double? {
        previousSpace = (old.space(of: sideA.endpoint, key: key), old.space(of: sideB.endpoint, key: key))
        previousConnectionID = old.connectionID
        guard let twStart = old.timeWaitStart else { return nil }
        let gap = twStart.interval(to: time)
        // (A SYN stamped before the TIME_WAIT began crossed a backward timestamp step: no gap to judge.)
        guard gap >= 0, gap <= 2 * msl else { return nil }
        let source = Endpoint(address: segment.source, port: segment.sourcePort)
        let holder = old.holder.map(\.rawValue) ?? "?"
        var verdict = "the old connection's final sequence number is unknown"
        if let oldFinal = old.finalSequence(from: source, key: key) {
            verdict =
                oldFinal < segment.sequence
                ? "new ISN \(segment.sequence) is beyond the old final sequence \(oldFinal): acceptable "
                    + "reuse (RFC 1122 4.2.2.13, RFC 6191)"
                : "new ISN \(segment.sequence) is not beyond the old final sequence \(oldFinal): old "
                    + "duplicates could be taken as new data"
        }
        report(
            .timeWaitReuse, frame: frame, time: time, sender: 0,
            "SYN \(Format.seconds(gap)) after the \(holder) entered TIME_WAIT in connection "
                + "\(old.connectionID) (2·MSL = \(Format.seconds(2 * msl))); \(verdict)")
        return gap
    }
}
