/// Evaluates an expectation file against an analysis: one result per clause per rule, plus the
/// connection count.
public enum CheckRunner {
    public static func evaluate(_ file: ExpectationFile, on analysis: Analysis) -> [ExpectationResult] {
        var results: [ExpectationResult] = []
        let connections = analysis.connections
        let ordinals = analysis.serverOrdinals
        if let expected = file.connections {
            let passed = expected.contains(connections.count)
            results.append(
                ExpectationResult(
                    name: "connections: \(expected)", passed: passed,
                    message: passed ? nil : "expected \(expected) connection(s), saw \(connections.count)"))
        }
        for (index, rule) in file.rules.enumerated() {
            let label =
                rule.name
                ?? (file.rules.count == 1 && rule.selector.isEmpty && rule.line == 0
                    ? "policy" : "rule \(index + 1) (\(rule.selector))")
            let selected = connections.filter { rule.selector.matches($0, ordinals: ordinals) }
            for clause in rule.clauses {
                let name = "\(label): \(describe(clause))"
                if selected.isEmpty && !rule.selector.isEmpty {
                    results.append(
                        ExpectationResult(
                            name: name, passed: false,
                            message: "no connection matches \(rule.selector)"))
                    continue
                }
                var failure = selected.lazy.compactMap { check(clause, $0, msl: analysis.options.tracker.msl) }.first
                if case .findingPresent(let required) = clause, rule.selector.isEmpty,
                    analysis.hosts?.findings.contains(where: { $0.code == required.code }) == true
                {
                    failure = nil
                }
                // A rule for every connection also holds the host-level findings to its finding clauses.
                if failure == nil, rule.selector.isEmpty, let hosts = analysis.hosts {
                    failure = checkHosts(clause, hosts.findings)
                }
                results.append(ExpectationResult(name: name, passed: failure == nil, message: failure))
            }
        }
        return results
    }

    static func describe(_ clause: ExpectationClause) -> String {
        func sides(_ list: [Initiator?]) -> String { list.map { $0?.rawValue ?? "none" }.joined(separator: " or ") }
        switch clause {
        case .handshake(let list): return "handshake \(list.map(\.rawValue).joined(separator: " or "))"
        case .close(let list): return "close \(list.map(\.rawValue).joined(separator: " or "))"
        case .initiator(let list): return "initiator \(sides(list))"
        case .clientState(let s): return "client state \(s.rawValue)"
        case .serverState(let s): return "server state \(s.rawValue)"
        case .connState(let list): return "conn_state \(list.joined(separator: " or "))"
        case .timeWait(let list): return "time_wait \(sides(list))"
        case .findingPresent(let f):
            return "finding \(f.code.rawValue)" + (f.count.map { " ×\($0)" } ?? "")
                + (f.frame.map { " at frame \($0)" } ?? "")
        case .findingAbsent(let code): return "no finding \(code.rawValue)"
        case .failOn(let severity): return "no finding of severity \(severity.rawValue) or above"
        case .maxDuration(let d): return "duration at most \(Format.seconds(d))"
        case .maxHandshakeRTT(let d): return "handshake RTT at most \(Format.seconds(d))"
        }
    }

    /// nil when `c` satisfies the clause; otherwise the reason, in the tool's terms.
    static func check(_ clause: ExpectationClause, _ c: Connection, msl: Double) -> String? {
        let who = "connection \(c.id) \(c.client.endpoint) → \(c.server.endpoint)"
        func fail(_ text: String) -> String { "\(who): \(text)" }
        switch clause {
        case .handshake(let allowed):
            if allowed.contains(c.handshakeOutcome) { return nil }
            return fail(
                "expected handshake \(allowed.map(\.rawValue).joined(separator: " or ")), saw "
                    + handshakeStory(c))
        case .close(let allowed):
            if allowed.contains(c.closeKind) { return nil }
            return fail("expected close \(allowed.map(\.rawValue).joined(separator: " or ")), saw \(closeStory(c))")
        case .initiator(let allowed):
            if allowed.contains(c.closeInitiator) { return nil }
            return fail(
                "expected initiator \(allowed.map { $0?.rawValue ?? "none" }.joined(separator: " or ")), saw "
                    + closeStory(c))
        case .clientState(let s):
            if c.client.state == s { return nil }
            return fail(
                "expected client state \(s.rawValue), saw \(c.client.state.rawValue)"
                    + (c.client.transitions.last.map { " (since frame \($0.frame))" } ?? ""))
        case .serverState(let s):
            if c.server.state == s { return nil }
            return fail(
                "expected server state \(s.rawValue), saw \(c.server.state.rawValue)"
                    + (c.server.transitions.last.map { " (since frame \($0.frame))" } ?? ""))
        case .connState(let allowed):
            if allowed.contains(c.zeekConnState) { return nil }
            return fail(
                "expected conn_state \(allowed.joined(separator: " or ")), saw \(c.zeekConnState) "
                    + "(history \(c.zeekHistory))")
        case .timeWait(let allowed):
            if allowed.contains(c.timeWaitSide) { return nil }
            return fail(
                "expected TIME_WAIT on \(allowed.map { $0?.rawValue ?? "none" }.joined(separator: " or ")), saw "
                    + (c.timeWaitSide.map { "\($0.rawValue)" } ?? "none"))
        case .findingPresent(let required):
            let matching = c.findings.filter { $0.code == required.code }
            if let frame = required.frame, !matching.contains(where: { $0.frame == frame }) {
                return fail(
                    "expected finding \(required.code.rawValue) at frame \(frame), saw "
                        + (matching.isEmpty
                            ? "none"
                            : "it at frame(s) "
                                + matching.map { String($0.frame) }.joined(separator: ", ")))
            }
            // (Counted over every instance raised, also those past the per-code cap of listed findings.)
            let raised = c.findingCount(of: required.code)
            if let count = required.count, raised != count {
                return fail("expected finding \(required.code.rawValue) \(count) time(s), saw \(raised)")
            }
            if matching.isEmpty { return fail("expected finding \(required.code.rawValue), saw none") }
            return nil
        case .findingAbsent(let code):
            guard let f = c.findings.first(where: { $0.code == code }) else { return nil }
            return fail("unexpected \(code.rawValue) at frame \(f.frame): \(f.detail)")
        case .failOn(let severity):
            guard let f = c.findings.first(where: { $0.severity >= severity }) else { return nil }
            return fail("\(f.severity.rawValue) finding \(f.code.rawValue) at frame \(f.frame): \(f.detail)")
        case .maxDuration(let bound):
            let d = c.start.interval(to: c.end)
            return d <= bound ? nil : fail("lasted \(Format.seconds(d)), more than \(Format.seconds(bound))")
        case .maxHandshakeRTT(let bound):
            guard let rtt = c.handshakeRTT else { return fail("no handshake RTT: handshake \(handshakeStory(c))") }
            return rtt <= bound ? nil : fail("handshake RTT \(Format.seconds(rtt)), more than \(Format.seconds(bound))")
        }
    }

    /// Finding clauses against host-level findings; other clauses are about connections only. A required
    /// finding is met by a connection or by a host.
    static func checkHosts(_ clause: ExpectationClause, _ findings: [HostFinding]) -> String? {
        switch clause {
        case .findingAbsent(let code):
            return findings.first { $0.code == code }.map {
                "host \($0.host): unexpected \(code.rawValue): \($0.detail)"
            }
        case .failOn(let severity):
            return findings.first { $0.severity >= severity }.map {
                "host \($0.host): \($0.severity.rawValue) finding \($0.code.rawValue): \($0.detail)"
            }
        default:
            return nil
        }
    }

    static func handshakeStory(_ c: Connection) -> String {
        var text = c.handshakeOutcome.rawValue
        if let f = c.client.synFrame {
            text += " (SYN at frame \(f)" + (c.server.synAckFrame.map { ", SYN-ACK at frame \($0)" } ?? "") + ")"
        }
        return text
    }

    static func closeStory(_ c: Connection) -> String {
        switch c.closeKind {
        case .reset:
            let by = c.resetSender.map { " by \(c.role(of: $0).rawValue)" } ?? ""
            return "reset\(by) at frame \(c.resetFrame ?? c.lastFrame)"
        case .notClosed:
            return "not-closed (last frame \(c.lastFrame))"
        default:
            let first = c.firstFinSender.flatMap { c[$0].finFrame }.map { " (first FIN at frame \($0))" } ?? ""
            return "\(c.closeKind.rawValue) by \(c.closeInitiator?.rawValue ?? "nobody")\(first)"
        }
    }
}
