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
        (first ? "\n    " : ",\n    ") + connection(c, options: options).serialized(pretty: true, indent: 2)
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
        var twEnd: Timestamp? = twStart.map { Timestamp(nanoseconds: $0.nanoseconds + Int64(2 * options.tracker.msl * 1e9)) }
        if let reusedAt = c.reusedAt, let end = twEnd, reusedAt < end { twEnd = reusedAt }
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

    /// `hosts[]`: README "Host view".
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
