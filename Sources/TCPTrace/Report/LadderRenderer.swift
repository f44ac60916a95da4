/// Draws one connection as a ladder diagram that fits 80 columns: the client's line on the left, the
/// server's on the right, one arrow per segment with its flags and relative seq/ack/len, each side's RFC
/// 9293 state written beside its line when it changes, findings under the arrow that raised them, long data
/// phases folded.
public struct LadderRenderer: Sendable {
    public struct Options: Sendable {
        public var color = false
        /// Draw every segment (no folding).
        public var full = false
        /// A run of more than this many plain data/ACK segments is folded to its first and last two.
        public var foldThreshold = 6
        public var msl: Double = 30

        public init(color: Bool = false, full: Bool = false, msl: Double = 30) {
            self.color = color
            self.full = full
            self.msl = msl
        }
    }

    public var options: Options

    public init(options: Options = Options()) { self.options = options }

    /// Width of the state column on each side and of the space between the two lines.
    static let stateWidth = 13
    static let span = 34

    public func render(_ c: Connection) -> String {
        var out = ""
        let left = "client \(c.client.endpoint)"
        let right = "server \(c.server.endpoint)"
        out += header(c)
        // Labels end at the client's line and start at the server's line.
        let rightColumn = Self.stateWidth + 1 + Self.span + 2
        for (l, r) in [("client", "server"), (c.client.endpoint.description, c.server.endpoint.description)] {
            let leftText = l.count > Self.stateWidth ? l : leftPad(l, Self.stateWidth + 1)
            out += leftText + String(repeating: " ", count: max(1, rightColumn - leftText.count)) + r + "\n"
        }
        guard let entries = c.timeline, !entries.isEmpty else {
            return out + "  (no segments recorded)\n"
        }
        out += line(leftState: "CLOSED", right: "CLOSED", middle: String(repeating: " ", count: Self.span))
        let isn = [c[0].isn ?? entries.first { $0.senderIndex == 0 }?.sequence,
                   c[1].isn ?? entries.first { $0.senderIndex == 1 }?.sequence]
        var previous: (TCPState, TCPState) = (.closed, .closed)
        var highest: [SequenceNumber?] = [nil, nil]
        var retransmitted = Array(repeating: false, count: entries.count)
        for (i, e) in entries.enumerated() where e.payloadLength > 0 {
            let end = e.sequence + e.payloadLength
            if let h = highest[e.senderIndex], !(h < end) { retransmitted[i] = true }
            if highest[e.senderIndex].map({ $0 < end }) ?? true { highest[e.senderIndex] = end }
        }
        let boring: [Bool] = entries.enumerated().map { i, e in
            let before = i == 0 ? (TCPState.closed, TCPState.closed) : entries[i - 1].states
            return !e.flags.contains(.syn) && !e.flags.contains(.fin) && !e.flags.contains(.rst)
                && before == e.states && !c.findings.contains { $0.frame == e.frame }
        }
        var i = 0
        while i < entries.count {
            if !options.full && boring[i] {
                var j = i
                while j < entries.count && boring[j] { j += 1 }
                if j - i > options.foldThreshold {
                    for k in i..<(i + 2) { out += segment(entries[k], c: c, isn: isn, previous: &previous) }
                    let folded = (i + 2)..<(j - 2)
                    let bytes = folded.reduce(UInt64(0)) { $0 + UInt64(entries[$1].payloadLength) }
                    let retrans = folded.filter { retransmitted[$0] }.count
                    var text = "… \(folded.count) segments, \(byteText(bytes))"
                    if retrans > 0 { text += ", \(retrans) retransmission\(retrans == 1 ? "" : "s")" }
                    text += " …"
                    out += text.count < Self.span
                        ? line(leftState: "", right: "", middle: center(text, Self.span), leftRail: "┊", rightRail: "┊")
                        : line(leftState: "", right: "", middle: " " + text, leftRail: "┊", rightRail: "")
                    for k in (j - 2)..<j { out += segment(entries[k], c: c, isn: isn, previous: &previous) }
                    i = j
                    continue
                }
            }
            out += segment(entries[i], c: c, isn: isn, previous: &previous)
            i += 1
        }
        for (index, state) in [(c.clientIndex, c.client.state), (c.serverIndex, c.server.state)] where state == .timeWait {
            let text = "2·MSL = \(Format.fixed(2 * options.msl, decimals: 0)) s"
            let isClient = index == c.clientIndex
            out += line(leftState: "", right: "", middle: isClient ? pad(" " + text, Self.span) : leftPad(text + " ", Self.span),
                        leftRail: isClient ? "┆" : "│", rightRail: isClient ? "│" : "┆")
            out += line(leftState: isClient ? "CLOSED" : "", right: isClient ? "" : "CLOSED",
                        middle: String(repeating: " ", count: Self.span), leftRail: isClient ? "┴" : "│",
                        rightRail: isClient ? "│" : "┴")
        }
        for f in c.findings {
            let text = "[\(f.severity.rawValue)] \(f.code.rawValue) at frame \(f.frame): \(f.detail)"
            for (n, row) in wrap(text, width: 76).enumerated() {
                out += paint((n == 0 ? "  " : "    ") + row, color: severityColor(f.severity)) + "\n"
            }
        }
        return out
    }

    func header(_ c: Connection) -> String {
        var text = "connection \(c.id): handshake \(c.handshakeOutcome.rawValue), close \(c.closeKind.rawValue)"
        if let by = c.closeInitiator { text += " by \(by.rawValue)" }
        return text + "\n"
    }

    /// One segment: its label line, its arrow line with the states that changed, and its findings.
    func segment(_ e: TimelineEntry, c: Connection, isn: [SequenceNumber?], previous: inout (TCPState, TCPState))
        -> String
    {
        let fromClient = e.senderIndex == c.clientIndex
        let seq = isn[e.senderIndex].map { e.sequence.relative(to: $0) } ?? e.sequence.rawValue
        var numbers = "seq=\(seq)"
        if e.flags.contains(.ack) {
            let ack = isn[1 - e.senderIndex].map { e.acknowledgment.relative(to: $0) } ?? e.acknowledgment.rawValue
            numbers += " ack=\(ack)"
        }
        if e.payloadLength > 0 { numbers += " len=\(e.payloadLength)" }
        // One label line when it fits between the lines; without PSH, then on two lines, when it does not.
        var labels = ["\(e.flags) \(numbers)"]
        if labels[0].count > Self.span - 1 { labels = ["\(e.flags.subtracting(.psh)) \(numbers)"] }
        if labels[0].count > Self.span - 1 {
            labels = [e.flags.subtracting(.psh).description + " seq=\(seq)", String(numbers.drop { $0 != " " }.dropFirst())]
        }
        let findings = c.findings.filter { $0.frame == e.frame }
        let states = [e.states.0, e.states.1]
        let before = [previous.0, previous.1]
        let clientNow = states[c.clientIndex], serverNow = states[c.serverIndex]
        let clientChanged = clientNow != before[c.clientIndex]
        let serverChanged = serverNow != before[c.serverIndex]
        previous = e.states
        var out = ""
        for label in labels {
            out += line(leftState: "", right: "", middle: fromClient ? pad(" " + label, Self.span)
                        : leftPad(label + " ", Self.span))
        }
        let shaft = String(repeating: "─", count: Self.span - 1)
        var arrow = fromClient ? shaft + "▶" : "◀" + shaft
        if options.color {
            arrow = paint(arrow, color: findings.isEmpty ? (fromClient ? "36" : "33") : severityColor(findings.map(\.severity).max()!))
        }
        let time = Format.fixed(c.start.interval(to: e.time), decimals: 6)
        out += line(leftState: clientChanged ? clientNow.rawValue : "", right: serverChanged ? serverNow.rawValue : "",
                    middle: arrow, suffix: "#\(e.frame) \(time)")
        for f in findings {
            let mark = "! \(f.code.rawValue)"
            out += line(leftState: "", right: "", middle: paint(pad(" " + mark, Self.span), color: severityColor(f.severity)))
        }
        return out
    }

    /// `STATE │middle│ STATE suffix`, with the left state right-aligned.
    func line(leftState: String, right: String, middle: String, leftRail: String = "│", rightRail: String = "│",
              suffix: String = "") -> String {
        let leftText = leftPad(leftState, Self.stateWidth - 1) + " "
        var text = (leftState.isEmpty ? leftText : bold(leftText)) + leftRail + middle + rightRail
        if !right.isEmpty || !suffix.isEmpty {
            text += " " + (right.isEmpty ? "" : bold(right))
            if !suffix.isEmpty {
                text += String(repeating: " ", count: max(1, Self.stateWidth - right.count)) + suffix
            }
        }
        while text.hasSuffix(" ") { text.removeLast() }
        return text + "\n"
    }

    /// Words of `text` in rows of at most `width` characters (a longer word gets a row of its own).
    func wrap(_ text: String, width: Int) -> [String] {
        var rows: [String] = []
        var row = ""
        for word in text.split(separator: " ") {
            if !row.isEmpty && row.count + 1 + word.count > width {
                rows.append(row)
                row = ""
            }
            row += (row.isEmpty ? "" : " ") + word
        }
        if !row.isEmpty { rows.append(row) }
        return rows
    }

    func pad(_ s: String, _ width: Int) -> String {
        s.count >= width ? String(s.prefix(width)) : s + String(repeating: " ", count: width - s.count)
    }

    func leftPad(_ s: String, _ width: Int) -> String {
        s.count >= width ? String(s.suffix(width)) : String(repeating: " ", count: width - s.count) + s
    }

    func center(_ s: String, _ width: Int) -> String {
        guard width > s.count else { return s }
        let left = (width - s.count) / 2
        return String(repeating: " ", count: left) + s + String(repeating: " ", count: width - s.count - left)
    }

    func byteText(_ bytes: UInt64) -> String {
        if bytes >= 1_000_000 { return Format.fixed(Double(bytes) / 1e6, decimals: 1) + " MB" }
        if bytes >= 1_000 { return Format.fixed(Double(bytes) / 1e3, decimals: 1) + " kB" }
        return "\(bytes) B"
    }

    func severityColor(_ s: Severity) -> String {
        switch s {
        case .info: "34"
        case .warning: "33"
        case .error: "31"
        }
    }

    func paint(_ s: String, color: String) -> String {
        options.color ? "\u{1B}[\(color)m\(s)\u{1B}[0m" : s
    }

    func bold(_ s: String) -> String {
        options.color ? "\u{1B}[1m\(s)\u{1B}[0m" : s
    }
}
