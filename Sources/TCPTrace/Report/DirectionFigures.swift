/// The per-direction statistics of a connection as named values, in one order shared by JSON, CSV and the
/// `--long` text (docs/output.md, "Per-direction statistics").
public enum DirectionFigures {
    public enum Value {
        case int(Int64)
        case number(Double?)
        case flag(Bool)
    }

    /// Figures of the segments endpoint `index` sent.
    public static func figures(_ c: Connection, _ index: Int) -> [(name: String, value: Value)] {
        var result: [(name: String, value: Value)] = []
        result.reserveCapacity(names.count)
        var i = 0
        forEach(c, index) { _, value in
            result.append((names[i], value))
            i += 1
        }
        return result
    }

    /// The figure names in order, made into Strings once.
    public static let names: [String] = {
        var names: [String] = []
        forEach(Connection.placeholder, 0) { name, _ in names.append(name.description) }
        return names
    }()

    /// Calls `body` with each figure in order, building no list (the JSON writer's path: its keys are
    /// literals, written without a look for escapes).
    static func forEach(_ c: Connection, _ index: Int, _ body: (StaticString, Value) -> Void) {
        // The endpoint is read where it is stored (`c[index]` would copy it, arrays and all).
        let (cl, sv) = (c.clientIndex, c.serverIndex)
        let handshakeRTT: Double? = index == cl
            ? c.side(cl, \.synTime).flatMap { syn in c.side(sv, \.synAckTime).map { syn.interval(to: $0) } }
            : c.side(sv, \.synAckTime).flatMap { sa in c.side(cl, \.ackedPeerSynTime).map { sa.interval(to: $0) } }
        c.withSide(index) { side in forEach(side, duration: c.start.interval(to: c.end), handshakeRTT: handshakeRTT, body) }
    }

    private static func forEach(_ side: borrowing HalfConnection, duration: Double, handshakeRTT: Double?,
                                _ body: (StaticString, Value) -> Void) {
        let st = side.stats
        let options = side.synOptions
        let rtt = st.rtt
        body("packets", .int(Int64(side.packets)))
        body("pure_acks", .int(Int64(st.pureAcks)))
        body("sack_acks", .int(Int64(st.sackAcks)))
        body("dsacks", .int(Int64(st.dsacks)))
        body("payload_packets", .int(Int64(st.payloadPackets)))
        body("payload_bytes", .int(Int64(side.payloadBytes)))
        body("unique_bytes", .int(Int64(st.uniqueBytes)))
        body("retransmitted_packets", .int(Int64(st.retransmittedPackets)))
        body("retransmitted_bytes", .int(Int64(st.retransmittedBytes)))
        body("out_of_order_packets", .int(Int64(st.outOfOrderPackets)))
        body("zero_window_advertisements", .int(Int64(st.zeroWindowAdvertisements)))
        body("zero_window_probes", .int(Int64(st.zeroWindowProbes)))
        body("keep_alives", .int(Int64(st.keepAlives)))
        body("syn", .int(Int64(side.synCount + side.synAckCount)))
        body("fin", .int(Int64(side.finCount)))
        body("rst", .int(Int64(side.rstCount)))
        body("mss", .number(options?.mss.map { Double($0) }))
        body("window_scale", .number(options?.windowScale.map { Double($0) }))
        body("sack_permitted", .flag(options?.sackPermitted ?? false))
        body("timestamps", .flag(options?.timestampValue != nil))
        body("window_min", .number(st.windowCount > 0 ? Double(st.windowMin) : nil))
        body("window_max", .number(st.windowCount > 0 ? Double(st.windowMax) : nil))
        body("window_mean", .number(st.windowCount > 0 ? st.meanWindow : nil))
        body("initial_window", .number(st.initialWindow.map { Double($0) }))
        body("gap_bytes", .int(Int64(st.gapBytes)))
        body("truncated_bytes", .int(Int64(st.truncatedBytes)))
        body("longest_idle", .number(st.longestIdle))
        body("throughput", .number(duration > 0 ? Double(st.uniqueBytes) / duration : nil))
        body("handshake_rtt", .number(handshakeRTT))
        body("rtt_samples", .int(Int64(rtt.count)))
        body("rtt_min", .number(rtt.count > 0 ? rtt.min : nil))
        body("rtt_median", .number(rtt.count > 0 ? rtt.quantile(0.5) : nil))
        body("rtt_p95", .number(rtt.count > 0 ? rtt.quantile(0.95) : nil))
        body("rtt_max", .number(rtt.count > 0 ? rtt.max : nil))
        body("rtt_mean", .number(rtt.count > 0 ? rtt.mean : nil))
        body("rtt_stddev", .number(rtt.count > 0 ? rtt.standardDeviation : nil))
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

    /// The same object as `json`, written straight to bytes.
    static func write(_ c: Connection, _ index: Int, to w: inout JSONWriter) {
        w.beginObject()
        forEach(c, index) { name, value in
            w.key(name)
            switch value {
            case .int(let i): w.value(i)
            case .number(let d): w.value(d)
            case .flag(let b): w.value(b)
            }
        }
        w.endObject()
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
