/// Renders an `Analysis` as the `tcptrace-swift/1` JSON document (schema: `schema/tcptrace-swift-1.schema.json`).
/// Field names are a public contract: never rename one.
public enum JSONReport {
    public static let schemaName = "tcptrace-swift/1"

    /// The whole document at once (small traces, tests). Same text as the streamed form.
    public static func render(_ analysis: Analysis) -> String {
        var out = start()
        for (i, c) in analysis.connections.enumerated() { out += element(c, options: analysis.options, first: i == 0) }
        return out + end(analysis)
    }

    /// The streamed form: `start()`, then `element` for each connection as it is final, then `end`.
    /// Connections come before `input` and `summary`, which are known only at the end of the trace.
    public static func start() -> String {
        "{\n  \"schema\": \"\(schemaName)\",\n  \"connections\": ["
    }

    public static func element(_ c: Connection, options: AnalysisOptions, first: Bool) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(8192)
        appendElement(c, options: options, first: first, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// `element` appended to `out` as bytes (a reused buffer keeps its capacity).
    public static func appendElement(_ c: Connection, options: AnalysisOptions, first: Bool, into out: inout [UInt8]) {
        out += (first ? "\n    " : ",\n    ").utf8
        writeConnection(c, options: options, pretty: true, indent: 2, into: &out)
    }

    public static func end(_ analysis: Analysis) -> String {
        let tail = analysis.totals.connections == 0 ? "]" : "\n  ]"
        var out = tail + ",\n  \"input\": " + input(analysis.input).serialized(pretty: true, indent: 1)
        if let view = analysis.hosts { out += ",\n  \"hosts\": " + hosts(view).serialized(pretty: true, indent: 1) }
        return out + ",\n  \"summary\": " + summary(analysis).serialized(pretty: true, indent: 1) + "\n}\n"
    }

    static func input(_ s: CaptureSummary) -> JSONValue {
        .object([
            ("files", .array(s.files.map { file in
                .object([
                    ("path", .string(file.path)),
                    ("link_type", .string(file.linkType.name)),
                    ("dlt", .int(Int64(file.linkType.rawValue))),
                    ("snap_length", .int(Int64(file.snapLength))),
                    ("packets", .int(Int64(file.packets))),
                    ("first_frame", .optional(file.firstFrame)),
                    ("last_frame", .optional(file.lastFrame)),
                    ("start", .time(file.firstTime)),
                    ("end", .time(file.lastTime)),
                    ("damage", .optional(file.damage)),
                ])
            })),
            ("link_types", .array(s.linkTypes.map { .string($0.name) })),
            ("packets", .int(Int64(s.packets))),
            ("tcp_segments", .int(Int64(s.tcpSegments))),
            ("non_tcp", .int(Int64(s.nonTCP))),
            ("truncated", .int(Int64(s.truncated))),
            ("options_truncated", .int(Int64(s.optionsTruncated))),
            ("malformed", .int(Int64(s.malformed))),
            ("fragments", .int(Int64(s.fragments))),
            ("start", .time(s.firstTime)),
            ("end", .time(s.lastTime)),
            ("problems", .array(s.problems.map { problem in
                .object([
                    ("frame", .int(Int64(problem.frame))),
                    ("kind", .string(problem.isTruncation ? "truncated" : "malformed")),
                    ("detail", .string(problem.problem.description)),
                ])
            })),
            ("warnings", .array(s.warnings.map { .string($0) })),
            ("notes", .array(s.notes.map { .string($0) })),
        ])
    }

    static func summary(_ analysis: Analysis) -> JSONValue {
        let counts = analysis.totals
        return .object([
            ("connections", .int(Int64(counts.connections))),
            ("evicted_half_open", .int(Int64(analysis.evictedHalfOpen))),
            ("evicted_other", .int(Int64(analysis.evictedOther))),
            ("findings", .object(counts.byCode.map { ($0.code.rawValue, .int(Int64($0.count))) })),
            ("severities", .object(Severity.allCases.map { ($0.rawValue, .int(Int64(counts.count(of: $0)))) })),
        ])
    }

    static func endpoint(_ e: Endpoint) -> JSONValue {
        .object([("address", .string(e.address.description)), ("port", .int(Int64(e.port)))])
    }

    static func synOptions(_ o: TCPOptions?) -> JSONValue {
        guard let o else { return .null }
        return .object([
            ("mss", .optional(o.mss.map(Int.init))),
            ("window_scale", .optional(o.windowScale.map(Int.init))),
            ("sack_permitted", .bool(o.sackPermitted)),
            ("timestamps", .bool(o.timestampValue != nil)),
        ])
    }

    public static func connection(_ c: Connection, options: AnalysisOptions) -> JSONValue {
        let client = c.client, server = c.server
        let role: (Int?) -> JSONValue = { index in index.map { .string(c.role(of: $0).rawValue) } ?? .null }
        let twStart = c.timeWaitStart
        let twEnd = timeWaitEnd(c, start: twStart, options: options)
        let closeFrames: [(String, JSONValue)] = [
            ("client_fin", .optional(client.finFrame)),
            ("server_fin", .optional(server.finFrame)),
            ("client_fin_acked", .optional(client.finAckedFrame)),
            ("server_fin_acked", .optional(server.finAckedFrame)),
            ("rst", .optional(c.resetFrame)),
        ]
        return .object([
            ("id", .int(Int64(c.id))),
            ("client", endpoint(client.endpoint)),
            ("server", endpoint(server.endpoint)),
            ("role_evidence", .string(c.roleEvidence.rawValue)),
            ("first_frame", .int(Int64(c.firstFrame))),
            ("last_frame", .int(Int64(c.lastFrame))),
            ("start", .time(c.start)),
            ("end", .time(c.end)),
            ("duration", .double(c.start.interval(to: c.end))),
            ("packets", .object([("client", .int(Int64(client.packets))), ("server", .int(Int64(server.packets)))])),
            ("bytes", .object([("client", .int(Int64(client.payloadBytes))),
                               ("server", .int(Int64(server.payloadBytes)))])),
            ("handshake", .object([
                ("outcome", .string(c.handshakeOutcome.rawValue)),
                ("syn_frame", .optional(client.synFrame)),
                ("synack_frame", .optional(server.synAckFrame)),
                ("ack_frame", .optional(server.synAckFrame != nil ? client.ackedPeerSynFrame : nil)),
                ("syn_count", .int(Int64(client.synCount))),
                ("synack_count", .int(Int64(server.synAckCount))),
                ("rtt", .optional(c.handshakeRTT)),
                ("client_isn", .optional(client.isn.map { Int($0.rawValue) })),
                ("server_isn", .optional(server.isn.map { Int($0.rawValue) })),
                ("options", .object([("client", synOptions(client.synOptions)), ("server", synOptions(server.synOptions))])),
            ])),
            ("close", .object([
                ("kind", .string(c.closeKind.rawValue)),
                ("initiator", .optional(c.closeInitiator?.rawValue)),
                ("frames", .object(closeFrames)),
                ("rst_sender", role(c.resetSender)),
            ])),
            ("states", .object([("client", .string(client.state.rawValue)), ("server", .string(server.state.rawValue))])),
            ("transitions", .object([("client", transitions(client)), ("server", transitions(server))])),
            ("time_wait", .object([
                ("side", .optional(c.timeWaitSide?.rawValue)),
                ("start", .time(twStart)),
                ("end", .time(twEnd)),
                ("reused_after", .optional(c.reusedAfter)),
            ])),
            ("zeek", .object([("conn_state", .string(c.zeekConnState)), ("history", .string(c.zeekHistory))])),
            ("stats", .object([("client", DirectionFigures.json(c, c.clientIndex)),
                               ("server", DirectionFigures.json(c, c.serverIndex))])),
            ("findings", .array(c.findings.map { finding($0, in: c) })),
        ])
    }

    /// Appends the bytes of `connection(c, options:).serialized(pretty:indent:)` to `out`, without building
    /// the tree: one line if `pretty` is false (jsonl), else indented from level `indent`. The members and
    /// their order are `connection`'s; `JSONWriterTests` holds the two to the same bytes on every fixture.
    /// `out` is appended to: a caller writing many connections clears it with
    /// `removeAll(keepingCapacity: true)` between them.
    public static func writeConnection(_ c: Connection, options: AnalysisOptions, pretty: Bool, indent: Int,
                                       into out: inout [UInt8]) {
        JSONWriter.appending(to: &out, indent: pretty ? indent : nil) { w in
            write(c, options: options, to: &w)
        }
    }

    private static func write(_ c: Connection, options: AnalysisOptions, to w: inout JSONWriter) {
        // The endpoints are read where they are stored (`c.client` would copy one, arrays and all).
        c.withSide(c.clientIndex) { client in
            c.withSide(c.serverIndex) { server in
                write(c, client: client, server: server, options: options, to: &w)
            }
        }
    }

    private static func write(_ c: Connection, client: borrowing HalfConnection, server: borrowing HalfConnection,
                              options: AnalysisOptions, to w: inout JSONWriter) {
        let twStart = c.timeWaitStart
        let twEnd = timeWaitEnd(c, start: twStart, options: options)
        w.beginObject()
        w.member("id", c.id)
        w.key("client"); write(client.endpoint, to: &w)
        w.key("server"); write(server.endpoint, to: &w)
        w.member("role_evidence", word: c.roleEvidence.rawValue)
        w.member("first_frame", c.firstFrame)
        w.member("last_frame", c.lastFrame)
        w.member("start", time: c.start)
        w.member("end", time: c.end)
        w.member("duration", c.start.interval(to: c.end))
        w.key("packets"); w.beginObject()
        w.member("client", client.packets)
        w.member("server", server.packets)
        w.endObject()
        w.key("bytes"); w.beginObject()
        w.member("client", Int64(client.payloadBytes))
        w.member("server", Int64(server.payloadBytes))
        w.endObject()

        w.key("handshake"); w.beginObject()
        w.member("outcome", word: c.handshakeOutcome.rawValue)
        w.member("syn_frame", client.synFrame)
        w.member("synack_frame", server.synAckFrame)
        w.member("ack_frame", server.synAckFrame != nil ? client.ackedPeerSynFrame : nil)
        w.member("syn_count", client.synCount)
        w.member("synack_count", server.synAckCount)
        w.member("rtt", c.handshakeRTT)
        w.member("client_isn", client.isn.map { Int($0.rawValue) })
        w.member("server_isn", server.isn.map { Int($0.rawValue) })
        w.key("options"); w.beginObject()
        w.key("client"); write(client.synOptions, to: &w)
        w.key("server"); write(server.synOptions, to: &w)
        w.endObject()
        w.endObject()

        w.key("close"); w.beginObject()
        w.member("kind", word: c.closeKind.rawValue)
        w.member("initiator", word: c.closeInitiator?.rawValue)
        w.key("frames"); w.beginObject()
        w.member("client_fin", client.finFrame)
        w.member("server_fin", server.finFrame)
        w.member("client_fin_acked", client.finAckedFrame)
        w.member("server_fin_acked", server.finAckedFrame)
        w.member("rst", c.resetFrame)
        w.endObject()
        w.member("rst_sender", word: c.resetSender.map { c.role(of: $0).rawValue })
        w.endObject()

        w.key("states"); w.beginObject()
        w.member("client", word: client.state.rawValue)
        w.member("server", word: server.state.rawValue)
        w.endObject()
        w.key("transitions"); w.beginObject()
        w.key("client"); writeTransitions(client, to: &w)
        w.key("server"); writeTransitions(server, to: &w)
        w.endObject()
        w.key("time_wait"); w.beginObject()
        w.member("side", word: c.timeWaitSide?.rawValue)
        w.member("start", time: twStart)
        w.member("end", time: twEnd)
        w.member("reused_after", c.reusedAfter)
        w.endObject()
        w.key("zeek"); w.beginObject()
        w.member("conn_state", word: c.zeekConnState)
        w.member("history", c.zeekHistory)
        w.endObject()
        w.key("stats"); w.beginObject()
        w.key("client"); DirectionFigures.write(c, c.clientIndex, to: &w)
        w.key("server"); DirectionFigures.write(c, c.serverIndex, to: &w)
        w.endObject()
        w.key("findings"); w.beginArray()
        for f in c.findings { write(f, in: c, to: &w) }
        w.endArray()
        w.endObject()
    }

    private static func write(_ e: Endpoint, to w: inout JSONWriter) {
        w.beginObject()
        w.member("address", address: e.address)
        w.member("port", Int(e.port))
        w.endObject()
    }

    private static func write(_ o: TCPOptions?, to w: inout JSONWriter) {
        guard let o else { w.null(); return }
        w.beginObject()
        w.member("mss", o.mss.map(Int.init))
        w.member("window_scale", o.windowScale.map(Int.init))
        w.member("sack_permitted", o.sackPermitted)
        w.member("timestamps", o.timestampValue != nil)
        w.endObject()
    }

    private static func writeTransitions(_ side: HalfConnection, to w: inout JSONWriter) {
        w.beginArray()
        for t in side.transitions {
            w.beginObject()
            w.member("frame", t.frame)
            w.member("state", word: t.state.rawValue)
            w.endObject()
        }
        w.endArray()
    }

    private static func write(_ f: Finding, in c: Connection, to w: inout JSONWriter) {
        w.beginObject()
        w.member("code", word: f.code.rawValue)
        w.member("severity", word: f.severity.rawValue)
        w.member("frame", f.frame)
        w.member("time", time: f.time)
        w.member("sender", word: f.senderIndex.map { c.role(of: $0).rawValue })
        w.member("detail", f.detail)
        w.endObject()
    }

    /// 2 MSL after TIME_WAIT began (`start`, the connection's `timeWaitStart`, which is not free to ask
    /// twice), or earlier if a new incarnation reused the pair.
    static func timeWaitEnd(_ c: Connection, start: Timestamp?, options: AnalysisOptions) -> Timestamp? {
        guard let start else { return nil }
        let end = Timestamp(nanoseconds: start.nanoseconds + Int64(2 * options.tracker.msl * 1e9))
        if let reusedAt = c.reusedAt, reusedAt < end { return reusedAt }
        return end
    }

    /// `hosts[]`: docs/hosts.md, and its members in docs/json.md, "hosts".
    public static func hosts(_ view: HostView) -> JSONValue {
        .array(view.hosts.map { h in
            .object([
                ("address", .string(h.address.description)),
                ("connections", .object([("opened_as_client", .int(Int64(h.openedAsClient))),
                                         ("accepted_as_server", .int(Int64(h.acceptedAsServer)))])),
                ("time_wait", .object([("peak", .int(Int64(h.timeWaitPeak))), ("peak_time", .time(h.timeWaitPeakTime)),
                                       ("at_end", .int(Int64(h.timeWaitAtEnd)))])),
                ("pairs", .array(h.pairs.map { p in
                    .object([
                        ("server", endpoint(p.pair.server)),
                        ("connections", .int(Int64(p.connections))),
                        ("handshakes_per_second", .object([("peak", .int(Int64(p.handshakesPerSecondPeak))),
                                                           ("mean", .double(p.handshakesPerSecondMean))])),
                        ("median_lifetime", .double(p.medianLifetime)),
                        ("requests_per_connection", .object([("mean", .double(p.requestsMean)),
                                                             ("median", .double(p.requestsMedian))])),
                        ("single_request", .int(Int64(p.singleRequest))),
                        ("keepalive_candidates", .int(Int64(p.keepaliveCandidates))),
                        ("time_wait_side", .object(["client", "server", "both", "none"].map {
                            ($0, .int(Int64(p.timeWaitSide[$0] ?? 0))) })),
                        ("time_wait_peak", .int(Int64(p.timeWaitPeak))),
                        ("time_wait_peak_share", .double(p.timeWaitPeakShare)),
                    ])
                })),
                ("findings", .array(h.findings.map { f in
                    .object([("code", .string(f.code.rawValue)), ("severity", .string(f.severity.rawValue)),
                             ("time", .time(f.time)), ("detail", .string(f.detail))])
                })),
            ])
        })
    }

    static func transitions(_ side: HalfConnection) -> JSONValue {
        .array(side.transitions.map { .object([("frame", .int(Int64($0.frame))), ("state", .string($0.state.rawValue))]) })
    }

    static func finding(_ f: Finding, in c: Connection) -> JSONValue {
        .object([
            ("code", .string(f.code.rawValue)),
            ("severity", .string(f.severity.rawValue)),
            ("frame", .int(Int64(f.frame))),
            ("time", .time(f.time)),
            ("sender", f.senderIndex.map { .string(c.role(of: $0).rawValue) } ?? .null),
            ("detail", .string(f.detail)),
        ])
    }
}

/// Findings counted per code (in code order) and per severity, over connections added one by one.
public struct FindingTotals: Sendable {
    private var counts: [FindingCode: Int] = [:]
    public private(set) var connections = 0

    public init() {}

    public init(_ connections: [Connection]) {
        for c in connections { add(c) }
    }

    public mutating func add(_ c: Connection) {
        connections += 1
        for (code, count) in c.findingCounts { counts[code, default: 0] += count }
    }

    public mutating func add(_ f: HostFinding) { counts[f.code, default: 0] += 1 }

    public var byCode: [(code: FindingCode, count: Int)] {
        FindingCode.allCases.compactMap { code in counts[code].map { (code, $0) } }
    }

    public func count(of severity: Severity) -> Int {
        byCode.filter { $0.code.severity == severity }.reduce(0) { $0 + $1.count }
    }

    public var highestSeverity: Severity? {
        byCode.map(\.code.severity).max()
    }
}
