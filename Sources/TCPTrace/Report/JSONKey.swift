/// Every JSON member name we write, spelled once: the `tcptrace-swift/1` document of `analyze` (json, jsonl,
/// `schema/tcptrace-swift-1.schema.json`), the live events (docs/live.md) and `check --format json`
/// (docs/check.md). The names are a public contract: never rename one (`JSONKeyTests` holds each to the schema
/// or the page that documents it, and every name of the schema to this table).
///
/// Keys that are data rather than names (finding codes, severities) come from their own enums.
///
/// The writer takes a key's bytes from `JSONKeyTable`, by the key's raw value (its place in this list).
enum JSONKey: UInt8, CaseIterable, Sendable {
    // The document
    case schema, version, connections, input, hosts, summary

    // A connection (docs/json.md, "connections")
    case id, client, server, communityID, roleEvidence, firstFrame, lastFrame, start, end, startISO, endISO,
        duration, packets
    case bytes
    case handshake, outcome, synFrame, synackFrame, ackFrame, synCount, synackCount, rtt, clientISN, serverISN
    case options, close, kind, initiator, frames, clientFin, serverFin, clientFinAcked, serverFinAcked, rst
    case rstSender, states, transitions, timeWait, side, reusedAfter, zeek, connState, history, stats, findings
    case badChecksums
    case tunnel, interfaces, vni, source, destination, sourcePort, teid, key, session
    case address, port
    case mss, windowScale, sackPermitted, timestamps
    case frame, state
    case code, severity, time, sender, detail, ttl

    // `timing` (docs/timing.md) and `summary.slowest`
    case timing, cause, diagnosis, capturePoint, total, synRetransmitWait, synackRetransmitWait, rtoStall, lossRecovery,
        rwndLimited, busy, appLimited, idle, transfer, shares, rtoStalls, longestStall, thinkTime, exchanges,
        longestThink, runTime, halfClosed, closeWait, closeWaitSide, slowest

    // Per-direction statistics (`DirectionFigures`; packets, mss and the like above)
    case pureAcks, sackAcks, dsacks, payloadPackets, payloadBytes, uniqueBytes, retransmittedPackets
    case retransmittedBytes, outOfOrderPackets, zeroWindowAdvertisements, zeroWindowProbes, keepAlives, syn, fin
    case windowMin, windowMax, windowMean, initialWindow, gapBytes, truncatedBytes, longestIdle, throughput
    case handshakeRTT, rttSamples, rttMin, rttMedian, rttP95, rttMax, rttMean, rttStddev

    // `input` and `summary`
    case files, path, linkType, dlt, snapLength, damage, linkTypes, tcpSegments, nonTCP, truncated
    case optionsTruncated, malformed, fragments, problems, warnings, notes, checksums, bad, unverifiable
    case encapsulations, damagedTunnels, captureDuplicates
    case evictedHalfOpen, evictedOther, severities, unselected, minSeverity

    // `hosts` (docs/hosts.md)
    case openedAsClient, acceptedAsServer, peak, peakTime, atEnd, pairs, handshakesPerSecond, mean, median
    case medianLifetime, requestsPerConnection, singleRequest, keepaliveCandidates, timeWaitSide, timeWaitPeak
    case timeWaitPeakShare, both, none

    // Live events (docs/live.md, "JSONL events")
    case event, finding, received, droppedKernel, droppedInterface

    // `check --format json` (docs/check.md, "JSON results")
    case captures, capture, expectations, error, results, name, passed, message, failed, errors

    /// The name as written: ASCII letters, digits and underscores, so it never needs an escape.
    @inline(__always)
    var text: StaticString {
        switch self {
        case .schema: "schema"
        case .version: "version"
        case .startISO: "start_iso"
        case .endISO: "end_iso"
        case .unselected: "unselected"
        case .minSeverity: "min_severity"
        case .connections: "connections"
        case .input: "input"
        case .hosts: "hosts"
        case .summary: "summary"

        case .id: "id"
        case .client: "client"
        case .server: "server"
        case .roleEvidence: "role_evidence"
        case .firstFrame: "first_frame"
        case .lastFrame: "last_frame"
        case .start: "start"
        case .end: "end"
        case .duration: "duration"
        case .packets: "packets"
        case .bytes: "bytes"
        case .handshake: "handshake"
        case .outcome: "outcome"
        case .synFrame: "syn_frame"
        case .synackFrame: "synack_frame"
        case .ackFrame: "ack_frame"
        case .synCount: "syn_count"
        case .synackCount: "synack_count"
        case .rtt: "rtt"
        case .clientISN: "client_isn"
        case .serverISN: "server_isn"
        case .options: "options"
        case .close: "close"
        case .kind: "kind"
        case .initiator: "initiator"
        case .frames: "frames"
        case .clientFin: "client_fin"
        case .serverFin: "server_fin"
        case .clientFinAcked: "client_fin_acked"
        case .serverFinAcked: "server_fin_acked"
        case .rst: "rst"
        case .rstSender: "rst_sender"
        case .states: "states"
        case .transitions: "transitions"
        case .timeWait: "time_wait"
        case .side: "side"
        case .reusedAfter: "reused_after"
        case .zeek: "zeek"
        case .communityID: "community_id"
        case .connState: "conn_state"
        case .history: "history"
        case .stats: "stats"
        case .findings: "findings"
        case .address: "address"
        case .port: "port"
        case .mss: "mss"
        case .windowScale: "window_scale"
        case .sackPermitted: "sack_permitted"
        case .timestamps: "timestamps"
        case .frame: "frame"
        case .state: "state"
        case .code: "code"
        case .severity: "severity"
        case .time: "time"
        case .sender: "sender"
        case .detail: "detail"
        case .checksums: "checksums"
        case .encapsulations: "encapsulations"
        case .damagedTunnels: "damaged_tunnels"
        case .captureDuplicates: "capture_duplicates"
        case .tunnel: "tunnel"
        case .interfaces: "interfaces"
        case .vni: "vni"
        case .source: "source"
        case .destination: "destination"
        case .sourcePort: "source_port"
        case .teid: "teid"
        case .key: "key"
        case .session: "session"
        case .bad: "bad"
        case .unverifiable: "unverifiable"
        case .badChecksums: "bad_checksums"
        case .ttl: "ttl"

        case .pureAcks: "pure_acks"
        case .sackAcks: "sack_acks"
        case .dsacks: "dsacks"
        case .payloadPackets: "payload_packets"
        case .payloadBytes: "payload_bytes"
        case .uniqueBytes: "unique_bytes"
        case .retransmittedPackets: "retransmitted_packets"
        case .retransmittedBytes: "retransmitted_bytes"
        case .outOfOrderPackets: "out_of_order_packets"
        case .zeroWindowAdvertisements: "zero_window_advertisements"
        case .zeroWindowProbes: "zero_window_probes"
        case .keepAlives: "keep_alives"
        case .syn: "syn"
        case .fin: "fin"
        case .windowMin: "window_min"
        case .windowMax: "window_max"
        case .windowMean: "window_mean"
        case .initialWindow: "initial_window"
        case .gapBytes: "gap_bytes"
        case .truncatedBytes: "truncated_bytes"
        case .longestIdle: "longest_idle"
        case .throughput: "throughput"
        case .handshakeRTT: "handshake_rtt"
        case .rttSamples: "rtt_samples"
        case .rttMin: "rtt_min"
        case .rttMedian: "rtt_median"
        case .rttP95: "rtt_p95"
        case .rttMax: "rtt_max"
        case .rttMean: "rtt_mean"
        case .rttStddev: "rtt_stddev"

        case .files: "files"
        case .path: "path"
        case .linkType: "link_type"
        case .dlt: "dlt"
        case .snapLength: "snap_length"
        case .damage: "damage"
        case .linkTypes: "link_types"
        case .tcpSegments: "tcp_segments"
        case .nonTCP: "non_tcp"
        case .truncated: "truncated"
        case .optionsTruncated: "options_truncated"
        case .malformed: "malformed"
        case .fragments: "fragments"
        case .problems: "problems"
        case .warnings: "warnings"
        case .notes: "notes"
        case .evictedHalfOpen: "evicted_half_open"
        case .evictedOther: "evicted_other"
        case .severities: "severities"

        case .openedAsClient: "opened_as_client"
        case .acceptedAsServer: "accepted_as_server"
        case .peak: "peak"
        case .peakTime: "peak_time"
        case .atEnd: "at_end"
        case .pairs: "pairs"
        case .handshakesPerSecond: "handshakes_per_second"
        case .mean: "mean"
        case .median: "median"
        case .medianLifetime: "median_lifetime"
        case .requestsPerConnection: "requests_per_connection"
        case .singleRequest: "single_request"
        case .keepaliveCandidates: "keepalive_candidates"
        case .timeWaitSide: "time_wait_side"
        case .timeWaitPeak: "time_wait_peak"
        case .timeWaitPeakShare: "time_wait_peak_share"
        case .both: "both"
        case .none: "none"

        case .event: "event"
        case .finding: "finding"
        case .received: "received"
        case .droppedKernel: "dropped_kernel"
        case .droppedInterface: "dropped_interface"

        case .captures: "captures"
        case .capture: "capture"
        case .expectations: "expectations"
        case .error: "error"
        case .results: "results"
        case .name: "name"
        case .passed: "passed"
        case .message: "message"
        case .failed: "failed"
        case .errors: "errors"

        case .timing: "timing"
        case .cause: "cause"
        case .diagnosis: "diagnosis"
        case .capturePoint: "capture_point"
        case .total: "total"
        case .synRetransmitWait: "syn_retransmit_wait"
        case .synackRetransmitWait: "synack_retransmit_wait"
        case .rtoStall: "rto_stall"
        case .lossRecovery: "loss_recovery"
        case .rwndLimited: "rwnd_limited"
        case .busy: "busy"
        case .appLimited: "app_limited"
        case .idle: "idle"
        case .transfer: "transfer"
        case .shares: "shares"
        case .rtoStalls: "rto_stalls"
        case .longestStall: "longest_stall"
        case .thinkTime: "think_time"
        case .exchanges: "exchanges"
        case .longestThink: "longest_think"
        case .runTime: "run_time"
        case .halfClosed: "half_closed"
        case .closeWait: "close_wait"
        case .closeWaitSide: "close_wait_side"
        case .slowest: "slowest"
        }
    }

    /// `text` as a String, for the `JSONValue` tree (the document-level parts, which are written once).
    var string: String { text.description }
}

/// Every key as the bytes a member starts with, `,"name":`, one after the other, and where each starts: the
/// writer copies a key with one table load and one short copy.
///
/// Seam for a speed trick (issue 21). `JSONKey.text` is a switch over some 190 names. It folds to a literal only
/// where the key is a constant at the call, and the writer's `member` functions, each with that switch inside,
/// grew to some 5 KB apiece and stopped being inlined: every member of every line went through a jump table
/// and a call. callgrind, 300,000 packets of bench-gen's short connections, `--format jsonl`: see
/// docs/performance.md, session 16.
struct JSONKeyTable: @unchecked Sendable {
    /// `,"name":` for each key in `JSONKey.allCases` order; never freed (one table per process).
    private let bytes: UnsafePointer<UInt8>
    /// Key `k`'s entry at `entries[k.rawValue]`: where it starts in `bytes`, shifted left by 8, or'ed with its
    /// length (the name's + 4).
    private let entries: UnsafePointer<UInt32>

    static let shared = JSONKeyTable()

    private init() {
        var text: [UInt8] = []
        var entries: [UInt32] = []
        for (i, key) in JSONKey.allCases.enumerated() {
            precondition(Int(key.rawValue) == i, "JSONKey raw values follow the order of the cases")
            let name = key.text
            let utf8 = UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount)
            precondition(!utf8.contains(where: JSONValue.needsEscape), "key \(name) needs escaping")
            precondition(name.utf8CodeUnitCount + 4 < 256, "a key's entry has an 8-bit length")
            entries.append(UInt32(text.count) << 8 | UInt32(name.utf8CodeUnitCount + 4))
            text += Array(",\"".utf8)
            text += utf8
            text += Array("\":".utf8)
        }
        let bytes = UnsafeMutablePointer<UInt8>.allocate(capacity: text.count)
        bytes.initialize(from: text, count: text.count)
        let table = UnsafeMutablePointer<UInt32>.allocate(capacity: entries.count)
        table.initialize(from: entries, count: entries.count)
        self.bytes = UnsafePointer(bytes)
        self.entries = UnsafePointer(table)
    }

    /// Key `key`'s entry, `,"name":`, and its length (the name's + 4).
    @inline(__always)
    func entry(_ key: JSONKey) -> (start: UnsafePointer<UInt8>, count: Int) {
        let e = entries[Int(key.rawValue)]
        return (bytes + Int(e >> 8), Int(e & 0xff))
    }
}
