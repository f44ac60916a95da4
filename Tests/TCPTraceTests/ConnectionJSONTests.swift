import Foundation
import Testing

@testable import TCPTrace

/// The connection writer (`JSONReport.writeConnection`) and the live events (`LiveEventReport`) against what a
/// test expects from the connection's own facts (docs/json.md, docs/live.md): every member, its value and the
/// order of the members, on every connection of every committed capture. The expected objects are built here,
/// name by name, not through the library's name table or writer, so a renamed, moved or dropped member fails.
@Suite struct ConnectionJSONTests {
    static let captures = CheckSession.captures(in: [fixture("")])

    @Test func everyFixtureIsFound() {
        #expect(Self.captures.count >= 19)
        #expect(Self.captures.contains { $0.hasSuffix(".pcapng") })
        #expect(Self.captures.contains { $0.contains("/synthetic/") })
    }

    @Test(arguments: captures)
    func connectionsHoldTheirFacts(_ capture: String) throws {
        let options = AnalysisOptions()
        let analysis = try Analyzer.analyze(paths: [capture], options: options)
        #expect(!analysis.connections.isEmpty, "\(capture) has no connection to compare")
        // One buffer for all, as the jsonl loop reuses it.
        var out: [UInt8] = []
        // Of the two churn captures' 2,000 alike connections, every 20th after the first 100 (parsing is slow).
        for (i, c) in analysis.connections.enumerated() where i < 100 || i % 20 == 0 {
            let expected = Self.expected(c, msl: options.tracker.msl)
            for pretty in [false, true] {
                out.removeAll(keepingCapacity: true)
                JSONReport.writeConnection(c, options: options, pretty: pretty, indent: 2, into: &out)
                let what = "\(capture) connection \(c.id)\(pretty ? ", pretty" : "")"
                // The first difference in a capture is enough to read; the rest would repeat it.
                guard try holds(out, expected, what) else { return }
                if !pretty { #expect(!out.contains(UInt8(ascii: "\n")), "\(what): one line") }
            }
        }
    }

    @Test(arguments: captures)
    func liveEventsHoldTheirFacts(_ capture: String) throws {
        let file = try CaptureFile(path: capture)
        var monitor = LiveMonitor(
            options: LiveOptions(tracker: TrackerOptions(msl: 30), idleTimeout: 5),
            linkType: file.linkType, interface: "test")
        var events: [LiveEvent] = []
        var last = Timestamp(nanoseconds: 0)
        _ = file.forEachPacket { record, bytes in
            last = record.timestamp
            monitor.packet(record, bytes: bytes) { events.append($0) }
        }
        _ = monitor.finish(at: Timestamp(nanoseconds: last.nanoseconds + 1_000_000_000)) { events.append($0) }
        #expect(events.contains { $0.kind == .closed }, "\(capture) closes no connection")
        for (i, event) in events.enumerated() {
            let line = Array(LiveEventReport.json(event).utf8)
            guard try holds(line, Self.expected(event), "\(capture) event \(i)") else { return }
            #expect(!line.contains(UInt8(ascii: "\n")))
        }
    }

    @Test func theLiveSummaryLine() throws {
        let statistics = LiveStatistics(received: 40, droppedByKernel: 1, droppedByInterface: 2)
        let line = LiveEventReport.summary(
            connections: 3, packets: 20, findings: [.reset: 1, .refused: 2],
            statistics: statistics)
        // Findings in code order.
        let codes = FindingCode.allCases.filter { $0 == .reset || $0 == .refused }
        let expected = ExpectedJSON.object([
            "event": .text("summary"), "connections": .int(3), "packets": .int(20),
            "findings": .members(codes.map { ($0.rawValue, .int($0 == .reset ? 1 : 2)) }),
            "received": .int(40), "dropped_kernel": .int(1), "dropped_interface": .int(2),
        ])
        #expect(try holds(Array(line.utf8), expected, "summary"))
        let bare = LiveEventReport.summary(connections: 0, packets: 0, findings: [:], statistics: nil)
        #expect(bare == #"{"event":"summary","connections":0,"packets":0,"findings":{}}"#)
    }

    /// `elementsKeepTheirSeparators`: an element of the document is its separator and the connection, pretty,
    /// two levels in; `appendElement` appends to what the buffer holds.
    @Test func elementsKeepTheirSeparators() throws {
        let options = AnalysisOptions()
        let analysis = try Analyzer.analyze(paths: [fixture("bulk-loss-mid.pcap")], options: options)
        for (i, c) in analysis.connections.enumerated() {
            var connection: [UInt8] = []
            JSONReport.writeConnection(c, options: options, pretty: true, indent: 2, into: &connection)
            let expected = Array((i == 0 ? "\n    " : ",\n    ").utf8) + connection
            #expect(Array(JSONReport.element(c, options: options, first: i == 0).utf8) == expected, "element \(i)")
            var out = Array("[".utf8)
            JSONReport.appendElement(c, options: options, first: i == 0, into: &out)
            #expect(out == Array("[".utf8) + expected, "appendElement \(i) appends after what the buffer holds")
            // Two levels in: the closing brace of the connection under its opening line.
            #expect(Array(connection.suffix(6)) == Array("\n    }".utf8))
        }
    }

    @Test func theWholeDocumentParses() throws {
        let analysis = try Analyzer.analyze(paths: [fixture("bulk-loss-mid.pcap")], options: AnalysisOptions())
        let json = JSONReport.render(analysis)
        let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        let connections = object?["connections"] as? [[String: Any]]
        #expect(connections?.count == analysis.connections.count)
        #expect(connections?.first?["stats"] != nil)
        #expect(Array(object?.keys ?? [:].keys).sorted() == ["connections", "input", "schema", "summary", "version"])
        #expect(object?["version"] as? String == Version.number)
    }

    /// `written` parses, holds `expected`, and writes its keys in `expected`'s order; records the first
    /// difference as an issue.
    func holds(
        _ written: [UInt8], _ expected: ExpectedJSON, _ what: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> Bool {
        let parsed = try JSONDecoder().decode(JSONNode.self, from: Data(written))
        if let mismatch = expected.mismatch(parsed) {
            Issue.record("\(what): \(mismatch)", sourceLocation: sourceLocation)
            return false
        }
        let order = ExpectedJSON.keyOrder(of: written), wanted = expected.keyOrder
        if order != wanted {
            let at = zip(order, wanted).prefix { $0 == $1 }.count
            let got = order.dropFirst(at).first ?? "-", want = wanted.dropFirst(at).first ?? "-"
            Issue.record("\(what): key \(at) is \(got), expected \(want)", sourceLocation: sourceLocation)
            return false
        }
        return true
    }

    // MARK: What a connection and an event hold (docs/json.md, docs/live.md)

    /// A share of the duration as docs/json.md gives it: six decimals.
    static func share(_ seconds: Double, _ duration: Double) -> Double {
        duration > 0 ? (seconds / duration * 1_000_000).rounded() / 1_000_000 : 0
    }

    /// docs/timing.md, docs/json.md "timing".
    static func timing(_ t: ConnectionTiming, timeWait: Double?) -> ExpectedJSON {
        func direction(_ d: DirectionTiming) -> ExpectedJSON {
            let labels: KeyValuePairs<String, Double> = [
                "rto_stall": d.rtoStall, "loss_recovery": d.lossRecovery, "rwnd_limited": d.rwndLimited,
                "busy": d.busy, "app_limited": d.appLimited, "idle": d.idle,
            ]
            var members: [(String, ExpectedJSON)] = labels.map { ($0.key, .double($0.value)) }
            members.append(("transfer", .double(d.rtoStall + d.lossRecovery + d.rwndLimited + d.busy)))
            members.append(
                // (Rounded to six decimals, docs/json.md.)
                ("shares", .members(labels.map { ($0.key, .double(share($0.value, t.duration))) })))
            members += [
                ("rto_stalls", .int(d.rtoStalls)), ("longest_stall", .double(d.longestStall)),
                ("think_time", .double(d.thinkTime)), ("exchanges", .int(d.exchanges)),
                ("longest_think", .double(d.longestThink)), ("run_time", .double(d.transferTime)),
            ]
            return .members(members)
        }
        return .object([
            "cause": .text(t.diagnosis.cause.rawValue),
            "diagnosis": .text(t.diagnosis.text),
            "capture_point": .text(t.capturePoint.rawValue),
            "handshake": .object([
                "total": .double(t.handshake), "syn_retransmit_wait": .double(t.synRetransmitWait),
                "synack_retransmit_wait": .double(t.synackRetransmitWait),
            ]),
            "client": direction(t.client),
            "server": direction(t.server),
            "close": .object([
                "half_closed": .double(t.halfClosed), "close_wait": .double(t.closeWait),
                "close_wait_side": .text(t.closeWaitRole?.rawValue), "time_wait": .double(timeWait),
            ]),
        ])
    }

    static func expected(_ c: Connection, msl: Double) -> ExpectedJSON {
        let client = c.client, server = c.server
        let role: (Int?) -> ExpectedJSON = { index in .text(index.map { $0 == c.clientIndex ? "client" : "server" }) }
        var timeWaitEnd = c.timeWaitStart.map { Timestamp(nanoseconds: $0.nanoseconds + Int64(2 * msl * 1e9)) }
        if let reused = c.reusedAt, let end = timeWaitEnd, reused < end { timeWaitEnd = reused }
        let all: KeyValuePairs<String, ExpectedJSON> = [
            "id": .int(c.id),
            "client": endpoint(client.endpoint),
            "server": endpoint(server.endpoint),
            "community_id": .text(CommunityID.string(c, seed: 0)),
            "role_evidence": .text(c.roleEvidence.rawValue),
            "first_frame": .int(c.firstFrame),
            "last_frame": .int(c.lastFrame),
            "start": .time(c.start),
            "end": .time(c.end),
            "start_iso": .text(isoUTC(c.start)),
            "end_iso": .text(isoUTC(c.end)),
            "duration": .double(Double(c.end.nanoseconds - c.start.nanoseconds) / 1e9),
            "packets": .object(["client": .int(client.packets), "server": .int(server.packets)]),
            "bytes": .object(["client": .int(client.payloadBytes), "server": .int(server.payloadBytes)]),
            "handshake": .object([
                "outcome": .text(c.handshakeOutcome.rawValue),
                "syn_frame": .int(client.synFrame),
                "synack_frame": .int(server.synAckFrame),
                "ack_frame": .int(server.synAckFrame == nil ? nil : client.ackedPeerSynFrame),
                "syn_count": .int(client.synCount),
                "synack_count": .int(server.synAckCount),
                "rtt": .double(c.handshakeRTT),
                "client_isn": .int(client.isn.map { Int($0.rawValue) }),
                "server_isn": .int(server.isn.map { Int($0.rawValue) }),
                "options": .object(["client": synOptions(client.synOptions), "server": synOptions(server.synOptions)]),
            ]),
            "close": .object([
                "kind": .text(c.closeKind.rawValue),
                "initiator": .text(c.closeInitiator?.rawValue),
                "frames": .object([
                    "client_fin": .int(client.finFrame),
                    "server_fin": .int(server.finFrame),
                    "client_fin_acked": .int(client.finAckedFrame),
                    "server_fin_acked": .int(server.finAckedFrame),
                    "rst": .int(c.resetFrame),
                ]),
                "rst_sender": role(c.resetSender),
            ]),
            "states": .object(["client": .text(client.state.rawValue), "server": .text(server.state.rawValue)]),
            "transitions": .object(["client": transitions(client), "server": transitions(server)]),
            "time_wait": .object([
                "side": .text(c.timeWaitSide?.rawValue),
                "start": .time(c.timeWaitStart),
                "end": .time(timeWaitEnd),
                "reused_after": .double(c.reusedAfter),
            ]),
            "zeek": .object(["conn_state": .text(c.zeekConnState), "history": .text(c.zeekHistory)]),
            "timing": timing(
                c.timing, timeWait: c.timeWaitStart.flatMap { s in timeWaitEnd.map { s.interval(to: $0) } }),
            "stats": .object([
                // (docs/output.md: never a negative round trip; null across a backward step or crossed SYNs.)
                "client": stats(client, c, handshakeRTT: roundTrip(client.synTime, server.synAckTime)),
                "server": stats(server, c, handshakeRTT: roundTrip(server.synAckTime, client.ackedPeerSynTime)),
            ]),
            "findings": .array(c.findings.map { finding($0, c) }),
        ]
        // After the bytes: the tunnel of a tunnelled connection, the interfaces of one seen beyond interface 0.
        var members = all.map { ($0.key, $0.value) }
        var extra: [(String, ExpectedJSON)] = []
        if let t = c.tunnels, let layers = t.paths[c.clientIndex] ?? t.paths[c.serverIndex] {
            extra.append(("tunnel", .array(layers.indices.map { tunnelLayer(t, c, $0) })))
        }
        if c.interfaceMask != 0 {
            extra.append(("interfaces", .array(c.interfaces.map { .int($0) })))
            extra.append(("capture_duplicates", .int(Int(c.captureDuplicates))))
        }
        let afterBytes = members.firstIndex { $0.0 == "bytes" }! + 1
        members.insert(contentsOf: extra, at: afterBytes)
        return .members(members)
    }

    /// Layer `i` of a connection's tunnel, as docs/json.md and the schema describe it.
    static func tunnelLayer(_ t: ConnectionTunnels, _ c: Connection, _ i: Int) -> ExpectedJSON {
        let client = t.paths[c.clientIndex], server = t.paths[c.serverIndex]
        let first = (client ?? server)![i]
        func side(_ path: [TunnelLayer]?) -> ExpectedJSON {
            guard let path, i < path.count else { return .null }
            let layer = path[i]
            var members: [(String, ExpectedJSON)] = []
            if let vni = layer.vni, vni != first.vni { members.append(("vni", .int(Int(vni)))) }
            members += [
                ("source", .text(layer.source.description)), ("destination", .text(layer.destination.description)),
            ]
            if let port = layer.sourcePort { members.append(("source_port", .int(Int(port)))) }
            if let id = layer.directionalID {
                let name = layer.kind == .gtpU ? "teid" : layer.kind == .erspan ? "session" : "key"
                members.append((name, .int(Int(id))))
            }
            return .members(members)
        }
        var members: [(String, ExpectedJSON)] = [("kind", .text(first.kind.name))]
        if let vni = first.vni { members.append(("vni", .int(Int(vni)))) }
        members.append(("client", side(client)))
        members.append(("server", side(server)))
        return .members(members)
    }

    static func expected(_ e: LiveEvent) -> ExpectedJSON {
        let c = e.connection
        let client = c.client, server = c.server
        let common: KeyValuePairs<String, ExpectedJSON> = [
            "event": .text(e.kind.rawValue), "time": .time(e.time), "id": .int(c.id),
            "client": endpoint(client.endpoint), "server": endpoint(server.endpoint),
        ]
        let own: KeyValuePairs<String, ExpectedJSON>
        switch e.kind {
        case .opened:
            own = [
                "handshake": .text(c.handshakeOutcome.rawValue), "syn_frame": .int(client.synFrame),
                "rtt": .double(c.handshakeRTT),
            ]
        case .finding:
            own = e.finding.map { ["finding": finding($0, c)] } ?? [:]
        case .closed:
            own = [
                "close": .text(c.closeKind.rawValue), "initiator": .text(c.closeInitiator?.rawValue),
                "duration": .double(Double(c.end.nanoseconds - c.start.nanoseconds) / 1e9),
                "bytes": .object(["client": .int(client.payloadBytes), "server": .int(server.payloadBytes)]),
                "states": .object(["client": .text(client.state.rawValue), "server": .text(server.state.rawValue)]),
                "time_wait": .text(c.timeWaitSide?.rawValue),
                "zeek": .object(["conn_state": .text(c.zeekConnState), "history": .text(c.zeekHistory)]),
            ]
        }
        return .members((Array(common) + Array(own)).map { ($0.key, $0.value) })
    }

    static func endpoint(_ e: Endpoint) -> ExpectedJSON {
        .object(["address": .text(e.address.description), "port": .int(Int(e.port))])
    }

    static func synOptions(_ o: TCPOptions?) -> ExpectedJSON {
        guard let o else { return .null }
        return .object([
            "mss": .int(o.mss.map(Int.init)), "window_scale": .int(o.windowScale.map(Int.init)),
            "sack_permitted": .bool(o.sackPermitted), "timestamps": .bool(o.timestampValue != nil),
        ])
    }

    static func transitions(_ side: HalfConnection) -> ExpectedJSON {
        .array(side.transitions.map { .object(["frame": .int($0.frame), "state": .text($0.state.rawValue)]) })
    }

    static func finding(_ f: Finding, _ c: Connection) -> ExpectedJSON {
        var members: KeyValuePairs<String, ExpectedJSON> = [
            "code": .text(f.code.rawValue), "severity": .text(f.code.severity.rawValue), "frame": .int(f.frame),
            "time": .time(f.time), "sender": .text(f.senderIndex.map { $0 == c.clientIndex ? "client" : "server" }),
            "detail": .text(f.detail),
        ]
        // docs/json.md: `ttl` only on a RST's finding whose TTL differs from its sender's other segments.
        if let ttl = f.ttl {
            members = [
                "code": .text(f.code.rawValue), "severity": .text(f.code.severity.rawValue), "frame": .int(f.frame),
                "time": .time(f.time),
                "sender": .text(f.senderIndex.map { $0 == c.clientIndex ? "client" : "server" }),
                "detail": .text(f.detail),
                "ttl": .object(["rst": .int(Int(ttl.rst)), "sender": .int(Int(ttl.sender))]),
            ]
        }
        return .object(members)
    }

    static func roundTrip(_ from: Timestamp?, _ to: Timestamp?) -> Double? {
        interval(from, to).flatMap { $0 >= 0 ? $0 : nil }
    }

    static func interval(_ from: Timestamp?, _ to: Timestamp?) -> Double? {
        guard let from, let to else { return nil }
        return Double(to.nanoseconds - from.nanoseconds) / 1e9
    }

    /// docs/output.md, "Per-direction statistics".
    static func stats(_ side: HalfConnection, _ c: Connection, handshakeRTT: Double?) -> ExpectedJSON {
        let st = side.stats, rtt = st.rtt, windows = st.windowCount > 0
        let duration = Double(c.end.nanoseconds - c.start.nanoseconds) / 1e9
        let sampled: (Double) -> ExpectedJSON = { rtt.count > 0 ? .double($0) : .null }
        return .object([
            "packets": .int(side.packets), "pure_acks": .int(st.pureAcks), "sack_acks": .int(st.sackAcks),
            "dsacks": .int(st.dsacks), "payload_packets": .int(st.payloadPackets),
            "payload_bytes": .int(side.payloadBytes), "unique_bytes": .int(st.uniqueBytes),
            "retransmitted_packets": .int(st.retransmittedPackets),
            "retransmitted_bytes": .int(st.retransmittedBytes), "out_of_order_packets": .int(st.outOfOrderPackets),
            "zero_window_advertisements": .int(st.zeroWindowAdvertisements),
            "zero_window_probes": .int(st.zeroWindowProbes), "keep_alives": .int(st.keepAlives),
            "syn": .int(side.synCount + side.synAckCount), "fin": .int(side.finCount), "rst": .int(side.rstCount),
            "mss": .int(side.synOptions?.mss.map(Int.init)),
            "window_scale": .int(side.synOptions?.windowScale.map(Int.init)),
            "sack_permitted": .bool(side.synOptions?.sackPermitted ?? false),
            "timestamps": .bool(side.synOptions?.timestampValue != nil),
            "window_min": windows ? .int(st.windowMin) : .null,
            "window_max": windows ? .int(st.windowMax) : .null,
            "window_mean": windows ? .double(st.meanWindow) : .null,
            "initial_window": st.initialWindow.map { .int($0) } ?? .null,
            "gap_bytes": .int(st.gapBytes), "truncated_bytes": .int(st.truncatedBytes),
            "longest_idle": .double(st.longestIdle),
            "throughput": duration > 0 ? .double(Double(st.uniqueBytes) / duration) : .null,
            "handshake_rtt": .double(handshakeRTT),
            "rtt_samples": .int(rtt.count), "rtt_min": sampled(rtt.min), "rtt_median": sampled(rtt.quantile(0.5)),
            "rtt_p95": sampled(rtt.quantile(0.95)), "rtt_max": sampled(rtt.max), "rtt_mean": sampled(rtt.mean),
            "rtt_stddev": sampled(rtt.standardDeviation),
        ])
    }
}

/// ISO 8601 in UTC from the C library's `gmtime_r`, six fraction digits (nine when the time has
/// sub-microsecond digits): what `start_iso` and `end_iso` hold.
func isoUTC(_ t: Timestamp) -> String {
    var clock = time_t(t.nanoseconds / 1_000_000_000)
    var parts = tm()
    gmtime_r(&clock, &parts)
    func pad(_ v: Int, _ width: Int) -> String {
        let s = String(v)
        return String(repeating: "0", count: max(0, width - s.count)) + s
    }
    let fraction = Int(t.nanoseconds % 1_000_000_000)
    let digits = fraction % 1000 == 0 ? pad(fraction / 1000, 6) : pad(fraction, 9)
    return "\(parts.tm_year + 1900)-\(pad(Int(parts.tm_mon) + 1, 2))-\(pad(Int(parts.tm_mday), 2))T"
        + "\(pad(Int(parts.tm_hour), 2)):\(pad(Int(parts.tm_min), 2)):\(pad(Int(parts.tm_sec), 2)).\(digits)Z"
}
