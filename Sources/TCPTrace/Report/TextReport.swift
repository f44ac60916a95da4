/// Renders an `Analysis` for people: the capture summary, one row per connection, finding totals, and on
/// request each connection's timeline.
public enum TextReport {
    public static func render(_ analysis: Analysis, timelines: Set<Int> = []) -> String {
        var out = analysis.connections.isEmpty ? "" : tableHeader()
        for c in analysis.connections { out += row(c) }
        out += end(analysis)
        for connection in analysis.connections where timelines.contains(connection.id) {
            out += "\n"
            timeline(connection, captureStart: analysis.input.firstTime ?? connection.start, into: &out)
        }
        return out
    }

    /// After the rows: the host view (when asked for), the capture summary and the finding totals.
    public static func end(_ analysis: Analysis) -> String {
        var out = analysis.totals.connections == 0 ? "no TCP connections\n\n" : "\n"
        if let view = analysis.hosts { out += hosts(view) + "\n" }
        summary(analysis.input, into: &out)
        totals(analysis, into: &out)
        return out
    }

    /// The host view: per host its connections and TIME_WAIT, per client → server pair its churn.
    public static func hosts(_ view: HostView) -> String {
        var rows: [[String]] = [["HOST", "OPENED", "ACCEPTED", "TIME_WAIT PEAK", "AT", "AT END"]]
        for h in view.hosts {
            rows.append([
                h.address.description, String(h.openedAsClient), String(h.acceptedAsServer),
                String(h.timeWaitPeak), h.timeWaitPeakTime.map(\.description) ?? "-", String(h.timeWaitAtEnd),
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
                "  " + l.name.replacingOccurrences(of: "_", with: " ") + ":", DirectionFigures.text(l.value),
                DirectionFigures.text(r.value),
            ])
        }
        return out + table(rows)
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

    /// Fixed column widths, so rows can be printed as connections are finished; a wider value pushes the
    /// rest of its row right.
    static let columns: [(title: String, width: Int)] = [
        ("ID", 4), ("CLIENT", 21), ("SERVER", 21), ("PKTS C>S/S>C", 13), ("BYTES C>S/S>C", 15), ("FRAMES", 11),
        ("DURATION", 9), ("HANDSHAKE", 17), ("CLOSE", 12), ("BY", 6), ("CLIENT STATE", 12), ("SERVER STATE", 12),
        ("FINDINGS", 0),
    ]

    public static func tableHeader() -> String {
        var row = RowWriter(out: [])
        for column in columns { row.cell(column.title) }
        row.out.append(UInt8(ascii: "\n"))
        return String(decoding: row.out, as: UTF8.self)
    }

    /// One connection's row.
    public static func row(_ c: Connection) -> String {
        var bytes: [UInt8] = []
        appendRow(c, into: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// One connection's row, appended as bytes (the streaming path: no intermediate strings per cell).
    public static func appendRow(_ c: Connection, into out: inout [UInt8]) {
        c.withClientAndServer { client, server in appendRow(c, client: client, server: server, into: &out) }
    }

    private static func appendRow(
        _ c: Connection, client: borrowing HalfConnection, server: borrowing HalfConnection,
        into out: inout [UInt8]
    ) {
        var row = RowWriter(out: out)
        out = []
        row.cell(c.key.tunnel != 0 ? "\(c.id)*" : String(c.id))  // (`*`: tunnelled; the layers in --long)
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
                if i > 0 { row.out.append(UInt8(ascii: ",")) }
                row.out.append(contentsOf: f.code.rawValue.utf8)
                row.out.append(UInt8(ascii: "@"))
                row.out.writeDecimal(Int64(f.frame))
            }
        }
        row.out.append(UInt8(ascii: "\n"))
        out = row.out
    }

    /// Writes cells at the fixed column positions of `columns` (a wider cell pushes the rest right): the
    /// header and every row.
    struct RowWriter {
        var out: [UInt8]
        private var target = 0, index = 0, lineStart: Int

        init(out: [UInt8]) {
            self.out = out
            lineStart = out.count
        }

        mutating func startCell() {
            if index > 0 {
                out.append(UInt8(ascii: " "))
                out.append(UInt8(ascii: " "))
                target += TextReport.columns[index - 1].width + 2
                let column = out.count - lineStart
                if column < target { out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: target - column)) }
            }
            index += 1
        }

        mutating func cell(_ text: String) {
            startCell()
            out.append(contentsOf: text.utf8)
        }

        // The cells below write their bytes without a String between (a String over 15 bytes, such as
        // `10.0.12.34:40000`, is a heap allocation: issue 21 wants none per connection).

        /// `10.0.0.1:80` or `[::1]:80`, as `Endpoint.description`.
        mutating func cell(_ endpoint: Endpoint) {
            startCell()
            endpoint.address.withEndpointText(port: endpoint.port) { out.append(contentsOf: $0) }
        }

        /// Two numbers with `separator` between (`12/9`, `4-27`).
        mutating func cell(_ a: Int64, _ separator: Unicode.Scalar, _ b: Int64) {
            startCell()
            out.writeDecimal(a)
            out.append(UInt8(ascii: separator))
            out.writeDecimal(b)
        }
    }

    static func summary(_ s: CaptureSummary, into out: inout String) {
        for file in s.files {
            let frames = file.firstFrame.map { "frames \($0)-\(file.lastFrame ?? $0)" } ?? "no packets"
            out += "capture \(file.path): \(file.linkTypeText), \(file.packets) packets, \(frames)"
            if let first = file.firstTime, let last = file.lastTime {
                out += ", \(first) to \(last)"
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
        if totals.byCode.isEmpty {
            out += ", no findings\n"
            return
        }
        out += "; findings: "
        out += totals.byCode.map { "\($0.code.rawValue) (\($0.code.severity.rawValue)) \($0.count)" }
            .joined(separator: ", ")
        out += "\n"
    }

    /// Every segment of a connection with both sides' states after it and the findings it raised.
    public static func timeline(_ c: Connection, captureStart: Timestamp, into out: inout String) {
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
        var rows: [[String]] = [
            [
                "FRAME", "TIME", "DIR", "FLAGS", "SEQ", "ACK", "LEN", "CLIENT", "SERVER",
                "FINDINGS",
            ]
        ]
        let base = [
            c[0].isn ?? entries.first { $0.senderIndex == 0 }?.sequence,
            c[1].isn ?? entries.first { $0.senderIndex == 1 }?.sequence,
        ]
        for entry in entries {
            let s = entry.senderIndex
            let direction = s == c.clientIndex ? "C→S" : "S→C"
            let seq = base[s].map { String(entry.sequence.relative(to: $0)) } ?? String(entry.sequence.rawValue)
            let ack =
                entry.flags.contains(.ack)
                ? (base[1 - s].map { String(entry.acknowledgment.relative(to: $0)) }
                    ?? String(entry.acknowledgment.rawValue))
                : "-"
            let states = [entry.states.0, entry.states.1]
            let findings = c.findings.filter { $0.frame == entry.frame }.map(\.code.rawValue).joined(separator: ",")
            rows.append([
                String(entry.frame), Format.fixed(captureStart.interval(to: entry.time), decimals: 6),
                direction, entry.flags.description, seq, ack, String(entry.payloadLength),
                states[c.clientIndex].rawValue, states[c.serverIndex].rawValue,
                findings.isEmpty ? "" : findings,
            ])
        }
        out += table(rows)
        for finding in c.findings {
            out +=
                "  [\(finding.severity.rawValue)] \(finding.code.rawValue) at frame \(finding.frame): "
                + "\(finding.detail)\n"
        }
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
