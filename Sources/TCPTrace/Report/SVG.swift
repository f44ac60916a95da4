/// A tiny SVG writer: elements appended as text, attributes escaped. Output is well-formed XML.
struct SVG {
    let width: Int
    let height: Int
    private(set) var body = ""
    /// Attributes written into the `svg` tag as they are (the zoomable graphs' `data-*`).
    var attributes = ""

    init(width: Int, height: Int) {
        self.width = width
        self.height = height
    }

    /// XML text and attribute escaping (SVG, HTML, JUnit): the five predefined entities; control characters,
    /// which XML 1.0 forbids, become `?`.
    static func escape(_ s: String) -> String {
        var out = ""
        for ch in s.unicodeScalars {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case _ where ch.value < 0x20 && ch != "\n" && ch != "\t": out += "?"
            default: out.unicodeScalars.append(ch)
            }
        }
        return out
    }

    static func n(_ v: Double) -> String { Format.fixed(v, decimals: 1) }

    mutating func line(
        _ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, cls: String, title: String? = nil,
        marker: Bool = false
    ) {
        body += "<line class=\"\(cls)\" x1=\"\(SVG.n(x1))\" y1=\"\(SVG.n(y1))\" x2=\"\(SVG.n(x2))\" y2=\"\(SVG.n(y2))\""
        if marker { body += " marker-end=\"url(#arrow)\"" }
        body += title.map { "><title>\(SVG.escape($0))</title></line>" } ?? "/>"
        body += "\n"
    }

    /// `extra` is written into the tag as it is (attributes the caller built, e.g. `data-b="…"`).
    mutating func text(_ x: Double, _ y: Double, _ s: String, cls: String, anchor: String = "start", extra: String = "")
    {
        body +=
            "<text class=\"\(cls)\" x=\"\(SVG.n(x))\" y=\"\(SVG.n(y))\" "
            + "text-anchor=\"\(anchor)\"\(extra)>\(SVG.escape(s))</text>\n"
    }

    mutating func circle(_ x: Double, _ y: Double, r: Double, cls: String, title: String, extra: String = "") {
        body +=
            "<circle class=\"\(cls)\" cx=\"\(SVG.n(x))\" cy=\"\(SVG.n(y))\" r=\"\(SVG.n(r))\"\(extra)><title>"
            + "\(SVG.escape(title))</title></circle>\n"
    }

    /// Markup the caller built (a group's opening or closing tag, a clip path).
    mutating func raw(_ markup: String) { body += markup }

    mutating func polyline(_ points: [(Double, Double)], cls: String) {
        guard points.count > 1 else { return }
        body +=
            "<polyline class=\"\(cls)\" points=\""
            + points.map { "\(SVG.n($0.0)),\(SVG.n($0.1))" }.joined(separator: " ") + "\"/>\n"
    }

    mutating func rect(_ x: Double, _ y: Double, _ w: Double, _ h: Double, cls: String) {
        body +=
            "<rect class=\"\(cls)\" x=\"\(SVG.n(x))\" y=\"\(SVG.n(y))\" width=\"\(SVG.n(w))\" "
            + "height=\"\(SVG.n(h))\"/>\n"
    }

    /// Draws another picture's elements shifted down by `y`.
    mutating func group(_ other: SVG, y: Int) {
        body += "<g transform=\"translate(0,\(y))\">\n" + other.body + "</g>\n"
    }

    /// The document; `standalone` adds the XML namespace and the styles so the file works on its own.
    func document(cls: String, standalone: Bool = false) -> String {
        var out = "<svg class=\"\(cls)\" width=\"\(width)\" height=\"\(height)\" viewBox=\"0 0 \(width) \(height)\""
        out += attributes + " xmlns=\"http://www.w3.org/2000/svg\">\n"
        if standalone { out += "<style>\(SVG.style)</style>\n" }
        out +=
            "<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" "
            + "markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M 0 0 L 10 5 L 0 10 z\" "
            + "fill=\"context-stroke\"/>"
            + "</marker></defs>\n"
        return out + body + "</svg>\n"
    }

    /// Shared styles for every picture (also inlined in the HTML report).
    static let style = """
        svg text{font:11px ui-monospace,Menlo,Consolas,monospace;fill:#222}
        svg .rail{stroke:#444;stroke-width:2}
        svg .c2s{stroke:#1f77b4;stroke-width:1.4}
        svg .s2c{stroke:#d62728;stroke-width:1.4}
        svg circle.c2s{fill:#1f77b4}svg circle.s2c{fill:#d62728}
        svg .state{font-weight:bold;fill:#333}
        svg .frame{fill:#888}
        svg .finding-error{fill:#c00;stroke:#c00}
        svg .finding-warning{fill:#d80;stroke:#d80}
        svg .finding-info{fill:#06c;stroke:#06c}
        svg .fold{fill:#666;font-style:italic}
        svg .axis{stroke:#999;stroke-width:1}
        svg .grid{stroke:#eee;stroke-width:1}
        svg .zoom *{vector-effect:non-scaling-stroke}
        svg .data{stroke:#1f77b4;stroke-width:2}
        svg .retrans{stroke:#d62728;stroke-width:2.5}
        svg .fastre{stroke:#ff7f0e;stroke-width:2.5}
        svg .spurious{stroke:#8c564b;stroke-width:2.5}
        svg .ooo{stroke:#17becf;stroke-width:2.5}
        svg .probe{stroke:#7f7f7f;stroke-width:2.5}
        svg .lost{stroke:#d62728;stroke-width:1.5;stroke-dasharray:3 3}
        svg .ackline{fill:none;stroke:#2ca02c;stroke-width:1.5}
        svg .winline{fill:none;stroke:#bcbd22;stroke-width:1.5;stroke-dasharray:5 3}
        svg .sack{stroke:#9467bd;stroke-width:3}
        svg .zerowin{fill:none;stroke:#c00;stroke-width:2}
        svg .flagmark{fill:#000;font-size:10px}
        svg .rtt{fill:#9467bd}
        svg .tput-c{fill:none;stroke:#1f77b4;stroke-width:1.5}
        svg .tput-s{fill:none;stroke:#d62728;stroke-width:1.5}
        svg .tl-rto_stall{fill:#d62728}svg .tl-loss_recovery{fill:#ff7f0e}svg .tl-rwnd_limited{fill:#9467bd}
        svg .tl-busy{fill:#2ca02c}svg .tl-app_limited{fill:#c7c7c7}svg .tl-idle{fill:#ececec}
        """
}
