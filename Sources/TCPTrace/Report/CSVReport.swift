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
        var fields = [
            String(c.id), c.client.endpoint.address.description, String(c.client.endpoint.port),
            c.server.endpoint.address.description, String(c.server.endpoint.port), String(c.firstFrame),
            String(c.lastFrame), c.start.description, c.end.description, JSONValue.number(c.start.interval(to: c.end)),
            c.handshakeOutcome.rawValue, c.closeKind.rawValue, c.closeInitiator?.rawValue ?? "",
            c.client.state.rawValue,
            c.server.state.rawValue, c.timeWaitSide?.rawValue ?? "", c.zeekConnState, c.zeekHistory,
            c.findings.map { "\($0.code.rawValue)@\($0.frame)" }.joined(separator: " "),
            CommunityID.string(c, seed: seed),
        ]
        for index in [c.clientIndex, c.serverIndex] {
            fields += DirectionFigures.figures(c, index).map { DirectionFigures.exact($0.value) }
        }
        return line(fields)
    }

    static func line(_ fields: [String]) -> String {
        fields.map { field in
            field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
                ? "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : field
        }.joined(separator: ",") + "\r\n"
    }
}
