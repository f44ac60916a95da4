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

    /// Calls `body` with each figure in order, building no list. The names are JSON member names (`JSONKey`);
    /// CSV and `--long` use the same words.
    static func forEach(_ c: Connection, _ index: Int, _ body: (JSONKey, Value) -> Void) {
        withoutActuallyEscaping(body) { body in
            var visitor = ClosureVisitor(body: body)
            visit(c, index, &visitor)
        }
    }

    /// Takes each figure in order (`visit(_:_:)`).
    protocol Visitor {
        mutating func visit(_ name: JSONKey, _ value: Value)
    }

    private struct ClosureVisitor: Visitor {
        let body: (JSONKey, Value) -> Void
        func visit(_ name: JSONKey, _ value: Value) { body(name, value) }
    }

    /// Hands `visitor` each figure in order. Generic rather than through a closure so that the JSON writer's
    /// visit is inlined at each figure, with the name and the kind of value known there (a call through a
    /// closure per figure, a switch on the name and one on the value, cost ~75 instructions a figure,
    /// callgrind; docs/performance.md, session 16).
    @inline(__always)
    static func visit<V: Visitor>(_ c: Connection, _ index: Int, _ visitor: inout V) {
        let (duration, handshakeRTT) = context(c, index)
        c.withSide(index) { side in visit(side, duration: duration, handshakeRTT: handshakeRTT, &visitor) }
    }

    /// The connection's duration and the handshake round trip as endpoint `index` saw it. Not inlined: inside
    /// the generic visit, the reads of the other side's times copied a whole `HalfConnection` each.
    @inline(never)
    private static func context(_ c: Connection, _ index: Int) -> (duration: Double, handshakeRTT: Double?) {
        let (cl, sv) = (c.clientIndex, c.serverIndex)
        let measured: Double? =
            index == cl
            ? c.side(cl, \.synTime).flatMap { syn in c.side(sv, \.synAckTime).map { syn.interval(to: $0) } }
            : c.side(sv, \.synAckTime).flatMap { sa in c.side(cl, \.ackedPeerSynTime).map { sa.interval(to: $0) } }
        // Across a backward timestamp step there is no round trip to report (counted in `backwardSamples`).
        return (c.start.interval(to: c.end), measured.flatMap { $0 >= 0 ? $0 : nil })
    }

    @inline(__always)
    private static func visit<V: Visitor>(
        _ side: borrowing HalfConnection, duration: Double, handshakeRTT: Double?, _ v: inout V
    ) {
        let st = side.stats
        let options = side.synOptions
        let rtt = st.rtt
        v.visit(.packets, .int(Int64(side.packets)))
        v.visit(.pureAcks, .int(Int64(st.pureAcks)))
        v.visit(.sackAcks, .int(Int64(st.sackAcks)))
        v.visit(.dsacks, .int(Int64(st.dsacks)))
        v.visit(.payloadPackets, .int(Int64(st.payloadPackets)))
        v.visit(.payloadBytes, .int(Int64(side.payloadBytes)))
        v.visit(.uniqueBytes, .int(Int64(st.uniqueBytes)))
        v.visit(.retransmittedPackets, .int(Int64(st.retransmittedPackets)))
        v.visit(.retransmittedBytes, .int(Int64(st.retransmittedBytes)))
        v.visit(.outOfOrderPackets, .int(Int64(st.outOfOrderPackets)))
        v.visit(.zeroWindowAdvertisements, .int(Int64(st.zeroWindowAdvertisements)))
        v.visit(.zeroWindowProbes, .int(Int64(st.zeroWindowProbes)))
        v.visit(.keepAlives, .int(Int64(st.keepAlives)))
        v.visit(.syn, .int(Int64(side.synCount + side.synAckCount)))
        v.visit(.fin, .int(Int64(side.finCount)))
        v.visit(.rst, .int(Int64(side.rstCount)))
        v.visit(.mss, .number(options?.mss.map { Double($0) }))
        v.visit(.windowScale, .number(options?.windowScale.map { Double($0) }))
        v.visit(.sackPermitted, .flag(options?.sackPermitted ?? false))
        v.visit(.timestamps, .flag(options?.timestampValue != nil))
        v.visit(.windowMin, .number(st.windowCount > 0 ? Double(st.windowMin) : nil))
        v.visit(.windowMax, .number(st.windowCount > 0 ? Double(st.windowMax) : nil))
        v.visit(.windowMean, .number(st.windowCount > 0 ? st.meanWindow : nil))
        v.visit(.initialWindow, .number(st.initialWindow.map { Double($0) }))
        v.visit(.gapBytes, .int(Int64(st.gapBytes)))
        v.visit(.truncatedBytes, .int(Int64(st.truncatedBytes)))
        v.visit(.longestIdle, .number(st.longestIdle))
        v.visit(.throughput, .number(duration > 0 ? Double(st.uniqueBytes) / duration : nil))
        v.visit(.handshakeRTT, .number(handshakeRTT))
        v.visit(.rttSamples, .int(Int64(rtt.count)))
        v.visit(.rttMin, .number(rtt.count > 0 ? rtt.min : nil))
        v.visit(.rttMedian, .number(rtt.count > 0 ? rtt.quantile(0.5) : nil))
        v.visit(.rttP95, .number(rtt.count > 0 ? rtt.quantile(0.95) : nil))
        v.visit(.rttMax, .number(rtt.count > 0 ? rtt.max : nil))
        v.visit(.rttMean, .number(rtt.count > 0 ? rtt.mean : nil))
        v.visit(.rttStddev, .number(rtt.count > 0 ? rtt.standardDeviation : nil))
    }

    /// The figures of the segments endpoint `index` sent as a JSON object (`stats.client`, `stats.server`).
    static func write(_ c: Connection, _ index: Int, to w: inout JSONWriter) {
        w.beginObject()
        visit(c, index, &w)
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

extension JSONWriter: DirectionFigures.Visitor {
    /// A figure as a member of `stats.client` or `stats.server`.
    @inline(__always)
    mutating func visit(_ name: JSONKey, _ value: DirectionFigures.Value) {
        switch value {
        case .int(let i): member(name, i)
        case .number(let d): member(name, d)
        case .flag(let b): member(name, b)
        }
    }
}
