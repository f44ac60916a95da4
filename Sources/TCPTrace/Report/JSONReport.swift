/// Renders an `Analysis` as the `tcptrace-swift/1` JSON document (schema: `schema/tcptrace-swift-1.schema.json`).
/// Member names come from `JSONKey` and are a public contract: never rename one.
///
/// The document is written in pieces, so that it can be streamed: `start()`, then `appendElement` for each
/// connection as it is final, then `end`. A connection is written by `writeConnection`
/// (`JSONReport+Connection.swift`), the one writer of its layout, which the jsonl form and the live events
/// (`LiveEventReport`) use too; the parts written once per document (`input`, `hosts`, `summary`) are built as
/// a `JSONValue` tree.
public enum JSONReport {
    public static let schemaName = "tcptrace-swift/1"

    /// The whole document at once (small traces, tests). Same text as the streamed form.
    public static func render(_ analysis: Analysis) -> String {
        var out = start()
        for (i, c) in analysis.connections.enumerated() { out += element(c, options: analysis.options, first: i == 0) }
        return out + end(analysis)
    }

    /// The document up to its first connection. Connections come before `input` and `summary`, which are known
    /// only at the end of the trace.
    public static func start() -> String {
        "{" + member(.schema) + "\"\(schemaName)\"," + member(.version) + "\"\(Version.number)\","
            + member(.connections) + "["
    }

    /// One connection of the document's `connections`, with the separator before it.
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

    /// The document after its last connection: `input`, `hosts` if the analysis has them, and `summary`.
    public static func end(_ analysis: Analysis) -> String {
        let tail = analysis.totals.connections == 0 ? "]" : "\n  ]"
        var out = tail + "," + member(.input) + input(analysis.input).serialized(pretty: true, indent: 1)
        if let view = analysis.hosts { out += "," + member(.hosts) + hosts(view).serialized(pretty: true, indent: 1) }
        return out + "," + member(.summary) + summary(analysis).serialized(pretty: true, indent: 1) + "\n}\n"
    }

    /// The last line of the jsonl form with the host view: `{"hosts":[...]}` and a line break.
    public static func hostsLine(_ view: HostView) -> String {
        JSONValue.object([.hosts: hosts(view)]).serialized(pretty: false) + "\n"
    }

    /// A line break and the start of a top-level member of the document: `"name": `.
    private static func member(_ key: JSONKey) -> String {
        "\n  \"" + key.string + "\": "
    }

    static func input(_ s: CaptureSummary) -> JSONValue {
        guard case .object(var members) = inputMembers(s) else { return inputMembers(s) }
        if let counts = s.checksums {
            members.append(
                (
                    JSONKey.checksums.string,
                    .object([.bad: .int(Int64(counts.bad)), .unverifiable: .int(Int64(counts.unverifiable))])
                ))
        }
        // (The kinds are data, not names: `Encapsulation.named`.)
        members.append(
            (
                JSONKey.encapsulations.string,
                .object(s.encapsulationCounts.map { ($0.name, JSONValue.int(Int64($0.segments))) })
            ))
        members.append(
            (
                JSONKey.damagedTunnels.string,
                .object(
                    TunnelKind.allCases.compactMap { kind in
                        s.damagedTunnels[kind].map {
                            (
                                kind.name,
                                .object([.truncated: .int(Int64($0.truncated)), .malformed: .int(Int64($0.malformed))])
                            )
                        }
                    })
            ))
        members.append((JSONKey.captureDuplicates.string, .int(Int64(s.captureDuplicates))))
        return .object(members)
    }

    /// `input` without the `checksums` member (present only with --verify-checksums) and `encapsulations`.
    private static func inputMembers(_ s: CaptureSummary) -> JSONValue {
        .object([
            .files: .array(
                s.files.map { file in
                    .object([
                        .path: .string(file.path),
                        .linkType: .string(file.linkType.name),
                        .dlt: .int(Int64(file.linkType.rawValue)),
                        .snapLength: .int(Int64(file.snapLength)),
                        .packets: .int(Int64(file.packets)),
                        .firstFrame: .optional(file.firstFrame),
                        .lastFrame: .optional(file.lastFrame),
                        .start: .time(file.firstTime),
                        .end: .time(file.lastTime),
                        .damage: .optional(file.damage),
                    ])
                }),
            .linkTypes: .array(s.linkTypes.map { .string($0.name) }),
            .packets: .int(Int64(s.packets)),
            .tcpSegments: .int(Int64(s.tcpSegments)),
            .nonTCP: .int(Int64(s.nonTCP)),
            .truncated: .int(Int64(s.truncated)),
            .optionsTruncated: .int(Int64(s.optionsTruncated)),
            .malformed: .int(Int64(s.malformed)),
            .fragments: .int(Int64(s.fragments)),
            .start: .time(s.firstTime),
            .end: .time(s.lastTime),
            .startISO: s.firstTime.map { .string(TimeWriter.iso8601($0)) } ?? .null,
            .endISO: s.lastTime.map { .string(TimeWriter.iso8601($0)) } ?? .null,
            .problems: .array(
                s.problems.map { problem in
                    .object([
                        .frame: .int(Int64(problem.frame)),
                        .kind: .string(problem.isTruncation ? "truncated" : "malformed"),
                        .detail: .string(problem.description),
                        .tunnel: problem.tunnel.map { .string($0.name) } ?? .null,
                    ])
                }),
            .warnings: .array(s.warnings.map { .string($0) }),
            .notes: .array(s.notes.map { .string($0) }),
        ])
    }

    /// Keyed by finding code and by severity, whose names are their enums' raw values.
    static func summary(_ analysis: Analysis) -> JSONValue {
        let counts = analysis.totals
        return .object([
            .connections: .int(Int64(counts.connections)),
            .evictedHalfOpen: .int(Int64(analysis.evictedHalfOpen)),
            .evictedOther: .int(Int64(analysis.evictedOther)),
            .findings: .object(counts.byCode.map { ($0.code.rawValue, .int(Int64($0.count))) }),
            .severities: .object(Severity.allCases.map { ($0.rawValue, .int(Int64(counts.count(of: $0)))) }),
            .unselected: .int(Int64(counts.unselected)),
            .minSeverity: .string(analysis.options.selection.minSeverity.rawValue),
            .slowest: .array(
                counts.slowest.entries.map { e in
                    .object([
                        .id: .int(Int64(e.id)),
                        .duration: .double(e.duration),
                        .cause: .string(e.diagnosis.cause.rawValue),
                        .diagnosis: .string(e.diagnosis.text),
                    ])
                }),
        ])
    }

    /// `hosts[]`: docs/hosts.md, and its members in docs/json.md, "hosts".
    public static func hosts(_ view: HostView) -> JSONValue {
        .array(
            view.hosts.map { h in
                .object([
                    .address: .string(h.address.description),
                    .connections: .object([
                        .openedAsClient: .int(Int64(h.openedAsClient)),
                        .acceptedAsServer: .int(Int64(h.acceptedAsServer)),
                    ]),
                    .timeWait: .object([
                        .peak: .int(Int64(h.timeWaitPeak)),
                        .peakTime: .time(h.timeWaitPeakTime),
                        .atEnd: .int(Int64(h.timeWaitAtEnd)),
                    ]),
                    .pairs: .array(h.pairs.map(pair)),
                    .findings: .array(
                        h.findings.map { f in
                            .object([
                                .code: .string(f.code.rawValue),
                                .severity: .string(f.severity.rawValue),
                                .time: .time(f.time),
                                .detail: .string(f.detail),
                            ])
                        }),
                ])
            })
    }

    /// One client → server pair of a host.
    private static func pair(_ p: PairStats) -> JSONValue {
        .object([
            .server: .object([
                .address: .string(p.pair.server.address.description),
                .port: .int(Int64(p.pair.server.port)),
            ]),
            .connections: .int(Int64(p.connections)),
            .handshakesPerSecond: .object([
                .peak: .int(Int64(p.handshakesPerSecondPeak)),
                .mean: .double(p.handshakesPerSecondMean),
            ]),
            .medianLifetime: .double(p.medianLifetime),
            .requestsPerConnection: .object([.mean: .double(p.requestsMean), .median: .double(p.requestsMedian)]),
            .singleRequest: .int(Int64(p.singleRequest)),
            .keepaliveCandidates: .int(Int64(p.keepaliveCandidates)),
            // `HostAccumulator` counts the sides by these names (an `Initiator`'s raw value, or none).
            .timeWaitSide: .object(
                [JSONKey.client, .server, .both, .none].map { side in
                    (side.string, .int(Int64(p.timeWaitSide[side.string] ?? 0)))
                }),
            .timeWaitPeak: .int(Int64(p.timeWaitPeak)),
            .timeWaitPeakShare: .double(p.timeWaitPeakShare),
        ])
    }
}
