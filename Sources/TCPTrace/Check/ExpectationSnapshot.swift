/// Writes a starting expectation file from what a capture shows today (`check --init`), for a person to
/// edit: the connection count and, per connection, its verdicts and findings.
///
/// The rules hold on a re-capture of the same behaviour: a connection is matched by its server address and
/// port and its place among the connections to that server (`nth`), not by its id or its ephemeral client
/// port, and findings are stated by code and count. `pinFrames` (`--pin-frames`) also pins each finding's
/// frame, which only the same capture repeats.
public enum ExpectationSnapshot {
    public static func yaml(for analysis: Analysis, capture: String, pinFrames: Bool = false) -> String {
        var out = "# Expectations for \(capture), written by `tcptrace-swift check --init` from what the capture\n"
        out += "# shows today. Edit to state what SHOULD happen; see docs/check.md. Connections are matched by\n"
        out += "# server address and port and their order among the connections to that server (nth).\n"
        out += "connections: \(analysis.connections.count)\n"
        guard !analysis.connections.isEmpty else { return out }
        out += "rules:\n"
        let ordinals = analysis.serverOrdinals
        for c in analysis.connections {
            let server = c.server.endpoint, nth = ordinals[c.id] ?? 1
            out += "  - name: connection \(nth) to \(server)\n"
            out += "    match: {server: \(server.address), server_port: \(server.port), nth: \(nth)}\n"
            out += "    handshake: \(c.handshakeOutcome.rawValue)\n"
            out += "    close: \(c.closeKind.rawValue)\n"
            out += "    initiator: \(c.closeInitiator?.rawValue ?? "none")\n"
            out += "    states: {client: \(c.client.state.rawValue), server: \(c.server.state.rawValue)}\n"
            out += "    time_wait: \(c.timeWaitSide?.rawValue ?? "none")\n"
            out += "    conn_state: \(c.zeekConnState)\n"
            let counts = FindingCode.allCases.compactMap { code in
                let n = c.findingCount(of: code)
                return n > 0 ? (code, n) : nil
            }
            if counts.isEmpty {
                out += "    fail_on: info\n"
                continue
            }
            out += "    findings:\n"
            if pinFrames {
                for f in c.findings { out += "      - {code: \(f.code.rawValue), frame: \(f.frame)}\n" }
            } else {
                for (code, n) in counts { out += "      - {code: \(code.rawValue), count: \(n)}\n" }
            }
            let maxSeverity = counts.map(\.0.severity).max() ?? .info
            if maxSeverity < .error {
                let absent = FindingCode.allCases.filter { c.findingCount(of: $0) == 0 && $0.severity > maxSeverity }
                if !absent.isEmpty {
                    out += "    no_findings: [\(absent.map(\.rawValue).joined(separator: ", "))]\n"
                }
            }
        }
        return out
    }
}
