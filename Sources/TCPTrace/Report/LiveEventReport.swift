/// Renders live events: one line each, as text for people or as JSON objects (jsonl) for scripts.
public enum LiveEventReport {
    /// `14:23:01.123456` (UTC time of day).
    static func clock(_ t: Timestamp) -> String {
        let seconds = t.nanoseconds / 1_000_000_000
        let micros = (t.nanoseconds % 1_000_000_000) / 1000
        let day = ((seconds % 86_400) + 86_400) % 86_400
        func two(_ v: Int64) -> String { v < 10 ? "0\(v)" : "\(v)" }
        let frac = String(micros)
        let padding = String(repeating: "0", count: 6 - frac.count)
        return "\(two(day / 3600)):\(two(day / 60 % 60)):\(two(day % 60)).\(padding)\(frac)"
    }

    public static func text(_ e: LiveEvent) -> String {
        let c = e.connection
        var line =
            "\(clock(e.time))  #\(c.id)  \(e.kind.rawValue.padding(7))  \(c.client.endpoint) → \(c.server.endpoint)  "
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
            line +=
                " after \(Format.seconds(c.start.interval(to: c.end))), bytes "
                + "\(c.client.payloadBytes)/\(c.server.payloadBytes)"
            line += ", states \(c.client.state.rawValue)/\(c.server.state.rawValue)"
        }
        return line
    }

    /// One event as a line of JSON (docs/live.md, "JSONL events"): what every event has, then the kind's own
    /// members. The endpoints, the finding and `zeek` have the layout they have in a connection of `analyze`.
    public static func json(_ e: LiveEvent) -> String {
        let c = e.connection
        let client = c.client, server = c.server
        return line { w in
            w.member(.event, word: e.kind.rawValue)
            w.member(.time, time: e.time)
            w.member(.id, c.id)
            w.key(.client); JSONReport.write(client.endpoint, to: &w)
            w.key(.server); JSONReport.write(server.endpoint, to: &w)
            switch e.kind {
            case .opened:
                w.member(.handshake, word: c.handshakeOutcome.rawValue)
                w.member(.synFrame, client.synFrame)
                w.member(.rtt, c.handshakeRTT)
            case .finding:
                if let f = e.finding { w.key(.finding); JSONReport.write(f, in: c, to: &w) }
            case .closed:
                w.member(.close, word: c.closeKind.rawValue)
                w.member(.initiator, word: c.closeInitiator?.rawValue)
                w.member(.duration, c.start.interval(to: c.end))
                JSONReport.writeBytes(client: client, server: server, to: &w)
                JSONReport.writeStates(client: client, server: server, to: &w)
                w.member(.timeWait, word: c.timeWaitSide?.rawValue)
                w.key(.zeek); JSONReport.writeZeek(c, to: &w)
            }
        }
    }

    /// The last line of `live --format jsonl`: connections and packets seen, findings by code (in code order,
    /// those raised), and libpcap's counters when it gives them (`statistics`).
    public static func summary(
        connections: Int, packets: Int, findings: [FindingCode: Int],
        statistics: LiveStatistics?
    ) -> String {
        line { w in
            w.member(.event, word: "summary")
            w.member(.connections, connections)
            w.member(.packets, packets)
            w.key(.findings); w.beginObject()
            for code in FindingCode.allCases {
                if let count = findings[code] { w.key(word: code.rawValue); w.value(count) }
            }
            w.endObject()
            if let statistics {
                w.member(.received, Int(statistics.received))
                w.member(.droppedKernel, Int(statistics.droppedByKernel))
                w.member(.droppedInterface, Int(statistics.droppedByInterface))
            }
        }
    }

    /// One JSON object on one line, its members written by `body`.
    private static func line(_ body: (inout JSONWriter) -> Void) -> String {
        var out: [UInt8] = []
        JSONWriter.appending(to: &out, indent: nil) { w in
            w.beginObject()
            body(&w)
            w.endObject()
        }
        return String(decoding: out, as: UTF8.self)
    }
}

extension String {
    fileprivate func padding(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
