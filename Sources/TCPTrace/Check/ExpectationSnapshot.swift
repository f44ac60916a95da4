/// Writes a starting expectation file from what a capture shows today (`check --init`), for a person to
/// edit: the connection count and, per connection, its verdicts and findings.
public enum ExpectationSnapshot {
    public static func yaml(for analysis: Analysis, capture: String) -> String {
        var out = "# Expectations for \(capture), written by `tcptrace-swift check --init` from what the capture\n"
        out += "# shows today. Edit to state what SHOULD happen; see README \"Use it in CI\".\n"
        out += "connections: \(analysis.connections.count)\n"
        guard !analysis.connections.isEmpty else { return out }
        out += "rules:\n"
        for c in analysis.connections {
            out += "  - name: connection \(c.id) \(c.client.endpoint) → \(c.server.endpoint)\n"
            out +=
                "    match: {id: \(c.id), client_port: \(c.client.endpoint.port), server_port: "
                + "\(c.server.endpoint.port)}\n"
            out += "    handshake: \(c.handshakeOutcome.rawValue)\n"
            out += "    close: \(c.closeKind.rawValue)\n"
            out += "    initiator: \(c.closeInitiator?.rawValue ?? "none")\n"
            out += "    states: {client: \(c.client.state.rawValue), server: \(c.server.state.rawValue)}\n"
            out += "    time_wait: \(c.timeWaitSide?.rawValue ?? "none")\n"
            out += "    conn_state: \(c.zeekConnState)\n"
            if c.findings.isEmpty {
                out += "    fail_on: info\n"
            } else {
                out += "    findings:\n"
                for f in c.findings {
                    out += "      - {code: \(f.code.rawValue), frame: \(f.frame)}\n"
                }
                let codes = Set(c.findings.map(\.code))
                let maxSeverity = c.findings.map(\.severity).max() ?? .info
                if maxSeverity < .error {
                    let absent = FindingCode.allCases.filter { !codes.contains($0) && $0.severity > maxSeverity }
                    if !absent.isEmpty {
                        out += "    no_findings: [\(absent.map(\.rawValue).joined(separator: ", "))]\n"
                    }
                }
            }
        }
        return out
    }
}
