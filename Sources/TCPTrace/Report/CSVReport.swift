import Foundation

/// One CSV row per connection (RFC 4180: comma-separated, CRLF line ends, fields with a comma, quote or line
/// break quoted with quotes doubled), with a header row. Timestamps keep all nine fraction digits.
public enum CSVReport {
    static let identity = [
        "id", "client_address", "client_port", "server_address", "server_port", "first_frame",
        "last_frame", "start", "end", "duration", "handshake", "close", "initiator", "client_state",
        "server_state", "time_wait", "conn_state", "history", "findings", "community_id",
    ]

    public static func header() -> String {
        line(identity + DirectionFigures.names.map { "client_" + $0 } + DirectionFigures.names.map { "server_" + $0 })
    }

    public static func row(_ c: Connection, seed: UInt16 = 0) -> String {
        var bytes: [UInt8] = []
        appendRow(c, seed: seed, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends connection `c`'s row to `out` as bytes, fields written in place with no String made per field
    /// (a row through Strings cost ~20 µs, the slowest output of issue 21's benchmark). The same text as
    /// quoting each field's String with `line`: every field is ASCII, so a byte check for the four characters
    /// that force quotes is a character check.
    public static func appendRow(_ c: Connection, seed: UInt16 = 0, to out: inout [UInt8]) {
        var row = Row(out: out)
        out = []
        row.field { $0.writeDecimal(Int64(c.id)) }
        for index in [c.clientIndex, c.serverIndex] {
            let endpoint = c.side(index, \.endpoint)
            row.field { out in endpoint.address.withText { out.write($0) } }
            row.field { $0.writeDecimal(Int64(endpoint.port)) }
        }
        row.field { $0.writeDecimal(Int64(c.firstFrame)) }
        row.field { $0.writeDecimal(Int64(c.lastFrame)) }
        let (start, end) = (c.start, c.end)
        row.field { out in start.withDescription { out.write($0) } }
        row.field { out in end.withDescription { out.write($0) } }
        row.number(start.interval(to: end))
        row.text(c.handshakeOutcome.rawValue)
        row.text(c.closeKind.rawValue)
        row.text(c.closeInitiator?.rawValue ?? "")
        row.text(c.side(c.clientIndex, \.state).rawValue)
        row.text(c.side(c.serverIndex, \.state).rawValue)
        row.text(c.timeWaitSide?.rawValue ?? "")
        row.text(c.zeekConnState)
        row.text(c.zeekHistory)
        row.field { out in
            for (i, f) in c.findings.enumerated() {
                if i > 0 { out.write(UInt8(ascii: " ")) }
                out.append(contentsOf: f.code.rawValue.utf8)
                out.write(UInt8(ascii: "@"))
                out.writeDecimal(Int64(f.frame))
            }
        }
        let (a, b) = (c.sideA.endpoint, c.sideB.endpoint)
        row.field { out in CommunityID.withText(a, b, seed: seed) { out.write($0) } }
        DirectionFigures.visit(c, c.clientIndex, &row)
        DirectionFigures.visit(c, c.serverIndex, &row)
        row.out.append(contentsOf: "\r\n".utf8)
        swap(&out, &row.out)
    }

    /// A row being written: separates the fields and quotes one that needs it.
    struct Row {
        var out: [UInt8]
        var first = true

        /// A field written by `body` (appending to the row's bytes), quoted afterwards if it holds a comma, a
        /// quote or a line break (RFC 4180), with its quotes doubled.
        mutating func field(_ body: (inout [UInt8]) -> Void) {
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            let start = out.count
            body(&out)
            guard out[start...].contains(where: Row.forcesQuotes) else { return }
            let text = Array(out[start...])
            out.removeSubrange(start...)
            out.append(UInt8(ascii: "\""))
            for byte in text {
                if byte == UInt8(ascii: "\"") { out.append(byte) }
                out.append(byte)
            }
            out.append(UInt8(ascii: "\""))
        }

        mutating func text(_ s: String) { field { $0.append(contentsOf: s.utf8) } }

        /// As `JSONValue.number` spells it (infinities and NaN as `description` does).
        mutating func number(_ d: Double) {
            field { out in
                if d.isFinite { JSONValue.append(d, to: &out) } else { out.append(contentsOf: d.description.utf8) }
            }
        }

        private static func forcesQuotes(_ byte: UInt8) -> Bool {
            byte == UInt8(ascii: ",") || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\n")
                || byte == UInt8(ascii: "\r")
        }
    }

    static func line(_ fields: [String]) -> String {
        fields.map { field in
            field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
                ? "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : field
        }.joined(separator: ",") + "\r\n"
    }
}

extension CSVReport.Row: DirectionFigures.Visitor {
    /// A figure as the next field (the header names them).
    @inline(__always)
    mutating func visit(_ name: JSONKey, _ value: DirectionFigures.Value) {
        switch value {
        case .int(let i): field { $0.writeDecimal(i) }
        case .number(let d): if let d { number(d) } else { field { _ in } }
        case .flag(let b): text(b ? "true" : "false")
        }
    }
}
