/// One graph against time since a connection's first segment, in a box `width` units wide that the HTML report
/// scales to the window. What is plotted sits in a clipped group that the report's script zooms and pans along the
/// time axis with one `transform` (strokes keep their width: `vector-effect`); point marks ("pins": circles, letters)
/// carry their unzoomed position in `data-b` and are moved one by one, so they keep their shape. The `svg` tag's
/// `data-*` attributes give the script the plot box, the time span and the value range; without the script (a
/// standalone SVG) the graph shows its first view.
struct TimeGraph {
    static let width = 1000.0
    static let left = 80.0
    static let right = 16.0

    /// The time first shown and the connection's whole duration, in seconds since its first segment.
    struct Span {
        var shown: Double
        var full: Double
        var clipped: Bool { shown < full }
    }

    let span: Span
    let height: Double
    /// Top of the plot box and the y of the time axis.
    let top: Double
    let bottom: Double
    let yMax: Double
    /// "s", "B" or "B/s": the unit of the value axis (GraphAxis.label).
    let yUnit: String
    /// Title, legend and notes, drawn as they are.
    var frame: SVG
    /// Lines and polylines, zoomed by the group's transform.
    var plot: SVG
    /// Circles and letters with their `data-b` position.
    var pins: SVG

    init(span: Span, height: Double, top: Double, yMax: Double, yUnit: String) {
        self.span = span
        self.height = height
        self.top = top
        self.bottom = height - 28
        self.yMax = yMax > 0 && yMax.isFinite ? yMax : 1
        self.yUnit = yUnit
        frame = SVG(width: Int(Self.width), height: Int(height))
        plot = frame
        pins = frame
    }

    var plotRight: Double { Self.width - Self.right }

    func x(_ t: Double) -> Double { Self.left + t / max(span.shown, 1e-9) * (plotRight - Self.left) }
    func y(_ v: Double) -> Double { bottom - v / yMax * (bottom - top) }

    /// The `data-b` attribute of a pin at time `t` and value `v`.
    func pin(_ t: Double, _ v: Double) -> String { " data-b=\"\(SVG.n(x(t))) \(SVG.n(y(v)))\"" }

    /// The finished picture. `id` names its clip path (unique in a report), `group` ties the graphs that zoom
    /// together (one connection's), `fitY` lets the script fit the value axis to what a zoomed view shows.
    func picture(id: String, group: String, fitY: Bool, valueAxis: Bool = true) -> SVG {
        var svg = frame
        let l = Self.left, r = plotRight
        svg.attributes =
            " data-box=\"\(SVG.n(l)) \(SVG.n(top)) \(SVG.n(r)) \(SVG.n(bottom))\""
            + " data-t=\"0 \(number(span.shown)) \(number(span.full))\" data-y=\"0 \(number(yMax))\""
            + " data-yunit=\"\(yUnit)\" data-group=\"\(group)\" data-view=\"0 \(number(span.shown))\""
            + (fitY ? " data-fit=\"y\"" : "")
        svg.raw("<g class=\"yticks\">\n")
        let yTicks = GraphAxis.ticks(0, yMax, count: 5, unit: yUnit)
        for v in yTicks.values where valueAxis {
            svg.line(l, y(v), r, y(v), cls: "grid")
            svg.text(
                l - 4, y(v) + 4, GraphAxis.label(v, step: yTicks.step, largest: yMax, unit: yUnit), cls: "frame",
                anchor: "end")
        }
        svg.raw("</g>\n<g class=\"xticks\">\n")
        let xTicks = GraphAxis.ticks(0, span.shown, count: 8)
        for t in xTicks.values {
            svg.line(x(t), top, x(t), bottom, cls: "grid")
            svg.text(
                x(t), bottom + 14, GraphAxis.label(t, step: xTicks.step, largest: span.shown, unit: "s"),
                cls: "frame", anchor: "middle")
        }
        svg.raw("</g>\n")
        svg.raw(
            "<clipPath id=\"clip-\(id)\"><rect x=\"\(SVG.n(l))\" y=\"\(SVG.n(top - 2))\" width=\"\(SVG.n(r - l))\" "
                + "height=\"\(SVG.n(bottom - top + 2))\"/></clipPath>\n")
        svg.raw("<g clip-path=\"url(#clip-\(id))\">\n<g class=\"zoom\">\n")
        svg.raw(plot.body)
        svg.raw("</g>\n<g class=\"pins\">\n")
        svg.raw(pins.body)
        svg.raw("</g>\n</g>\n")
        svg.line(l, bottom, r, bottom, cls: "axis")
        svg.line(l, top, l, bottom, cls: "axis")
        return svg
    }

    /// Seconds or bytes for a `data-*` attribute: enough digits for a microsecond or a byte.
    func number(_ v: Double) -> String { Format.fixed(v, decimals: 6) }

    // MARK: The time span

    /// The span a connection's graphs show first: from its first segment to a little after the last segment that
    /// moves data (payload, an ACK that covers new data, a SYN) when an idle tail of more than half of the
    /// connection follows (keep-alives, a late FIN or RST); the whole connection otherwise. Zooming out shows the
    /// rest.
    static func span(_ c: Connection) -> Span {
        let full = max(c.start.interval(to: c.end), 1e-6)
        guard let entries = c.timeline else { return Span(shown: full, full: full) }
        let idleCodes: Set<FindingCode> = [.keepAlive, .zeroWindowProbe]
        let idleFrames = Set(c.findings.filter { idleCodes.contains($0.code) }.map(\.frame))
        var highestAck: [SequenceNumber?] = [nil, nil]
        var dataEnd: [SequenceNumber?] = [nil, nil]
        var last = 0.0
        for e in entries {
            let s = e.senderIndex
            var active = e.flags.contains(.syn)
            if e.payloadLength > 0, !idleFrames.contains(e.frame) {
                active = true
                let end = e.sequence + e.payloadLength
                if dataEnd[s].map({ $0 < end }) ?? true { dataEnd[s] = end }
            }
            if e.flags.contains(.ack) {
                let before = highestAck[s]
                // An ACK moves data when it covers bytes of the peer's that were not yet acknowledged.
                if let end = dataEnd[1 - s], before.map({ $0 < end && $0 < e.acknowledgment }) ?? true {
                    active = true
                }
                if before.map({ $0 < e.acknowledgment }) ?? true { highestAck[s] = e.acknowledgment }
            }
            if active { last = max(last, c.start.interval(to: e.time)) }
        }
        guard last > 0, full - last > full / 2 else { return Span(shown: full, full: full) }
        return Span(shown: min(full, last * 1.05), full: full)
    }
}
