/// Turns a connection's recorded timeline into ladder rows: one per segment, long runs of plain data/ACK
/// segments (no SYN/FIN/RST, no state change, no finding) folded to their first and last two.
public enum LadderLayout {
    public static func rows(
        for c: Connection, full: Bool = false, foldThreshold: Int = 6, msl: Double = 30
    )
        -> [LadderRow]
    {
        guard let entries = c.timeline, !entries.isEmpty else { return [] }
        let isn = [
            c[0].isn ?? entries.first { $0.senderIndex == 0 }?.sequence,
            c[1].isn ?? entries.first { $0.senderIndex == 1 }?.sequence,
        ]
        var highest: [SequenceNumber?] = [nil, nil]
        var segments: [LadderSegment] = []
        var boring: [Bool] = []
        var previous: (TCPState, TCPState) = (.closed, .closed)
        var previousTime: Timestamp?
        for e in entries {
            var retransmission = false
            if e.payloadLength > 0 {
                let end = e.sequence + e.payloadLength
                if let h = highest[e.senderIndex], !(h < end) { retransmission = true }
                if highest[e.senderIndex].map({ $0 < end }) ?? true { highest[e.senderIndex] = end }
            }
            let now = [e.states.0, e.states.1]
            let before = [previous.0, previous.1]
            previous = e.states
            let findings = c.findings.filter { $0.frame == e.frame }
            var segment = LadderSegment(
                frame: e.frame, time: c.start.interval(to: e.time), fromClient: e.senderIndex == c.clientIndex,
                flags: e.flags,
                seq: isn[e.senderIndex].map { e.sequence.relative(to: $0) } ?? e.sequence.rawValue,
                ack: e.flags.contains(.ack)
                    ? (isn[1 - e.senderIndex].map { e.acknowledgment.relative(to: $0) } ?? e.acknowledgment.rawValue)
                    : nil,
                length: e.payloadLength,
                clientState: now[c.clientIndex] != before[c.clientIndex] ? now[c.clientIndex] : nil,
                serverState: now[c.serverIndex] != before[c.serverIndex] ? now[c.serverIndex] : nil,
                findings: findings, retransmission: retransmission)
            segment.at = e.time
            segment.previous = previousTime
            previousTime = e.time
            segments.append(segment)
            boring.append(
                !e.flags.contains(.syn) && !e.flags.contains(.fin) && !e.flags.contains(.rst)
                    && segment.clientState == nil && segment.serverState == nil && findings.isEmpty)
        }
        var rows: [LadderRow] = []
        var i = 0
        while i < segments.count {
            if !full && boring[i] {
                var j = i
                while j < segments.count && boring[j] { j += 1 }
                if j - i > foldThreshold {
                    let folded = segments[(i + 2)..<(j - 2)]
                    rows += segments[i..<(i + 2)].map { .segment($0) }
                    rows.append(
                        .fold(
                            segments: folded.count, bytes: folded.reduce(0) { $0 + UInt64($1.length) },
                            retransmissions: folded.filter(\.retransmission).count))
                    rows += segments[(j - 2)..<j].map { .segment($0) }
                    i = j
                    continue
                }
            }
            rows.append(.segment(segments[i]))
            i += 1
        }
        if c.client.state == .timeWait { rows.append(.timeWait(client: true, seconds: 2 * msl)) }
        if c.server.state == .timeWait { rows.append(.timeWait(client: false, seconds: 2 * msl)) }
        return rows
    }
}
