/// Renders an `Analysis` for people: the capture summary, one row per connection, finding totals, and on
/// request each connection's timeline.
public enum TextReport {
    public static func render(
        _ analysis: Analysis, timelines: Set<Int> = [], text: TextOptions = TextOptions()
    )
        -> String
    {
        var out = analysis.connections.isEmpty ? "" : tableHeader(wide: text.wide)
        for c in analysis.connections { out += row(c, wide: text.wide) }
        out += end(analysis, text: text)
        for connection in analysis.connections where timelines.contains(connection.id) {
            out += "\n"
            let times = TimeWriter(
                format: text.time, start: analysis.input.firstTime ?? connection.start, localTime: text.localTime)
            timeline(connection, times: times, absoluteSequence: text.absoluteSequence, into: &out)
        }
        return out
    }

    /// After the rows: the host view (when asked for), the capture summary and the finding totals.
    public static func end(_ analysis: Analysis, text: TextOptions = TextOptions()) -> String {
        var out =
            analysis.totals.connections > 0
            ? "\n"
            : analysis.totals.unselected > 0 ? "no connection selected\n\n" : "no TCP connections\n\n"
        let times = TimeWriter(
            format: text.time == .delta ? .relative : text.time,
            start: analysis.input.firstTime ?? Timestamp(nanoseconds: 0), localTime: text.localTime)
        if let view = analysis.hosts { out += Format.wrapped(hosts(view, times: times), width: lineLimit) + "\n" }
        var tail = ""
        summary(analysis.input, times: times, into: &tail)
        totals(analysis, into: &tail)
        return out + Format.wrapped(tail, width: lineLimit)
    }

    /// The host view: per host its connections and TIME_WAIT, per client → server pair its churn.
    public static func hosts(_ view: HostView, times: TimeWriter? = nil) -> String {
        var rows: [[String]] = [["HOST", "OPENED", "ACCEPTED", "TIME_WAIT PEAK", "AT", "AT END"]]
        for h in view.hosts {
            rows.append([
                h.address.description, String(h.openedAsClient), String(h.acceptedAsServer),
                String(h.timeWaitPeak), h.timeWaitPeakTime.map { times?.text($0) ?? $0.description } ?? "-",
                String(h.timeWaitAtEnd),
            ])
        }
        var out =
            "hosts (2·MSL = \(Format.fixed(2 * view.options.msl, decimals: 0)) s, port range "
            + "\(view.options.portRange.lowerBound)-\(view.options.portRange.upperBound)):\n" + table(rows)
        for h in view.hosts {
            for p in h.pairs {
                out +=
                    "  \(p.pair.client) → \(p.pair.server): \(p.connections) connection(s), handshakes/s peak "
                    + "\(p.handshakesPerSecondPeak) mean \(Format.fixed(p.handshakesPerSecondMean, decimals: 1)), "
                    + "median "
                    + "lifetime \(Format.seconds(p.medianLifetime)), requests/connection "
                    + "\(Format.fixed(p.requestsMean, decimals: 2)), single request \(p.singleRequest), keep-alive "
                    + "candidates \(p.keepaliveCandidates), TIME_WAIT on client \(p.timeWaitSide["client"] ?? 0) / "
                    + "server "
                    + "\(p.timeWaitSide["server"] ?? 0) / both \(p.timeWaitSide["both"] ?? 0), client ports in "
                    + "TIME_WAIT "
                    + "at peak \(p.timeWaitPeak) (\(Format.fixed(p.timeWaitPeakShare * 100, decimals: 1)) %)\n"
            }
            for f in h.findings { out += "  [\(f.severity.rawValue)] \(f.code.rawValue): \(f.detail)\n" }
        }
        return out
    }

    /// `--long`: the verdict, then a two-column block of the per-direction figures (like tcptrace -l).
    public static func long(_ c: Connection) -> String {
        let out =
            "connection \(c.id): \(c.client.endpoint) → \(c.server.endpoint): handshake "
            + "\(c.handshakeOutcome.rawValue), "
            + "close \(c.closeKind.rawValue)" + (c.closeInitiator.map { " by \($0.rawValue)" } ?? "")
            + ", states \(c.client.state.rawValue)/\(c.server.state.rawValue)\n"
            + tunnelLine(c)
            + (c.interfaceMask != 0
                ? "  interfaces: \(c.interfaces.map(String.init).joined(separator: ", ")), capture duplicates "
                    + "\(c.captureDuplicates)\n" : "")
        let left = DirectionFigures.figures(c, c.clientIndex), right = DirectionFigures.figures(c, c.serverIndex)
        var rows: [[String]] = [["", "client → server", "server → client"]]
        for (l, r) in zip(left, right) {
            rows.append([
                "  " + l.name.replacingOccurrences(of: "_", with: " ") + ":",
                DirectionFigures.text(l.value, unit: DirectionFigures.unit(of: l.name)),
                DirectionFigures.text(r.value, unit: DirectionFigures.unit(of: r.name)),
            ])
        }
        return out + table(rows) + TimingText.block(c)
    }

    /// `  tunnel: vxlan vni 100 192.0.2.1 ↔ 192.0.2.2 (client's side) / gre key 10/11 …`, outermost first;
    /// empty for an untunnelled connection.
    static func tunnelLine(_ c: Connection) -> String {
        guard let t = c.tunnels, let layers = t.paths[c.clientIndex] ?? t.paths[c.serverIndex] else { return "" }
        let asSent = t.paths[c.clientIndex] == nil ? "as the server sent" : "as the client sent"
        let server = t.paths[c.clientIndex] == nil ? nil : t.paths[c.serverIndex]
        let parts = layers.enumerated().map { i, layer in
            var text = layer.kind.name
            let back = server.flatMap { i < $0.count ? $0[i] : nil }
            if let vni = layer.vni {
                text += " vni \(vni)" + (back?.vni.map { $0 != vni ? "/\($0)" : "" } ?? "")
            }
            text += " \(layer.source) → \(layer.destination)"
            if let id = layer.directionalID {
                text +=
                    " \(JSONReport.directionalIDKey(layer.kind).string) \(id)"
                    + (back?.directionalID.map { "/\($0)" } ?? "")
            }
            return text
        }
        return "  tunnel (outermost first, \(asSent)): " + parts.joined(separator: " / ") + "\n"
    }

    /// The table's columns: fixed widths, so rows can be printed as connections are finished (a wider value
    /// pushes the rest of its row right), and the spaces between two columns.
    struct Layout: Sendable {
        let columns: [(title: String, width: Int)]
        let gap: Int

        /// The default table, within `TextReport.lineLimit` characters (docs/output.md, `analyze --help`).
        static let compact = Layout(
            columns: [
                ("ID", 6), ("CLIENT", 21), ("SERVER", 21), ("PKTS", 6), ("DUR", 6), ("OPEN", 7), ("CLOSE", 7),
                ("STATE", 5), ("FINDINGS", 0),
            ], gap: 1)

        /// `--wide`: every column of the first versions, every finding instance as `code@frame`.
        static let wide = Layout(
            columns: [
                ("ID", 4), ("CLIENT", 21), ("SERVER", 21), ("PKTS C>S/S>C", 13), ("BYTES C>S/S>C", 15),
                ("FRAMES", 11), ("DURATION", 9), ("HANDSHAKE", 17), ("CLOSE", 12), ("BY", 6), ("CLIENT STATE", 12),
                ("SERVER STATE", 12), ("FINDINGS", 0),
            ], gap: 2)
    }

    /// The default table's lines are at most this many characters (the findings cell is cut to fit, with
    /// `+k` for the codes left out).
    public static let lineLimit = 120

    public static func tableHeader(wide: Bool = false) -> String {
        var bytes: [UInt8] = []
        JSONBuffer.appending(to: &bytes) { buffer in
            var row = RowWriter(out: buffer, layout: wide ? .wide : .compact)
            for column in row.layout.columns { row.cell(column.title) }
            row.out.write(UInt8(ascii: "\n"))
            buffer = row.out
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// One connection's row.
    public static func row(_ c: Connection, wide: Bool = false) -> String {
        var bytes: [UInt8] = []
        appendRow(c, wide: wide, into: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// One connection's row, appended as bytes (the streaming path: no intermediate strings per cell).
    /// The id cell and the line end are the same in both layouts; the cells between are each layout's.
    public static func appendRow(_ c: Connection, wide: Bool = false, into out: inout [UInt8]) {
        // Through a stack buffer, appended to `out` once (`JSONBuffer`): cell by cell into the array, each
        // append checked the array's uniqueness and room (callgrind; docs/performance.md, session 16).
        JSONBuffer.appending(to: &out) { buffer in
            var row = RowWriter(out: buffer, layout: wide ? .wide : .compact)
            row.startCell()
            row.out.writeDecimal(Int64(c.id))
            if c.key.tunnel != 0 { row.out.write(UInt8(ascii: "*")) }  // (tunnelled; the layers in --long)
            c.withClientAndServer { client, server in
                if wide {
                    wideCells(c, client: client, server: server, into: &row)
                } else {
                    compactCells(c, client: client, server: server, into: &row)
                }
            }
            row.out.write(UInt8(ascii: "\n"))
            buffer = row.out
        }
    }

    private static func compactCells(
        _ c: Connection, client: borrowing HalfConnection, server: borrowing HalfConnection,
        into row: inout RowWriter
    ) {
        row.cell(client.endpoint, width: 21)
        row.cell(server.endpoint, width: 21)
        row.cell(UInt64(client.packets) + UInt64(server.packets))
        row.startCell()
        Format.writeDuration(c.start.interval(to: c.end), into: &row.out)
        row.cell(c.handshakeOutcome.abbreviation)
        row.startCell()
        row.write(c.closeKind.abbreviation)
        if let by = c.closeInitiator, c.closeKind != .simultaneous, c.closeKind != .notClosed {
            row.out.write(UInt8(ascii: "/"))
            row.out.write(by.rawValue.utf8.first!)
        }
        row.startCell()
        row.write(client.state.abbreviation)
        row.out.write(UInt8(ascii: "/"))
        row.write(server.state.abbreviation)
        row.startCell()
        row.findingSummary(c, limit: lineLimit)
    }

    private static func wideCells(
        _ c: Connection, client: borrowing HalfConnection, server: borrowing HalfConnection,
        into row: inout RowWriter
    ) {
        row.cell(client.endpoint)
        row.cell(server.endpoint)
        row.cell(Int64(client.packets), "/", Int64(server.packets))
        row.cell(Int64(client.payloadBytes), "/", Int64(server.payloadBytes))
        row.cell(Int64(c.firstFrame), "-", Int64(c.lastFrame))
        row.cell(Format.seconds(c.start.interval(to: c.end)))
        row.cell(c.handshakeOutcome.rawValue)
        row.cell(c.closeKind.rawValue)
        row.cell(c.closeInitiator?.rawValue ?? "-")
        row.cell(client.state.rawValue)
        row.cell(server.state.rawValue)
        if c.findings.isEmpty {
            row.cell("-")
        } else {
            row.startCell()
            for (i, f) in c.findings.enumerated() {
                if i > 0 { row.out.write(UInt8(ascii: ",")) }
                row.write(f.code.rawValue)
                row.out.write(UInt8(ascii: "@"))
                row.out.writeDecimal(Int64(f.frame))
            }
        }
    }

    /// The first and last groups of an IPv6 address (`2001:db8` and `370:7334`) that fit, with `:…:` between, in
    /// `room` characters: a group at each end, then one more on each side in turn while one fits. The `::` of a
    /// zero run is never cut in half (`fe80::…` would read as two elisions): a step takes its empty group with
    /// the next. Returned as the head's end and the tail's start in `text` (indices, no array: the table writes
    /// one per long IPv6 endpoint).
    static func elided(groups text: UnsafeRawBufferPointer.SubSequence, room: Int) -> (headEnd: Int, tailStart: Int) {
        let colon = UInt8(ascii: ":"), start = text.startIndex, end = text.endIndex
        /// The end of the next group after a head ending at `i` (a colon's index), skipping an empty group.
        func nextHeadEnd(_ i: Int) -> Int? {
            var j = i + 1
            while j < end {
                if text[j] == colon && j > i + 1 && text[j - 1] != colon { return j }
                j += 1
            }
            return nil
        }
        /// The start of the group before a tail starting at `i` (just after a colon), skipping an empty group.
        func nextTailStart(_ i: Int) -> Int? {
            var j = i - 2
            while j >= start {
                if text[j] == colon && j < i - 2 && text[j + 1] != colon { return j + 1 }
                j -= 1
            }
            return nil
        }
        guard let firstColon = text.firstIndex(of: colon), let lastColon = text.lastIndex(of: colon) else {
            return (end, end)
        }
        var headEnd = firstColon, tailStart = lastColon + 1  // head: text[start..<headEnd], tail: text[tailStart...]
        func fits(_ h: Int, _ t: Int) -> Bool { h < t - 1 && h - start + 3 + (end - t) <= room }
        var takeHead = true, stuck = 0
        while stuck < 2 {
            if takeHead, let h = nextHeadEnd(headEnd), fits(h, tailStart) {
                headEnd = h
                stuck = 0
            } else if !takeHead, let t = nextTailStart(tailStart), fits(headEnd, t) {
                tailStart = t
                stuck = 0
            } else {
                stuck += 1
            }
            takeHead.toggle()
        }
        return (headEnd, tailStart)
    }

    /// Writes cells at the fixed column positions of a `Layout` (a wider cell pushes the rest right): the
    /// header and every row.
    struct RowWriter {
        var out: JSONBuffer
        let layout: Layout
        private var target = 0, index = 0, lineStart: Int
        /// Bytes written beyond one per character (`…` and `×` take three and two bytes for one column).
        private var extraBytes = 0

        init(out: JSONBuffer, layout: Layout) {
            self.out = out
            self.layout = layout
            lineStart = out.written
        }

        /// Characters written on the line so far.
        var column: Int { out.written - lineStart - extraBytes }

        /// `text`'s bytes.
        mutating func write(_ text: String) {
            var text = text
            text.withUTF8 { out.write(UnsafeRawBufferPointer($0)) }
        }

        mutating func startCell() {
            if index > 0 {
                // The gap, then up to the column's start, in one go (a byte at a time was 3 % of a run of short
                // connections, callgrind).
                target += layout.columns[index - 1].width + layout.gap
                out.writeSpaces(max(layout.gap, target - column))
            }
            index += 1
        }

        mutating func cell(_ text: String) {
            startCell()
            write(text)
        }

        // The cells below write their bytes without a String between (a String over 15 bytes, such as
        // `10.0.12.34:40000`, is a heap allocation: issue 21 wants none per connection).

        /// `10.0.0.1:80` or `[::1]:80`, as `Endpoint.description`; with a `width`, a longer IPv6 address loses
        /// whole groups in the middle (`[2001:db8:…:370:7334]:443`): the port and both ends stay.
        mutating func cell(_ endpoint: Endpoint, width: Int = .max) {
            startCell()
            endpoint.address.withEndpointText(port: endpoint.port) { text in
                guard text.count > width, let close = text.lastIndex(of: UInt8(ascii: "]")) else {
                    out.write(text)
                    return
                }
                let (headEnd, tailStart) = TextReport.elided(
                    groups: text[1..<close], room: width - 1 - (text.count - close))
                out.write(UnsafeRawBufferPointer(rebasing: text[0..<headEnd]))  // with the `[`
                write(":…:")
                extraBytes += 2
                out.write(UnsafeRawBufferPointer(rebasing: text[tailStart...]))  // with the `]:port`
            }
        }

        /// Two numbers with `separator` between (`12/9`, `4-27`).
        mutating func cell(_ a: Int64, _ separator: Unicode.Scalar, _ b: Int64) {
            startCell()
            out.writeDecimal(a)
            out.write(UInt8(ascii: separator))
            out.writeDecimal(b)
        }

        mutating func cell(_ value: UInt64) {
            startCell()
            out.writeDecimal(Int64(clamping: value))
        }

        /// The connection's findings per code, most severe first (then in code order), `×n` after a code
        /// raised more than once, as many as fit before column `limit`, then `+k` for the k codes left out:
        /// `fin-retransmit, retransmission×36, +3`; `-` for none.
        mutating func findingSummary(_ c: Connection, limit: Int) {
            guard !c.findings.isEmpty else {
                out.write(UInt8(ascii: "-"))
                return
            }
            var total = 0
            c.forEachFindingCount { _, _ in total += 1 }
            if total == 0 {
                out.write(UInt8(ascii: "-"))
                return
            }
            var written = 0
            for code in FindingCode.bySeverity {
                let n = c.findingCount(of: code)
                guard n > 0 else { continue }
                let separator = written > 0 ? 2 : 0
                let length = code.rawValue.utf8.count + (n > 1 ? 1 + ASCIIDigits.count(UInt64(n)) : 0)
                let left = total - written - 1
                let reserve = left > 0 ? 3 + ASCIIDigits.count(UInt64(left)) : 0  // `, +k`
                guard column + separator + length + reserve <= limit else { break }
                if separator > 0 { write(", ") }
                write(code.rawValue)
                if n > 1 {
                    write("×")
                    extraBytes += 1
                    out.writeDecimal(Int64(n))
                }
                written += 1
            }
            guard written < total else { return }
            if written > 0 { write(", ") }
            out.write(UInt8(ascii: "+"))
            out.writeDecimal(Int64(total - written))
        }
    }

    static func summary(_ s: CaptureSummary, times: TimeWriter, into out: inout String) {
        for file in s.files {
            let frames = file.firstFrame.map { "frames \($0)-\(file.lastFrame ?? $0)" } ?? "no packets"
            out += "capture \(file.path): \(file.linkTypeText), \(file.packets) packets, \(frames)"
            if let first = file.firstTime, let last = file.lastTime {
                // Absolute (ISO 8601) by default: the one place a table prints where its trace lies in time.
                let format = times.format == .relative ? TimeFormat.absolute : times.format
                let writer = TimeWriter(format: format, start: times.start, localTime: times.localTime)
                out += ", \(Format.seconds(first.interval(to: last))) from \(writer.text(first))"
            }
            if file.damage != nil { out += " (cut off)" }
            out += "\n"
        }
        out += "packets \(s.packets), TCP segments \(s.tcpSegments), non-TCP \(s.nonTCP), truncated \(s.truncated)"
        out += ", options cut \(s.optionsTruncated), malformed \(s.malformed), fragments \(s.fragments)\n"
        if !s.encapsulationCounts.isEmpty {
            out += "encapsulated TCP segments: "
            out += s.encapsulationCounts.map { "\($0.name) \($0.segments)" }.joined(separator: ", ") + "\n"
        }
        if !s.damagedTunnels.isEmpty {
            out += "damaged tunnel content (counted as non-TCP): "
            out +=
                TunnelKind.allCases.compactMap { kind in
                    s.damagedTunnels[kind].map { "\(kind.name): \($0.truncated) truncated, \($0.malformed) malformed" }
                }
                .joined(separator: "; ") + "\n"
        }
        if s.captureDuplicates > 0 {
            out += "capture duplicates: \(s.captureDuplicates) segment(s) seen again on another interface within 10 ms "
            out += "(counted, not tracked)\n"
        }
        if let checksums = s.checksums {
            out +=
                "checksums: \(checksums.bad) bad (counted, not used for state), \(checksums.unverifiable) could not be "
            out += "checked (payload cut by the snap length, fragments)\n"
        }
        for problem in s.problems.prefix(10) {
            out +=
                "  frame \(problem.frame): \(problem.isTruncation ? "truncated" : "malformed"): "
                + "\(problem.description)\n"
        }
        if s.problems.count > 10 { out += "  … \(s.problems.count - 10) more in the JSON output\n" }
        for note in s.notes { out += "note: \(note)\n" }
    }

    static func totals(_ analysis: Analysis, into out: inout String) {
        let totals = analysis.totals
        out += "\(totals.connections) connection(s)"
        if totals.unselected > 0 {
            out += " selected of \(totals.connections + totals.unselected)"
        }
        let minimum = analysis.options.selection.minSeverity
        let hidden = minimum > .info ? " (below \(minimum.rawValue) not shown)" : ""
        if totals.byCode.isEmpty {
            out += ", no findings\(hidden)\n"
            slowest(totals.slowest, into: &out)
            return
        }
        out += "; findings\(hidden):\n"
        for severity in Severity.allCases.reversed() {
            let codes = totals.byCode.filter { $0.code.severity == severity }
            guard !codes.isEmpty else { continue }
            out += "  \(severity.rawValue): " + codes.map { "\($0.code.rawValue) \($0.count)" }.joined(separator: ", ")
            out += "\n"
        }
        slowest(totals.slowest, into: &out)
    }

    /// `slowest:` then one line per connection: id, duration, diagnosis (docs/timing.md).
    static func slowest(_ s: SlowestConnections, into out: inout String) {
        guard s.entries.contains(where: { $0.duration > 0 }) else { return }
        out += "slowest:\n"
        for e in s.entries where e.duration > 0 {
            out += "  \(e.id) \(TimingText.duration(e.duration)): \(e.diagnosis.text)\n"
        }
    }

    /// Every segment of a connection with both sides' states after it and the findings it raised: times as
    /// `times` says, sequence and acknowledgment numbers relative to each side's ISN as Wireshark shows them
    /// (raw with `absoluteSequence`), the receive window scaled (RFC 7323: once both SYNs carried the option,
    /// never on a SYN; `?` after a window whose scale the capture did not see), SACK blocks (relative), and the
    /// options a segment carries when they differ from its sender's previous segment (timestamps' values and
    /// SACK blocks aside).
    public static func timeline(
        _ c: Connection, times: TimeWriter, absoluteSequence: Bool = false, into out: inout String
    ) {
        out += "connection \(c.id): \(c.client.endpoint) → \(c.server.endpoint)"
        out += "  handshake \(c.handshakeOutcome.rawValue), close \(c.closeKind.rawValue)"
        if let by = c.closeInitiator { out += " by \(by.rawValue)" }
        out += ", zeek \(c.zeekConnState) \(c.zeekHistory)"
        if c.badChecksums > 0 { out += ", \(c.badChecksums) segment(s) with a bad checksum (not used)" }
        out += "\n"
        guard let entries = c.timeline else {
            out += "  (timeline not recorded)\n"
            return
        }
        out += "  " + times.headerLine
        out +=
            absoluteSequence
            ? "  sequence numbers as on the wire\n"
            : "  sequence numbers relative to each side's ISN (--absolute-seq: raw)\n"
        var rows: [[String]] = [
            [
                "FRAME", "TIME", "DIR", "FLAGS", "SEQ", "ACK", "LEN", "WIN", "SACK", "OPTIONS", "CLIENT", "SERVER",
                "FINDINGS",
            ]
        ]
        let base: [SequenceNumber?] =
            absoluteSequence
            ? [nil, nil]
            : [
                c[0].isn ?? entries.first { $0.senderIndex == 0 }?.sequence,
                c[1].isn ?? entries.first { $0.senderIndex == 1 }?.sequence,
            ]
        // RFC 7323 2.2: the scale applies when both SYNs carried the option, to every segment but the SYNs.
        let scales: [UInt8?] = {
            guard let a = c[0].windowScale, let b = c[1].windowScale else {
                let seen = c[0].synOptions != nil && c[1].synOptions != nil
                return seen ? [0, 0] : [nil, nil]
            }
            return [min(a, 14), min(b, 14)]
        }()
        var previousOptions: [String?] = [nil, nil]
        var previousTime: Timestamp?
        for entry in entries {
            let s = entry.senderIndex
            func number(_ n: SequenceNumber, _ side: Int) -> String {
                base[side].map { String(n.relative(to: $0)) } ?? String(n.rawValue)
            }
            let ack = entry.flags.contains(.ack) ? number(entry.acknowledgment, 1 - s) : "-"
            let window: String =
                entry.flags.contains(.syn)
                ? String(entry.window)
                : scales[s].map { String(UInt64(entry.window) << UInt64($0)) } ?? "\(entry.window)?"
            let sack = (0..<entry.sack.count).map { i in
                number(entry.sack[i].left, 1 - s) + "-" + number(entry.sack[i].right, 1 - s)
            }
            let options = optionWords(entry.options)
            let shownOptions = entry.flags.contains(.syn) || options != previousOptions[s] ? options : ""
            previousOptions[s] = options
            let states = [entry.states.0, entry.states.1]
            let findings = c.findings.filter { $0.frame == entry.frame }.map(\.code.rawValue).joined(separator: ",")
            rows.append([
                String(entry.frame), times.text(entry.time, previous: previousTime),
                s == c.clientIndex ? "C→S" : "S→C", entry.flags.description, number(entry.sequence, s), ack,
                String(entry.payloadLength), window, sack.isEmpty ? "" : sack.joined(separator: " "), shownOptions,
                states[c.clientIndex].rawValue, states[c.serverIndex].rawValue, findings,
            ])
            previousTime = entry.time
        }
        out += table(rows)
        for finding in c.findings {
            out +=
                "  [\(finding.severity.rawValue)] \(finding.code.rawValue) at frame \(finding.frame): "
                + "\(finding.detail)\n"
        }
        out += TimingText.block(c)
    }

    /// `mss=1460,ws=7,sack_perm,ts` (Wireshark's short names); `-` for none. SACK blocks and timestamp values
    /// are left out: they change on every segment that has them.
    static func optionWords(_ o: TCPOptions) -> String {
        var words: [String] = []
        if let mss = o.mss { words.append("mss=\(mss)") }
        if let ws = o.windowScale { words.append("ws=\(ws)") }
        if o.sackPermitted { words.append("sack_perm") }
        if o.timestampValue != nil { words.append("ts") }
        if o.malformed { words.append("malformed") }
        return words.isEmpty ? "-" : words.joined(separator: ",")
    }

    /// Left-aligned columns separated by two spaces; trailing spaces trimmed.
    static func table(_ rows: [[String]]) -> String {
        guard let columns = rows.first?.count else { return "" }
        var widths = Array(repeating: 0, count: columns)
        for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
        var out = ""
        for row in rows {
            var line = ""
            for (i, cell) in row.enumerated() {
                line += cell
                if i < columns - 1 { line += String(repeating: " ", count: widths[i] - cell.count + 2) }
            }
            while line.hasSuffix(" ") { line.removeLast() }
            out += line + "\n"
        }
        return out
    }
}
