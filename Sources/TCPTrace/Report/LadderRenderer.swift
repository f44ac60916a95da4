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
        /// How the times after each arrow are written (`-t`), and the header line that says so; nil: seconds
        /// since the connection's first segment.
        public var times: TimeWriter?

        public init(color: Bool = false, full: Bool = false, msl: Double = 30, times: TimeWriter? = nil) {
            self.color = color
            self.full = full
            self.msl = msl
            self.times = times
        }
    }

    public var options: Options

    public init(options: Options = Options()) { self.options = options }

    /// Width of the state column on each side and of the space between the two lines.
    static let stateWidth = 13
    static let span = 34

    public func render(_ c: Connection) -> String {
        var out = header(c)
        // Labels end at the client's line and start at the server's line.
        let rightColumn = Self.stateWidth + 1 + Self.span + 2
        for (l, r) in [("client", "server"), (c.client.endpoint.description, c.server.endpoint.description)] {
            let leftText = l.count > Self.stateWidth ? l : leftPad(l, Self.stateWidth + 1)
            out += leftText + String(repeating: " ", count: max(1, rightColumn - leftText.count)) + r + "\n"
        }
        let rows = LadderLayout.rows(for: c, full: options.full, foldThreshold: options.foldThreshold, msl: options.msl)
        guard !rows.isEmpty else { return out + "  (no segments recorded)\n" }
        out += line(leftState: "CLOSED", right: "CLOSED", middle: String(repeating: " ", count: Self.span))
        for row in rows {
            switch row {
            case .segment(let segment):
                out += draw(segment)
            case .fold(let count, let bytes, let retransmissions):
                let text = LadderRow.foldText(segments: count, bytes: bytes, retransmissions: retransmissions)
                out +=
                    text.count < Self.span
                    ? line(leftState: "", right: "", middle: center(text, Self.span), leftRail: "┊", rightRail: "┊")
                    : line(leftState: "", right: "", middle: " " + text, leftRail: "┊", rightRail: "")
            case .timeWait(let isClient, let seconds):
                let text = "2·MSL = \(Format.fixed(seconds, decimals: 0)) s"
                out += line(
                    leftState: "", right: "",
                    middle: isClient ? pad(" " + text, Self.span) : leftPad(text + " ", Self.span),
                    leftRail: isClient ? "┆" : "│", rightRail: isClient ? "│" : "┆")
                out += line(
                    leftState: isClient ? "CLOSED" : "", right: isClient ? "" : "CLOSED",
                    middle: String(repeating: " ", count: Self.span), leftRail: isClient ? "┴" : "│",
                    rightRail: isClient ? "│" : "┴")
            }
        }
        for f in c.findings {
            let text = "[\(f.severity.rawValue)] \(f.code.rawValue) at frame \(f.frame): \(f.detail)"
            for (n, row) in wrap(text, width: 76).enumerated() {
                out += paint((n == 0 ? "  " : "    ") + row, color: severityColor(f.severity)) + "\n"
            }
        }
        return out + TimingText.block(c)
    }

    func header(_ c: Connection) -> String {
        var text = "connection \(c.id): handshake \(c.handshakeOutcome.rawValue), close \(c.closeKind.rawValue)"
        if let by = c.closeInitiator { text += " by \(by.rawValue)" }
        return text + "\n"
    }

    /// One segment: its label line(s), its arrow line with the states that changed, and its findings.
    func draw(_ e: LadderSegment) -> String {
        // One label line when it fits between the lines; without PSH, then on two lines, when it does not.
        var labels = [e.label]
        let noPush = e.flags.subtracting(.psh)
        if labels[0].count > Self.span - 1 { labels = ["\(noPush) \(e.numbers)"] }
        if labels[0].count > Self.span - 1 {
            labels = ["\(noPush) seq=\(e.seq)", String(e.numbers.drop { $0 != " " }.dropFirst())]
        }
        var out = ""
        for label in labels {
            out += line(
                leftState: "", right: "",
                middle: e.fromClient
                    ? pad(" " + label, Self.span)
                    : leftPad(label + " ", Self.span))
        }
        let shaft = String(repeating: "─", count: Self.span - 1)
        var arrow = e.fromClient ? shaft + "▶" : "◀" + shaft
        if options.color {
            arrow = paint(
                arrow, color: e.findings.map(\.severity).max().map(severityColor) ?? (e.fromClient ? "36" : "33"))
        }
        out += line(
            leftState: e.clientState?.rawValue ?? "", right: e.serverState?.rawValue ?? "", middle: arrow,
            suffix: "#\(e.frame) "
                + (options.times?.text(e.at, previous: e.previous) ?? Format.fixed(e.time, decimals: 6)))
        for f in e.findings {
            out += line(
                leftState: "", right: "",
                middle: paint(pad(" ! \(f.code.rawValue)", Self.span), color: severityColor(f.severity)))
        }
        return out
    }

    /// `STATE │middle│ STATE suffix`, with the left state right-aligned.
    func line(
        leftState: String, right: String, middle: String, leftRail: String = "│", rightRail: String = "│",
        suffix: String = ""
    ) -> String {
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
