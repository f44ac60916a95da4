/// Renders live events: one line each, as text for people or as JSON objects (jsonl) for scripts.
public enum LiveEventReport {
    /// `14:23:01.123456` (UTC time of day).
    static func clock(_ t: Timestamp) -> String {
        let seconds = t.nanoseconds / 1_000_000_000
        let micros = (t.nanoseconds % 1_000_000_000) / 1000
        let day = ((seconds % 86_400) + 86_400) % 86_400
        func two(_ v: Int64) -> String { v < 10 ? "0\(v)" : "\(v)" }
        let frac = String(micros)
        return "\(two(day / 3600)):\(two(day / 60 % 60)):\(two(day % 60)).\(String(repeating: "0", count: 6 - frac.count))\(frac)"
    }

    public static func text(_ e: LiveEvent) -> String {
        let c = e.connection
        var line = "\(clock(e.time))  #\(c.id)  \(e.kind.rawValue.padding(7))  \(c.client.endpoint) → \(c.server.endpoint)  "
        switch e.kind {
        case .opened:
            line += "handshake \(c.handshakeOutcome.rawValue)"
            var facts: [String] = []
            if let f = c.client.synFrame { facts.append("SYN frame \(f)") }
            if let rtt = c.handshakeRTT { facts.append("rtt \(Format.fixed(rtt * 1000, decimals: 3)) ms") }
            if !facts.isEmpty { line += " (" + facts.joined(separator: ", ") + ")" }
        case .finding:
            if let f = e.finding {
                line += "\(f.code.rawValue) (\(f.severity.rawValue)) frame \(f.frame): \(f.detail)"
            }
        case .closed:
            line += "close \(c.closeKind.rawValue)"
            if let by = c.closeInitiator { line += " by \(by.rawValue)" }
            line += " after \(Format.seconds(c.start.interval(to: c.end))), bytes \(c.client.payloadBytes)/\(c.server.payloadBytes)"
            line += ", states \(c.client.state.rawValue)/\(c.server.state.rawValue)"
        }
        return line
    }

    public static func json(_ e: LiveEvent) -> String {
        let c = e.connection
        var members: [(String, JSONValue)] = [
            ("event", .string(e.kind.rawValue)), ("time", .time(e.time)), ("id", .int(Int64(c.id))),
            ("client", JSONReport.endpoint(c.client.endpoint)), ("server", JSONReport.endpoint(c.server.endpoint)),
        ]
        switch e.kind {
        case .opened:
            members += [("handshake", .string(c.handshakeOutcome.rawValue)), ("syn_frame", .optional(c.client.synFrame)),
                        ("rtt", .optional(c.handshakeRTT))]
        case .finding:
            if let f = e.finding { members.append(("finding", JSONReport.finding(f, in: c))) }
        case .closed:
            members += [
                ("close", .string(c.closeKind.rawValue)), ("initiator", .optional(c.closeInitiator?.rawValue)),
                ("duration", .double(c.start.interval(to: c.end))),
                ("bytes", .object([("client", .int(Int64(c.client.payloadBytes))),
                                   ("server", .int(Int64(c.server.payloadBytes)))])),
                ("states", .object([("client", .string(c.client.state.rawValue)),
                                    ("server", .string(c.server.state.rawValue))])),
                ("time_wait", .optional(c.timeWaitSide?.rawValue)),
                ("zeek", .object([("conn_state", .string(c.zeekConnState)), ("history", .string(c.zeekHistory))])),
            ]
        }
        return JSONValue.object(members).serialized(pretty: false)
    }
}

extension String {
    fileprivate func padding(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
