/// SVG pictures of one connection: the ladder, a time-sequence graph per direction, RTT samples and
/// throughput over time. Every graph caps its points and says so when it does.
public enum ConnectionPictures {
    /// Most segments drawn in one time-sequence graph; beyond it every k-th data segment is drawn.
    public static let maxPoints = 3000
    /// Most ladder rows drawn; beyond it the first and last halves are drawn.
    public static let maxLadderRows = 400

    // MARK: Ladder

    public static func ladder(_ c: Connection, msl: Double) -> String {
        ladderPicture(c, msl: msl).document(cls: "ladder")
    }

    static func ladderPicture(_ c: Connection, msl: Double) -> SVG {
        var rows = LadderLayout.rows(for: c, msl: msl)
        var note: String?
        if rows.count > maxLadderRows {
            note = "showing the first and last \(maxLadderRows / 2) of \(rows.count) rows"
            rows = Array(rows.prefix(maxLadderRows / 2)) + Array(rows.suffix(maxLadderRows / 2))
        }
        let clientX = 170.0, serverX = 530.0, top = 58.0
        var heights: [Double] = rows.map { row in
            if case .segment(let s) = row { return 30 + Double(s.findings.count) * 12 }
            return 24
        }
        if note != nil { heights.append(20) }
        let height = Int(top + heights.reduce(0, +) + 20)
        var svg = SVG(width: 720, height: height)
        svg.text(clientX, 16, "client", cls: "state", anchor: "middle")
        svg.text(clientX, 30, c.client.endpoint.description, cls: "frame", anchor: "middle")
        svg.text(serverX, 16, "server", cls: "state", anchor: "middle")
        svg.text(serverX, 30, c.server.endpoint.description, cls: "frame", anchor: "middle")
        svg.line(clientX, 38, clientX, Double(height) - 10, cls: "rail")
        svg.line(serverX, 38, serverX, Double(height) - 10, cls: "rail")
        svg.text(clientX - 8, 50, "CLOSED", cls: "state", anchor: "end")
        svg.text(serverX + 8, 50, "CLOSED", cls: "state", anchor: "start")
        var y = top
        if let note { svg.text(350, y + 12, note, cls: "fold", anchor: "middle"); y += 20 }
        for (row, h) in zip(rows, heights) {
            switch row {
            case .segment(let s):
                let from = s.fromClient ? clientX : serverX, to = s.fromClient ? serverX : clientX
                svg.text((clientX + serverX) / 2, y + 10, s.label, cls: "frame", anchor: "middle")
                let cls =
                    s.findings.map(\.severity).max().map { "finding-\($0.rawValue)" } ?? (s.fromClient ? "c2s" : "s2c")
                svg.line(from, y + 14, to, y + 24, cls: cls, title: "frame \(s.frame): \(s.label)", marker: true)
                if let state = s.clientState {
                    svg.text(clientX - 8, y + 26, state.rawValue, cls: "state", anchor: "end")
                }
                if let state = s.serverState {
                    svg.text(serverX + 8, y + 26, state.rawValue, cls: "state", anchor: "start")
                }
                svg.text(715, y + 26, "#\(s.frame) \(Format.fixed(s.time, decimals: 6))", cls: "frame", anchor: "end")
                for (n, f) in s.findings.enumerated() {
                    svg.text(
                        (clientX + serverX) / 2, y + 38 + Double(n) * 12, "⚠ \(f.code.rawValue)",
                        cls: "finding-\(f.severity.rawValue)", anchor: "middle")
                }
            case .fold(let count, let bytes, let retransmissions):
                svg.text(
                    (clientX + serverX) / 2, y + 15,
                    LadderRow.foldText(segments: count, bytes: bytes, retransmissions: retransmissions),
                    cls: "fold", anchor: "middle")
            case .timeWait(let isClient, let seconds):
                let x = isClient ? clientX : serverX
                svg.text(
                    isClient ? x + 8 : x - 8, y + 15,
                    "TIME_WAIT 2·MSL = \(Format.fixed(seconds, decimals: 0)) s → CLOSED", cls: "state",
                    anchor: isClient ? "start" : "end")
            }
            y += h
        }
        return svg
    }

    // MARK: Time-sequence graph

    /// Sequence numbers (relative to the sender's ISN) against time for the segments `sender` sent: data
    /// as vertical bars (retransmissions red), SYN/FIN/RST marked, the receiver's ACK line and advertised
    /// window edge (scaled), its SACK blocks, and the findings on this direction.
    public static func timeSequence(_ c: Connection, sender: Int) -> String? {
        timeSequencePicture(c, sender: sender)?.document(cls: "tsg")
    }

    static func timeSequencePicture(_ c: Connection, sender: Int) -> SVG? {
        guard let entries = c.timeline, !entries.isEmpty else { return nil }
        let receiver = 1 - sender
        guard let base = c[sender].isn ?? entries.first(where: { $0.senderIndex == sender })?.sequence else {
            return nil
        }
        let bothScale = c[sender].synOptions?.windowScale != nil && c[receiver].synOptions?.windowScale != nil
        let shift = bothScale ? min(14, Int(c[receiver].synOptions?.windowScale ?? 0)) : 0
        let sent = entries.filter { $0.senderIndex == sender }
        let acks = entries.filter { $0.senderIndex == receiver && $0.flags.contains(.ack) }
        let dataCount = sent.filter { $0.payloadLength > 0 }.count
        let stride = max(1, (dataCount + maxPoints - 1) / maxPoints)
        func rel(_ s: SequenceNumber) -> Double { Double(s.relative(to: base)) }
        var maxY = 1.0
        for e in sent { maxY = max(maxY, rel(e.sequence + e.payloadLength)) }
        var ackPoints: [(Double, Double)] = [], windowPoints: [(Double, Double)] = []
        for e in acks {
            let t = c.start.interval(to: e.time)
            let a = rel(e.acknowledgment)
            guard a < 4_000_000_000 else { continue }  // an ACK before the ISN (mid-stream) stays off the graph
            let window = e.flags.contains(.syn) ? Double(e.window) : Double(Int(e.window) << shift)
            ackPoints.append((t, a))
            windowPoints.append((t, a + window))
            maxY = max(maxY, a)
        }
        // Room above the data for the window edge, which is clamped to the top when it is far above.
        maxY *= 1.25
        let duration = max(c.start.interval(to: c.end), 1e-6)
        let width = 720.0, height = 260.0, left = 70.0, right = 20.0, top = 24.0, bottom = 30.0
        func x(_ t: Double) -> Double { left + (t / duration) * (width - left - right) }
        func y(_ v: Double) -> Double { height - bottom - (v / maxY) * (height - top - bottom) }
        var svg = SVG(width: Int(width), height: Int(height))
        let title = "\(c.role(of: sender).rawValue) → \(c.role(of: receiver).rawValue): sequence numbers"
        svg.text(left, 14, title, cls: "state")
        axes(
            &svg, left: left, right: width - right, top: top, bottom: height - bottom, maxX: duration, maxY: maxY,
            x: x, y: y)
        if stride > 1 {
            svg.text(
                width - right, 14, "every \(stride)th of \(dataCount) data segments shown", cls: "fold", anchor: "end")
        }
        svg.polyline(step(ackPoints).map { (x($0.0), y($0.1)) }, cls: "ackline")
        svg.polyline(step(windowPoints).map { (x($0.0), y(min($0.1, maxY))) }, cls: "winline")
        var highest: SequenceNumber?
        var dataIndex = 0
        for e in sent {
            let t = c.start.interval(to: e.time)
            if e.payloadLength > 0 {
                let end = e.sequence + e.payloadLength
                let retrans = highest.map { !($0 < end) } ?? false
                if highest.map({ $0 < end }) ?? true { highest = end }
                dataIndex += 1
                if retrans || dataIndex % stride == 0 {
                    svg.line(
                        x(t), y(rel(e.sequence)), x(t), min(y(rel(e.sequence)) - 1, y(rel(end))),
                        cls: retrans ? "retrans" : "data",
                        title: "frame \(e.frame): seq \(Int(rel(e.sequence))) len \(e.payloadLength)"
                            + (retrans ? " (retransmission)" : ""))
                }
            }
            for (flag, mark) in [(TCPFlags.syn, "S"), (.fin, "F"), (.rst, "R")] where e.flags.contains(flag) {
                svg.text(x(t) + 2, y(rel(e.sequence + e.payloadLength)) - 3, mark, cls: "flagmark")
            }
        }
        for e in acks where e.sack.count > 0 {
            let t = c.start.interval(to: e.time)
            for i in 0..<e.sack.count {
                svg.line(
                    x(t), y(rel(e.sack[i].left)), x(t), y(rel(e.sack[i].right)), cls: "sack",
                    title: "frame \(e.frame): SACK \(Int(rel(e.sack[i].left)))-\(Int(rel(e.sack[i].right)))")
            }
        }
        for f in c.findings where f.senderIndex == sender {
            let t = c.start.interval(to: f.time)
            let seq = entries.first { $0.frame == f.frame }.map { rel($0.sequence) } ?? 0
            svg.circle(
                x(t), y(min(seq, maxY)), r: 5, cls: "finding-\(f.severity.rawValue)",
                title: "frame \(f.frame): \(f.code.rawValue): \(f.detail)")
        }
        return svg
    }

    // MARK: RTT and throughput

    /// RTT samples: each data segment sent once (Karn's rule: no sample from retransmitted data) against
    /// the first ACK from the peer that covers it. (time since start, seconds, sender index).
    public static func rttSamples(_ c: Connection) -> [(time: Double, rtt: Double, sender: Int)] {
        guard let entries = c.timeline else { return [] }
        var pending: [[(end: SequenceNumber, time: Timestamp, retransmitted: Bool)]] = [[], []]
        var highest: [SequenceNumber?] = [nil, nil]
        var samples: [(Double, Double, Int)] = []
        for e in entries {
            let s = e.senderIndex
            if e.payloadLength > 0 {
                let end = e.sequence + e.payloadLength
                if let h = highest[s], !(h < end) {
                    // Karn: every pending segment this retransmission overlaps gives no sample.
                    for i in pending[s].indices where e.sequence < pending[s][i].end {
                        pending[s][i].retransmitted = true
                    }
                } else {
                    pending[s].append((end, e.time, false))
                    highest[s] = end
                }
            }
            if e.flags.contains(.ack) {
                let p = 1 - s
                while let first = pending[p].first, !(e.acknowledgment < first.end) {
                    if !first.retransmitted {
                        samples.append((c.start.interval(to: e.time), first.time.interval(to: e.time), p))
                    }
                    pending[p].removeFirst()
                }
            }
        }
        return samples
    }

    public static func rtt(_ c: Connection) -> String? { rttPicture(c)?.document(cls: "rtt") }

    static func rttPicture(_ c: Connection) -> SVG? {
        let samples = rttSamples(c)
        guard !samples.isEmpty else { return nil }
        let duration = max(c.start.interval(to: c.end), 1e-6)
        let maxRTT = max(samples.map(\.rtt).max() ?? 0, 1e-6) * 1.1
        let width = 720.0, height = 200.0, left = 70.0, right = 20.0, top = 24.0, bottom = 30.0
        func x(_ t: Double) -> Double { left + (t / duration) * (width - left - right) }
        func y(_ v: Double) -> Double { height - bottom - (v / maxRTT) * (height - top - bottom) }
        var svg = SVG(width: Int(width), height: Int(height))
        svg.text(left, 14, "RTT samples (ms), Karn's rule; blue: client data, red: server data", cls: "state")
        axes(
            &svg, left: left, right: width - right, top: top, bottom: height - bottom, maxX: duration,
            maxY: maxRTT * 1000, x: x, y: { y($0 / 1000) })
        let step = max(1, samples.count / maxPoints)
        for (i, s) in samples.enumerated() where i % step == 0 {
            svg.circle(
                x(s.time), y(s.rtt), r: 2.5, cls: s.sender == c.clientIndex ? "c2s" : "s2c",
                title: "\(Format.fixed(s.rtt * 1000, decimals: 3)) ms at \(Format.fixed(s.time, decimals: 6)) s")
        }
        return svg
    }

    /// New (not retransmitted) payload bytes per second in 40 time buckets, each direction.
    public static func throughput(_ c: Connection) -> String? { throughputPicture(c)?.document(cls: "throughput") }

    static func throughputPicture(_ c: Connection) -> SVG? {
        guard let entries = c.timeline, entries.contains(where: { $0.payloadLength > 0 }) else { return nil }
        let duration = max(c.start.interval(to: c.end), 1e-6)
        let buckets = 40
        var bytes = [[Double]](repeating: [Double](repeating: 0, count: buckets), count: 2)
        var highest: [SequenceNumber?] = [nil, nil]
        for e in entries where e.payloadLength > 0 {
            let end = e.sequence + e.payloadLength
            guard highest[e.senderIndex].map({ $0 < end }) ?? true else { continue }
            highest[e.senderIndex] = end
            let b = min(buckets - 1, Int(c.start.interval(to: e.time) / duration * Double(buckets)))
            bytes[e.senderIndex][max(0, b)] += Double(e.payloadLength)
        }
        let bucketSeconds = duration / Double(buckets)
        let rates = bytes.map { $0.map { $0 / bucketSeconds } }
        let maxRate = max(rates.flatMap { $0 }.max() ?? 0, 1) * 1.1
        let width = 720.0, height = 200.0, left = 70.0, right = 20.0, top = 24.0, bottom = 30.0
        func x(_ t: Double) -> Double { left + (t / duration) * (width - left - right) }
        func y(_ v: Double) -> Double { height - bottom - (v / maxRate) * (height - top - bottom) }
        var svg = SVG(width: Int(width), height: Int(height))
        svg.text(
            left, 14, "throughput (bytes/s) of new data; blue: client → server, red: server → client", cls: "state")
        axes(
            &svg, left: left, right: width - right, top: top, bottom: height - bottom, maxX: duration, maxY: maxRate,
            x: x, y: y)
        for side in 0..<2 {
            let points = (0..<buckets).map { (x((Double($0) + 0.5) * bucketSeconds), y(rates[side][$0])) }
            svg.polyline(points, cls: side == c.clientIndex ? "tput-c" : "tput-s")
        }
        return svg
    }

    /// Every picture of one connection stacked in one standalone SVG document (`report --format svg`).
    public static func combined(_ c: Connection, msl: Double) -> String {
        var parts: [SVG] = [ladderPicture(c, msl: msl)]
        for side in [c.clientIndex, c.serverIndex] {
            if let g = timeSequencePicture(c, sender: side) { parts.append(g) }
        }
        if let g = rttPicture(c) { parts.append(g) }
        if let g = throughputPicture(c) { parts.append(g) }
        var all = SVG(width: parts.map(\.width).max() ?? 720, height: parts.reduce(0) { $0 + $1.height + 10 })
        var y = 0
        for part in parts {
            all.group(part, y: y)
            y += part.height + 10
        }
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            + all.document(cls: "connection-\(c.id)", standalone: true)
    }

    // MARK: Helpers

    static func step(_ points: [(Double, Double)]) -> [(Double, Double)] {
        var out: [(Double, Double)] = []
        for p in points {
            if let last = out.last { out.append((p.0, last.1)) }
            out.append(p)
        }
        return out
    }

    static func axes(
        _ svg: inout SVG, left: Double, right: Double, top: Double, bottom: Double, maxX: Double,
        maxY: Double, x: (Double) -> Double, y: (Double) -> Double
    ) {
        svg.line(left, bottom, right, bottom, cls: "axis")
        svg.line(left, top, left, bottom, cls: "axis")
        for i in 0...4 {
            let tv = maxX * Double(i) / 4
            svg.text(x(tv), bottom + 14, Format.fixed(tv, decimals: 3) + " s", cls: "frame", anchor: "middle")
            let v = maxY * Double(i) / 4
            svg.line(left, y(v), right, y(v), cls: "grid")
            svg.text(
                left - 4, y(v) + 4,
                v >= 10_000 ? Format.fixed(v / 1000, decimals: 0) + "k" : Format.fixed(v, decimals: v < 10 ? 2 : 0),
                cls: "frame", anchor: "end")
        }
    }
}
