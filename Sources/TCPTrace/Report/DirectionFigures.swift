/// The per-direction statistics of a connection as named values, in one order shared by JSON, CSV and the
/// `--long` text (README "Data phase").
public enum DirectionFigures {
    public enum Value {
        case int(Int64)
        case number(Double?)
        case flag(Bool)
    }

    /// Figures of the segments endpoint `index` sent.
    public static func figures(_ c: Connection, _ index: Int) -> [(name: String, value: Value)] {
        let side = c[index]
        let st = side.stats
        let options = side.synOptions
        let duration = c.start.interval(to: c.end)
        let handshakeRTT: Double? = index == c.clientIndex
            ? c.client.synTime.flatMap { syn in c.server.synAckTime.map { syn.interval(to: $0) } }
            : c.server.synAckTime.flatMap { sa in c.client.ackedPeerSynTime.map { sa.interval(to: $0) } }
        let rtt = st.rtt
        return [
            ("packets", .int(Int64(side.packets))), ("pure_acks", .int(Int64(st.pureAcks))),
            ("sack_acks", .int(Int64(st.sackAcks))), ("dsacks", .int(Int64(st.dsacks))),
            ("payload_packets", .int(Int64(st.payloadPackets))), ("payload_bytes", .int(Int64(side.payloadBytes))),
            ("unique_bytes", .int(Int64(st.uniqueBytes))), ("retransmitted_packets", .int(Int64(st.retransmittedPackets))),
            ("retransmitted_bytes", .int(Int64(st.retransmittedBytes))),
            ("out_of_order_packets", .int(Int64(st.outOfOrderPackets))),
            ("zero_window_advertisements", .int(Int64(st.zeroWindowAdvertisements))),
            ("zero_window_probes", .int(Int64(st.zeroWindowProbes))), ("keep_alives", .int(Int64(st.keepAlives))),
            ("syn", .int(Int64(side.synCount + side.synAckCount))), ("fin", .int(Int64(side.finCount))),
            ("rst", .int(Int64(side.rstCount))),
            ("mss", .number(options?.mss.map { Double($0) })), ("window_scale", .number(options?.windowScale.map { Double($0) })),
            ("sack_permitted", .flag(options?.sackPermitted ?? false)),
            ("timestamps", .flag(options?.timestampValue != nil)),
            ("window_min", .number(st.windowCount > 0 ? Double(st.windowMin) : nil)),
            ("window_max", .number(st.windowCount > 0 ? Double(st.windowMax) : nil)),
            ("window_mean", .number(st.windowCount > 0 ? st.meanWindow : nil)),
            ("initial_window", .number(st.initialWindow.map { Double($0) })),
            ("gap_bytes", .int(Int64(st.gapBytes))), ("truncated_bytes", .int(Int64(st.truncatedBytes))),
            ("longest_idle", .number(st.longestIdle)),
            ("throughput", .number(duration > 0 ? Double(st.uniqueBytes) / duration : nil)),
            ("handshake_rtt", .number(handshakeRTT)),
            ("rtt_samples", .int(Int64(rtt.count))),
            ("rtt_min", .number(rtt.count > 0 ? rtt.min : nil)), ("rtt_median", .number(rtt.count > 0 ? rtt.quantile(0.5) : nil)),
            ("rtt_p95", .number(rtt.count > 0 ? rtt.quantile(0.95) : nil)), ("rtt_max", .number(rtt.count > 0 ? rtt.max : nil)),
            ("rtt_mean", .number(rtt.count > 0 ? rtt.mean : nil)),
            ("rtt_stddev", .number(rtt.count > 0 ? rtt.standardDeviation : nil)),
        ]
    }

    public static var names: [String] {
        figures(Connection.placeholder, 0).map(\.name)
    }

    static func json(_ c: Connection, _ index: Int) -> JSONValue {
        .object(figures(c, index).map { name, value in
            switch value {
            case .int(let i): (name, .int(i))
            case .number(let d): (name, d.map { .double($0) } ?? .null)
            case .flag(let b): (name, .bool(b))
            }
        })
    }

    /// Full precision, for CSV.
    static func exact(_ value: Value) -> String {
        switch value {
        case .int(let i): String(i)
        case .number(let d): d.map { JSONValue.number($0) } ?? ""
        case .flag(let b): b ? "true" : "false"
        }
    }

    /// Rounded for people (`--long`).
    static func text(_ value: Value) -> String {
        switch value {
        case .int(let i): String(i)
        case .number(let d): d.map { v in
            // Readable text: at most six decimals, trailing zeros dropped (JSON keeps full precision).
            var text = Format.fixed(v, decimals: 6)
            if text.contains(".") {
                while text.hasSuffix("0") { text.removeLast() }
                if text.hasSuffix(".") { text.removeLast() }
            }
            return text
        } ?? ""
        case .flag(let b): b ? "yes" : "no"
        }
    }
}

extension Connection {
    /// A connection with nothing in it, for the list of figure names.
    static let placeholder = Connection(
        id: 0, key: FlowKey(Segment.empty), first: Segment.empty, frame: 1, time: Timestamp(nanoseconds: 0),
        recordTimeline: false)
}
