/// The self-contained HTML report: capture summary, a sortable and filterable connection table, and per
/// connection its verdicts, findings, ladder, time-sequence graphs, RTT and throughput. Inline CSS, SVG and
/// script only: nothing is fetched.
public enum HTMLReport {
    /// Connections drawn in detail; the table still lists every connection.
    public static let maxDetailed = 300

    public static func render(_ analysis: Analysis) -> String {
        let msl = analysis.options.tracker.msl
        var out = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        out += "<title>tcptrace-swift report</title>\n<style>\(css)\n\(SVG.style)</style></head>\n<body>\n"
        out += "<h1>tcptrace-swift report</h1>\n"
        out += summary(analysis)
        if let view = analysis.hosts { out += hosts(view) }
        out += table(analysis)
        let detailed = analysis.connections.prefix(maxDetailed)
        if analysis.connections.count > maxDetailed {
            out +=
                "<p class=\"note\">Details are drawn for the first \(maxDetailed) of \(analysis.connections.count) "
                + "connections; use <code>--connection ID</code> for others.</p>\n"
        }
        for c in detailed { out += details(c, msl: msl) }
        out += "<script>\(script)</script>\n</body></html>\n"
        return out
    }

    static func e(_ s: String) -> String { SVG.escape(s) }

    static func summary(_ a: Analysis) -> String {
        let s = a.input
        var out = "<section id=\"summary\"><h2>Capture</h2><table class=\"kv\">\n"
        for file in s.files {
            out += "<tr><th>file</th><td>\(e(file.path)) — \(e(file.linkTypeText)), \(file.packets) packets"
            if let f = file.firstFrame, let l = file.lastFrame { out += ", frames \(f)–\(l)" }
            if let damage = file.damage { out += " <span class=\"bad\">cut off: \(e(damage))</span>" }
            out += "</td></tr>\n"
        }
        let rows: [(String, String)] = [
            ("packets", "\(s.packets)"), ("TCP segments", "\(s.tcpSegments)"), ("non-TCP", "\(s.nonTCP)"),
            ("truncated", "\(s.truncated)"), ("malformed", "\(s.malformed)"), ("fragments", "\(s.fragments)"),
            ("connections", "\(a.connections.count)"),
        ]
        for (k, v) in rows { out += "<tr><th>\(k)</th><td>\(v)</td></tr>\n" }
        let totals = FindingTotals(a.connections)
        out += "<tr><th>findings</th><td>"
        out +=
            totals.byCode.isEmpty
            ? "none"
            : totals.byCode.map {
                "<span class=\"sev-\($0.code.severity.rawValue)\">\($0.code.rawValue)</span> \($0.count)"
            }.joined(separator: ", ")
        out += "</td></tr>\n"
        for w in s.warnings { out += "<tr><th>warning</th><td class=\"bad\">\(e(w))</td></tr>\n" }
        return out + "</table></section>\n"
    }

    /// Churn and TIME_WAIT per host and per client → server pair.
    static func hosts(_ view: HostView) -> String {
        var out =
            "<section id=\"hosts\"><h2>Hosts</h2><p class=\"note\">TIME_WAIT counts the 4-tuples a host holds "
            + "for 2·MSL = \(Format.fixed(2 * view.options.msl, decimals: 0)) s after it acknowledged the peer's FIN; "
            + "port range \(view.options.portRange.lowerBound)-\(view.options.portRange.upperBound).</p>\n"
        out +=
            "<table class=\"hosts\"><thead><tr><th>host</th><th>opened</th><th>accepted</th><th>TIME_WAIT peak</th>"
            + "<th>at end</th><th>pairs</th><th>findings</th></tr></thead><tbody>\n"
        for h in view.hosts {
            let pairs = h.pairs.map { p in
                "\(e(p.pair.server.description)): \(p.connections) conn., \(p.handshakesPerSecondPeak)/s peak, "
                    + "\(Format.fixed(p.requestsMean, decimals: 2)) req./conn., \(p.keepaliveCandidates) keep-alive "
                    + "candidates, TIME_WAIT client \(p.timeWaitSide["client"] ?? 0) / server "
                    + "\(p.timeWaitSide["server"] ?? 0), "
                    + "peak \(Format.fixed(p.timeWaitPeakShare * 100, decimals: 1)) % of ports"
            }.joined(separator: "<br>")
            let findings = h.findings.map {
                "<span class=\"sev-\($0.severity.rawValue)\">\($0.code.rawValue)</span>: \(e($0.detail))"
            }
            .joined(separator: "<br>")
            out +=
                "<tr><td>\(e(h.address.description))</td><td>\(h.openedAsClient)</td><td>\(h.acceptedAsServer)</td>"
                + "<td>\(h.timeWaitPeak)</td><td>\(h.timeWaitAtEnd)</td><td>\(pairs.isEmpty ? "-" : pairs)</td>"
                + "<td>\(findings.isEmpty ? "-" : findings)</td></tr>\n"
        }
        return out + "</tbody></table></section>\n"
    }

    static func table(_ a: Analysis) -> String {
        let headers: [(String, String)] = [
            ("ID", "num"), ("client", "text"), ("server", "text"), ("start", "num"),
            ("duration", "num"), ("packets", "num"), ("bytes", "num"),
            ("handshake", "text"), ("close", "text"), ("by", "text"),
            ("client state", "text"), ("server state", "text"), ("conn_state", "text"),
            ("findings", "text"),
        ]
        var out = "<section id=\"connections\"><h2>Connections</h2>\n"
        out += "<input id=\"filter\" type=\"search\" placeholder=\"filter rows (e.g. reset, 10.0.0.1, TIME_WAIT)\">\n"
        out += "<table id=\"conn-table\"><thead><tr>"
        for (i, (h, type)) in headers.enumerated() { out += "<th data-col=\"\(i)\" data-type=\"\(type)\">\(h)</th>" }
        out += "</tr></thead><tbody>\n"
        let origin = a.input.firstTime ?? Timestamp(nanoseconds: 0)
        for c in a.connections {
            let worst = c.findings.map(\.severity).max()
            out += "<tr data-id=\"\(c.id)\" class=\"\(worst.map { "sev-\($0.rawValue)" } ?? "clean")\">"
            let cells = [
                "<a href=\"#conn-\(c.id)\">\(c.id)</a>", e(c.client.endpoint.description),
                e(c.server.endpoint.description),
                Format.fixed(origin.interval(to: c.start), decimals: 6),
                Format.fixed(c.start.interval(to: c.end), decimals: 6),
                "\(c.client.packets + c.server.packets)", "\(c.client.payloadBytes + c.server.payloadBytes)",
                c.handshakeOutcome.rawValue, c.closeKind.rawValue, c.closeInitiator?.rawValue ?? "-",
                c.client.state.rawValue, c.server.state.rawValue, c.zeekConnState,
                c.findings.isEmpty ? "-" : c.findings.map { "\($0.code.rawValue)@\($0.frame)" }.joined(separator: " "),
            ]
            out += cells.map { "<td>\($0)</td>" }.joined() + "</tr>\n"
        }
        return out + "</tbody></table></section>\n"
    }

    static func details(_ c: Connection, msl: Double) -> String {
        var out =
            "<section class=\"conn\" id=\"conn-\(c.id)\"><h2>Connection \(c.id): "
            + "\(e(c.client.endpoint.description)) → \(e(c.server.endpoint.description))</h2>\n"
        out += "<p class=\"verdict\">handshake <b>\(c.handshakeOutcome.rawValue)</b>"
        if let rtt = c.handshakeRTT { out += " (RTT \(Format.fixed(rtt * 1000, decimals: 3)) ms)" }
        out += " · close <b>\(c.closeKind.rawValue)</b>"
        if let by = c.closeInitiator { out += " by \(by.rawValue)" }
        out += " · client <b>\(c.client.state.rawValue)</b>, server <b>\(c.server.state.rawValue)</b>"
        if let tw = c.timeWaitSide { out += " · TIME_WAIT on \(tw.rawValue)" }
        out += " · Zeek \(c.zeekConnState) <code>\(e(c.zeekHistory))</code></p>\n"
        if !c.findings.isEmpty {
            out += "<ul class=\"findings\">"
            for f in c.findings {
                out +=
                    "<li class=\"sev-\(f.severity.rawValue)\"><b>\(f.code.rawValue)</b> (\(f.severity.rawValue)) at "
                    + "frame "
                    + "\(f.frame): \(e(f.detail))</li>"
            }
            out += "</ul>\n"
        }
        out += "<div class=\"pictures\">\n<h3>Ladder</h3>\n" + ConnectionPictures.ladder(c, msl: msl)
        for side in [c.clientIndex, c.serverIndex] {
            if let graph = ConnectionPictures.timeSequence(c, sender: side) {
                out +=
                    "<h3>Time-sequence: \(c.role(of: side).rawValue) → \(c.role(of: 1 - side).rawValue)</h3>\n" + graph
            }
        }
        if let rtt = ConnectionPictures.rtt(c) { out += "<h3>RTT</h3>\n" + rtt }
        if let tput = ConnectionPictures.throughput(c) { out += "<h3>Throughput</h3>\n" + tput }
        return out + "</div></section>\n"
    }

    static let css = """
        body{font:14px system-ui,sans-serif;margin:1.5em;color:#222;max-width:1200px}
        h1{font-size:1.5em}h2{font-size:1.2em;margin-top:1.6em}h3{font-size:1em;color:#555}
        table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:3px 6px;font-size:12px;text-align:left}
        #conn-table th{cursor:pointer;background:#f4f4f4;user-select:none}#conn-table th:hover{background:#e8e8e8}
        .kv th{background:#f8f8f8;width:9em}
        tr.sev-error td{background:#fde8e8}tr.sev-warning td{background:#fff6e0}
        .sev-error{color:#b00}.sev-warning{color:#a60}.sev-info{color:#06c}.bad{color:#b00}
        #filter{margin:.5em 0;padding:4px;width:28em}
        .conn{border-top:2px solid #ccc;margin-top:2em}.note{color:#666;font-style:italic}
        .pictures svg{display:block;margin:.5em 0;border:1px solid #eee;background:#fff}
        """

    static let script = """
        (function(){
          var table=document.getElementById('conn-table');if(!table)return;
          var body=table.tBodies[0];
          document.getElementById('filter').addEventListener('input',function(ev){
            var q=ev.target.value.toLowerCase();
            Array.prototype.forEach.call(body.rows,function(r){
              r.style.display=r.textContent.toLowerCase().indexOf(q)>=0?'':'none';});
          });
          Array.prototype.forEach.call(table.tHead.rows[0].cells,function(th){
            th.addEventListener('click',function(){
              var col=+th.dataset.col,num=th.dataset.type==='num',dir=th.dataset.dir==='asc'?-1:1;
              th.dataset.dir=dir===1?'asc':'desc';
              var rows=Array.prototype.slice.call(body.rows);
              rows.sort(function(a,b){
                var x=a.cells[col].textContent,y=b.cells[col].textContent;
                return dir*(num?(parseFloat(x)-parseFloat(y)):x.localeCompare(y));});
              rows.forEach(function(r){body.appendChild(r);});
            });
          });
        })();
        """
}
