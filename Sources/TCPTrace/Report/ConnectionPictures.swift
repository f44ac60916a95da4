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

    /// Sequence numbers (relative to the sender's ISN) against time for the segments `sender` sent, as in
    /// tcptrace's and Wireshark's Stevens graph: each data segment a vertical bar from its first to past its last
    /// byte, coloured by what the analysis found on its frame (retransmission, fast retransmission, spurious
    /// retransmission, out of order, window probe or keep-alive); bytes never seen before a segment flagged
    /// lost-segment as a dashed bar; SYN/FIN/RST marked; the receiver's cumulative ACK as a step line and its
    /// advertised window's right edge (ACK + window, scaled) dashed above it; its SACK blocks; its zero-window
    /// advertisements as rings on the ACK line; other findings on this direction as dots. A legend names what is
    /// present.
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
        func time(_ e: TimelineEntry) -> Double { c.start.interval(to: e.time) }
        var maxY = 1.0
        for e in sent { maxY = max(maxY, rel(e.sequence + e.payloadLength)) }
        var ackPoints: [(Double, Double)] = [], windowPoints: [(Double, Double)] = []
        for e in acks {
            let a = rel(e.acknowledgment)
            guard a < 4_000_000_000 else { continue }  // an ACK before the ISN (mid-stream) stays off the graph
            let window = e.flags.contains(.syn) ? Double(e.window) : Double(Int(e.window) << shift)
            ackPoints.append((time(e), a))
            windowPoints.append((time(e), a + window))
            maxY = max(maxY, a)
        }
        var codes: [Int: Set<FindingCode>] = [:]
        for f in c.findings where f.senderIndex == sender { codes[f.frame, default: []].insert(f.code) }
        var g = TimeGraph(span: TimeGraph.span(c), height: 340, top: 48, yMax: maxY * 1.1, yUnit: "B")
        var present: Set<String> = ["data", "ackline", "winline"]
        // The window edge runs above the plot when the window is large; the clip path cuts it.
        g.plot.polyline(step(windowPoints).map { (g.x($0.0), g.y($0.1)) }, cls: "winline")
        g.plot.polyline(step(ackPoints).map { (g.x($0.0), g.y($0.1)) }, cls: "ackline")
        var highest: SequenceNumber?
        var dataIndex = 0
        for e in sent {
            let t = time(e)
            let found = codes[e.frame] ?? []
            if e.payloadLength == 0, found.contains(.zeroWindowProbe) || found.contains(.keepAlive) {
                // An empty probe has no bytes to span: a bar one byte tall at its sequence number.
                let y0 = g.y(rel(e.sequence))
                g.plot.line(
                    g.x(t), y0, g.x(t), min(y0 - minBar, g.y(rel(e.sequence) + 1)), cls: "probe",
                    title: "frame \(e.frame): seq \(Int(rel(e.sequence))) len 0 (\(legendLabel("probe")))")
                present.insert("probe")
            }
            if e.payloadLength > 0 {
                let end = e.sequence + e.payloadLength
                if found.contains(.lostSegment), let h = highest, h < e.sequence {
                    g.plot.line(
                        g.x(t), g.y(rel(h)), g.x(t), g.y(rel(e.sequence)), cls: "lost",
                        title: "frame \(e.frame): bytes \(Int(rel(h)))-\(Int(rel(e.sequence))) not captured")
                    present.insert("lost")
                }
                let cls = barClass(found, belowHighest: highest.map { !($0 < end) } ?? false)
                if highest.map({ $0 < end }) ?? true { highest = end }
                dataIndex += 1
                if cls != "data" || dataIndex % stride == 0 {
                    present.insert(cls)
                    let y0 = g.y(rel(e.sequence))
                    g.plot.line(
                        g.x(t), y0, g.x(t), min(y0 - minBar, g.y(rel(end))), cls: cls,
                        title: "frame \(e.frame): seq \(Int(rel(e.sequence))) len \(e.payloadLength)"
                            + (cls == "data" ? "" : " (\(legendLabel(cls)))"))
                }
            }
            for (flag, mark) in [(TCPFlags.syn, "S"), (.fin, "F"), (.rst, "R")] where e.flags.contains(flag) {
                let v = rel(e.sequence + e.payloadLength)
                g.pins.text(g.x(t) + 2, g.y(v) - 3, mark, cls: "flagmark", extra: g.pin(t, v))
            }
        }
        for e in acks where e.sack.count > 0 {
            for i in 0..<e.sack.count {
                g.plot.line(
                    g.x(time(e)), g.y(rel(e.sack[i].left)), g.x(time(e)), g.y(rel(e.sack[i].right)), cls: "sack",
                    title: "frame \(e.frame): SACK \(Int(rel(e.sack[i].left)))-\(Int(rel(e.sack[i].right)))")
                present.insert("sack")
            }
        }
        var byFrame: [Int: TimelineEntry] = [:]
        for e in entries where byFrame[e.frame] == nil { byFrame[e.frame] = e }
        var worst: Severity?
        for f in c.findings {
            let t = c.start.interval(to: f.time)
            if f.code == .zeroWindow, f.senderIndex == receiver {
                let a = byFrame[f.frame].map { rel($0.acknowledgment) } ?? 0
                g.pins.circle(
                    g.x(t), g.y(a), r: 5, cls: "zerowin", title: "frame \(f.frame): \(f.code.rawValue): \(f.detail)",
                    extra: g.pin(t, a))
                present.insert("zerowin")
            } else if f.senderIndex == sender, !drawnAsBar.contains(f.code) {
                let v = byFrame[f.frame].map { rel($0.sequence) } ?? 0
                g.pins.circle(
                    g.x(t), g.y(v), r: 4, cls: "finding-\(f.severity.rawValue)",
                    title: "frame \(f.frame): \(f.code.rawValue): \(f.detail)", extra: g.pin(t, v))
                present.insert("finding")
                worst = max(worst ?? f.severity, f.severity)
            }
        }
        let title = "\(c.role(of: sender).rawValue) → \(c.role(of: receiver).rawValue): relative sequence numbers"
        g.frame.text(TimeGraph.left, 14, title, cls: "state")
        var note = stride > 1 ? "every \(stride)th of \(dataCount) data segments shown" : ""
        if g.span.clipped { note += (note.isEmpty ? "" : "; ") + spanNote(g.span) }
        if !note.isEmpty { g.frame.text(g.plotRight, 14, note, cls: "fold", anchor: "end") }
        legend(&g.frame, legendOrder.filter { present.contains($0) }, y: 34, worst: worst ?? .warning)
        return g.picture(id: "c\(c.id)-tsg\(sender)", group: "c\(c.id)", fitY: true)
    }

    /// Least height of a bar in the first view, so that a segment stays visible on a graph of megabytes.
    static let minBar = 4.0

    /// Findings the time-sequence graph shows as a bar's colour, a gap or a ring rather than as a dot (a zero
    /// window on the graph of the direction it throttles).
    static let drawnAsBar: Set<FindingCode> = [
        .retransmission, .fastRetransmission, .spuriousRetransmission, .outOfOrder, .zeroWindowProbe, .keepAlive,
        .lostSegment, .zeroWindow,
    ]

    /// The class of a data segment's bar: the analysis's finding on its frame first, then a segment that ends at
    /// or below the highest byte sent before it (a retransmission the analysis did not name).
    static func barClass(_ found: Set<FindingCode>, belowHighest: Bool) -> String {
        if found.contains(.fastRetransmission) { return "fastre" }
        if found.contains(.spuriousRetransmission) { return "spurious" }
        if found.contains(.retransmission) { return "retrans" }
        if found.contains(.outOfOrder) { return "ooo" }
        if found.contains(.zeroWindowProbe) || found.contains(.keepAlive) { return "probe" }
        return belowHighest ? "retrans" : "data"
    }

    static let legendOrder = [
        "data", "retrans", "fastre", "spurious", "ooo", "probe", "lost", "ackline", "winline", "sack", "zerowin",
        "finding",
    ]

    static func legendLabel(_ cls: String) -> String {
        switch cls {
        case "data": "data"
        case "retrans": "retransmission"
        case "fastre": "fast retransmission"
        case "spurious": "spurious retransmission"
        case "ooo": "out of order"
        case "probe": "window probe / keep-alive"
        case "lost": "not captured"
        case "ackline": "ACK"
        case "winline": "receive window"
        case "sack": "SACK"
        case "zerowin": "zero window"
        case "finding": "other finding"
        default: cls
        }
    }

    /// One row of swatches and names; a swatch has the class of what it names, plus `key` (the dot of other
    /// findings takes the colour of the worst of them).
    static func legend(_ svg: inout SVG, _ classes: [String], y: Double, worst: Severity) {
        var x = TimeGraph.left
        for cls in classes {
            switch cls {
            case "ackline", "winline", "lost":
                svg.line(x, y - 4, x + 16, y - 4, cls: "key \(cls)")
            case "zerowin":
                svg.circle(x + 8, y - 4, r: 4, cls: "key zerowin", title: legendLabel(cls))
            case "finding":
                svg.circle(x + 8, y - 4, r: 4, cls: "key finding-\(worst.rawValue)", title: legendLabel(cls))
            default:
                svg.line(x + 8, y + 2, x + 8, y - 10, cls: "key \(cls)")
            }
            let label = legendLabel(cls)
            svg.text(x + 20, y, label, cls: "frame")
            x += 20 + Double(label.count) * 6.7 + 14
        }
    }

    /// Says that the time axis starts fitted to the data and how long the connection lasts.
    static func spanNote(_ span: TimeGraph.Span) -> String {
        "time fitted to the data (\(GraphAxis.human(span.shown, unit: "s")) of \(GraphAxis.human(span.full, unit: "s"))"
            + "); zoom out for the idle tail"
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
        let maxRTT = max(samples.map(\.rtt).max() ?? 0, 1e-6) * 1.1
        var g = TimeGraph(span: TimeGraph.span(c), height: 220, top: 26, yMax: maxRTT, yUnit: "s")
        g.frame.text(TimeGraph.left, 14, "RTT samples, Karn's rule; blue: client data, red: server data", cls: "state")
        let step = max(1, samples.count / maxPoints)
        for (i, s) in samples.enumerated() where i % step == 0 {
            g.pins.circle(
                g.x(s.time), g.y(s.rtt), r: 2.5, cls: s.sender == c.clientIndex ? "c2s" : "s2c",
                title: "\(GraphAxis.human(s.rtt, unit: "s")) at \(Format.fixed(s.time, decimals: 6)) s",
                extra: g.pin(s.time, s.rtt))
        }
        if g.span.clipped { g.frame.text(g.plotRight, 14, spanNote(g.span), cls: "fold", anchor: "end") }
        return g.picture(id: "c\(c.id)-rtt", group: "c\(c.id)", fitY: false)
    }

    /// Buckets of the throughput graph in the span first shown.
    public static let throughputBuckets = 60

    /// New (not retransmitted) payload bytes per second, each direction, in buckets of 1/60 of the span first
    /// shown; the line drops to zero after the last bucket with data and stays there to the connection's end.
    public static func throughput(_ c: Connection) -> String? { throughputPicture(c)?.document(cls: "throughput") }

    static func throughputPicture(_ c: Connection) -> SVG? {
        guard let entries = c.timeline, entries.contains(where: { $0.payloadLength > 0 }) else { return nil }
        let span = TimeGraph.span(c)
        let bucketSeconds = span.shown / Double(throughputBuckets)
        // The data can sit past the span first shown only by rounding; 4 spans of buckets bound the arrays.
        let count = 4 * throughputBuckets
        var bytes = [[Double]](repeating: [Double](repeating: 0, count: count), count: 2)
        var total: [Double] = [0, 0]
        var first: [Double?] = [nil, nil], last: [Double] = [0, 0]
        var highest: [SequenceNumber?] = [nil, nil]
        for e in entries where e.payloadLength > 0 {
            let s = e.senderIndex
            let end = e.sequence + e.payloadLength
            guard highest[s].map({ $0 < end }) ?? true else { continue }
            highest[s] = end
            let t = c.start.interval(to: e.time)
            let b = Int(min(Double(count - 1), max(0, t / bucketSeconds)))  // clamped as a Double: never traps
            bytes[s][b] += Double(e.payloadLength)
            total[s] += Double(e.payloadLength)
            if first[s] == nil { first[s] = t }
            last[s] = t
        }
        let rates = bytes.map { $0.map { $0 / bucketSeconds } }
        let maxRate = max(rates.flatMap { $0 }.max() ?? 0, 1) * 1.1
        var g = TimeGraph(span: span, height: 220, top: 26, yMax: maxRate, yUnit: "B/s")
        g.frame.text(
            TimeGraph.left, 14, "throughput of new data; blue: client → server, red: server → client", cls: "state")
        var means: [String] = []
        for side in [c.clientIndex, c.serverIndex] {
            guard let used = rates[side].lastIndex(where: { $0 > 0 }) else { continue }
            var points = (0...used).map { (g.x((Double($0) + 0.5) * bucketSeconds), g.y(rates[side][$0])) }
            points.append((g.x((Double(used) + 1.5) * bucketSeconds), g.y(0)))
            points.append((g.x(max(span.full, (Double(used) + 1.5) * bucketSeconds)), g.y(0)))
            g.plot.polyline(points, cls: side == c.clientIndex ? "tput-c" : "tput-s")
            let seconds = last[side] - (first[side] ?? 0)
            let arrow = side == c.clientIndex ? "client → server" : "server → client"
            means.append(
                "\(arrow) \(GraphAxis.human(total[side], unit: "B"))"
                    + (seconds > 0 ? " at \(GraphAxis.human(total[side] / seconds, unit: "B/s"))" : ""))
        }
        g.frame.text(g.plotRight, 14, means.joined(separator: "; "), cls: "fold", anchor: "end")
        return g.picture(id: "c\(c.id)-tput", group: "c\(c.id)", fitY: false)
    }

    /// Where the time went (docs/timing.md): one coloured band per direction, a span per label, zoomed with the
    /// connection's other graphs.
    public static func timingBand(_ c: Connection) -> String? { timingBandPicture(c)?.document(cls: "timing") }

    /// The labels' colours (SVG.style's `.tl-*`) and legend words, in priority order.
    static let bandLabels: [(name: String, words: String)] = [
        ("rto_stall", "RTO stall"), ("loss_recovery", "loss recovery"), ("rwnd_limited", "rwnd-limited"),
        ("busy", "busy"), ("app_limited", "app-limited"), ("idle", "idle"),
    ]

    static func timingBandPicture(_ c: Connection) -> SVG? {
        guard let band = c.timingBand, !band.spans.isEmpty else { return nil }
        let span = TimeGraph.span(c)
        var g = TimeGraph(span: span, height: 112, top: 30, yMax: 1, yUnit: "s")
        g.frame.text(TimeGraph.left, 14, "where the time went, per direction (docs/timing.md)", cls: "state")
        var x = TimeGraph.left
        for (name, words) in bandLabels {
            g.frame.rect(x, 19, 10, 8, cls: "tl-\(name)")
            g.frame.text(x + 13, 27, words, cls: "fold")
            x += 24 + Double(words.count) * 6.5
        }
        let rows = [(c.clientIndex, "client →"), (c.serverIndex, "server →")]
        let rowHeight = (g.bottom - g.top - 6) / 2
        for (k, (index, label)) in rows.enumerated() {
            let y = g.top + 2 + Double(k) * (rowHeight + 2)
            g.frame.text(TimeGraph.left - 4, y + rowHeight / 2 + 4, label, cls: "frame", anchor: "end")
            for s in band.decided where s.direction == index {
                let from = c.start.interval(to: Timestamp(nanoseconds: s.start))
                let to = c.start.interval(to: Timestamp(nanoseconds: s.end))
                g.plot.rect(g.x(from), y, max(g.x(to) - g.x(from), 0.01), rowHeight, cls: "tl-\(s.label)")
            }
        }
        return g.picture(id: "c\(c.id)-timing", group: "c\(c.id)", fitY: false, valueAxis: false)
    }

    /// Every picture of one connection stacked in one standalone SVG document (`report --format svg`).
    public static func combined(_ c: Connection, msl: Double) -> String {
        var parts: [SVG] = [ladderPicture(c, msl: msl)]
        for side in [c.clientIndex, c.serverIndex] {
            if let g = timeSequencePicture(c, sender: side) { parts.append(g) }
        }
        if let g = rttPicture(c) { parts.append(g) }
        if let g = throughputPicture(c) { parts.append(g) }
        if let g = timingBandPicture(c) { parts.append(g) }
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
}
