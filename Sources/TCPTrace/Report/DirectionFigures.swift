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
        forEach(Connection.placeholder, 0) { name, _ in names.append(name.string) }
        return names
    }()

    /// Calls `body` with each figure in order, building no list (the JSON writer's path). The names are JSON
    /// member names (`JSONKey`); CSV and `--long` use the same words.
    static func forEach(_ c: Connection, _ index: Int, _ body: (JSONKey, Value) -> Void) {
        let (cl, sv) = (c.clientIndex, c.serverIndex)
        let measured: Double? =
            index == cl
            ? c.side(cl, \.synTime).flatMap { syn in c.side(sv, \.synAckTime).map { syn.interval(to: $0) } }
            : c.side(sv, \.synAckTime).flatMap { sa in c.side(cl, \.ackedPeerSynTime).map { sa.interval(to: $0) } }
        // Across a backward timestamp step there is no round trip to report (counted in `backwardSamples`).
        let handshakeRTT = measured.flatMap { $0 >= 0 ? $0 : nil }
        let duration = c.start.interval(to: c.end)
        c.withSide(index) { side in forEach(side, duration: duration, handshakeRTT: handshakeRTT, body) }
    }

    private static func forEach(
        _ side: borrowing HalfConnection, duration: Double, handshakeRTT: Double?,
        _ body: (JSONKey, Value) -> Void
    ) {
        let st = side.stats
        let options = side.synOptions
        let rtt = st.rtt
        body(.packets, .int(Int64(side.packets)))
        body(.pureAcks, .int(Int64(st.pureAcks)))
        body(.sackAcks, .int(Int64(st.sackAcks)))
        body(.dsacks, .int(Int64(st.dsacks)))
        body(.payloadPackets, .int(Int64(st.payloadPackets)))
        body(.payloadBytes, .int(Int64(side.payloadBytes)))
        body(.uniqueBytes, .int(Int64(st.uniqueBytes)))
        body(.retransmittedPackets, .int(Int64(st.retransmittedPackets)))
        body(.retransmittedBytes, .int(Int64(st.retransmittedBytes)))
        body(.outOfOrderPackets, .int(Int64(st.outOfOrderPackets)))
        body(.zeroWindowAdvertisements, .int(Int64(st.zeroWindowAdvertisements)))
        body(.zeroWindowProbes, .int(Int64(st.zeroWindowProbes)))
        body(.keepAlives, .int(Int64(st.keepAlives)))
        body(.syn, .int(Int64(side.synCount + side.synAckCount)))
        body(.fin, .int(Int64(side.finCount)))
        body(.rst, .int(Int64(side.rstCount)))
        body(.mss, .number(options?.mss.map { Double($0) }))
        body(.windowScale, .number(options?.windowScale.map { Double($0) }))
        body(.sackPermitted, .flag(options?.sackPermitted ?? false))
        body(.timestamps, .flag(options?.timestampValue != nil))
        body(.windowMin, .number(st.windowCount > 0 ? Double(st.windowMin) : nil))
        body(.windowMax, .number(st.windowCount > 0 ? Double(st.windowMax) : nil))
        body(.windowMean, .number(st.windowCount > 0 ? st.meanWindow : nil))
        body(.initialWindow, .number(st.initialWindow.map { Double($0) }))
        body(.gapBytes, .int(Int64(st.gapBytes)))
        body(.truncatedBytes, .int(Int64(st.truncatedBytes)))
        body(.longestIdle, .number(st.longestIdle))
        body(.throughput, .number(duration > 0 ? Double(st.uniqueBytes) / duration : nil))
        body(.handshakeRTT, .number(handshakeRTT))
        body(.rttSamples, .int(Int64(rtt.count)))
        body(.rttMin, .number(rtt.count > 0 ? rtt.min : nil))
        body(.rttMedian, .number(rtt.count > 0 ? rtt.quantile(0.5) : nil))
        body(.rttP95, .number(rtt.count > 0 ? rtt.quantile(0.95) : nil))
        body(.rttMax, .number(rtt.count > 0 ? rtt.max : nil))
        body(.rttMean, .number(rtt.count > 0 ? rtt.mean : nil))
        body(.rttStddev, .number(rtt.count > 0 ? rtt.standardDeviation : nil))
    }

    /// The figures of the segments endpoint `index` sent as a JSON object (`stats.client`, `stats.server`).
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

    /// The unit a figure is shown in by `--long` (JSON and CSV keep seconds, bytes and bytes per second).
    enum Unit {
        case count, milliseconds, bytes, exactBytes, bytesPerSecond
    }

    /// `--long`'s unit for the figure named `name` (a JSON member name).
    static func unit(of name: String) -> Unit {
        switch name {
        case "longest_idle", "handshake_rtt", "rtt_min", "rtt_median", "rtt_p95", "rtt_max", "rtt_mean", "rtt_stddev":
            .milliseconds
        case "payload_bytes", "unique_bytes", "retransmitted_bytes", "gap_bytes", "truncated_bytes", "window_min",
            "window_max", "window_mean", "initial_window":
            .bytes
        case "mss": .exactBytes
        case "throughput": .bytesPerSecond
        default: .count
        }
    }

    /// For people, with its unit (`--long`): times in ms with three decimals (`0.001 ms`), amounts of bytes as
    /// `8800 B` below 10 KiB, else `46.4 KiB` or `3.2 MiB` (the MSS always in bytes), rates in KiB/s (1 KiB =
    /// 1024 bytes); counts and flags as they are.
    static func text(_ value: Value, unit: Unit) -> String {
        let number: Double
        switch value {
        case .int(let i): number = Double(i)
        case .number(let d?): number = d
        case .number(nil), .flag: return text(value)
        }
        switch unit {
        case .count: return text(value)
        case .milliseconds: return Format.fixed(number * 1000, decimals: 3) + " ms"
        case .exactBytes: return Format.fixed(number, decimals: 0) + " B"
        case .bytes:
            if abs(number) < 10 * 1024 { return Format.fixed(number, decimals: 0) + " B" }
            if abs(number) < 1024 * 1024 { return Format.fixed(number / 1024, decimals: 1) + " KiB" }
            return Format.fixed(number / (1024 * 1024), decimals: 1) + " MiB"
        case .bytesPerSecond: return Format.fixed(number / 1024, decimals: 1) + " KiB/s"
        }
    }

    /// Rounded for people, without a unit.
    static func text(_ value: Value) -> String {
        switch value {
        case .int(let i): String(i)
        case .number(let d):
            d.map { v in
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
