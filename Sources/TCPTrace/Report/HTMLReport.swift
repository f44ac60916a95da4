/// The self-contained HTML report: capture summary, a sortable and filterable connection table, and per
/// connection its verdicts, findings, ladder, time-sequence graphs, RTT and throughput. Inline CSS, SVG and
/// script only: nothing is fetched. The time graphs take the window's width and zoom and pan along time (wheel,
/// drag, double-click to reset) through the script.
public enum HTMLReport {
    /// Connections drawn in detail; the table still lists every connection.
    public static let maxDetailed = 300
    /// Lines of a findings cell in the connection table (one per finding code); beyond it a "+k more" line.
    public static let maxFindingLines = 4
    /// Hosts listed before the hosts table starts folded (`<details>` closed).
    public static let maxOpenHosts = 10
    /// Findings listed in a connection's details before the list starts folded.
    public static let maxOpenFindings = 10

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
        if !detailed.isEmpty {
            out +=
                "<p class=\"note\">Time graphs: the mouse wheel zooms the time axis around the pointer (wheeling "
                + "down at full view scrolls the page), dragging pans, a double-click resets. A connection's graphs "
                + "move together; the time-sequence graph fits its sequence axis to what is in view.</p>\n"
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
        // The slowest connections and where their time went (docs/timing.md).
        for entry in totals.slowest.entries where entry.duration > 0 {
            out +=
                "<tr><th>slowest</th><td><a href=\"#conn-\(entry.id)\">connection \(entry.id)</a> "
                + "\(TimingText.duration(entry.duration)): \(e(entry.diagnosis.text))</td></tr>\n"
        }
        for w in s.warnings { out += "<tr><th>warning</th><td class=\"bad\">\(e(w))</td></tr>\n" }
        return out + "</table></section>\n"
    }

    /// Churn and TIME_WAIT per host and per client → server pair.
    static func hosts(_ view: HostView) -> String {
        var out =
            "<section id=\"hosts\"><h2>Hosts</h2><p class=\"note\">TIME_WAIT counts the 4-tuples a host holds "
            + "for 2·MSL = \(Format.fixed(2 * view.options.msl, decimals: 0)) s after it acknowledged the peer's FIN; "
            + "port range \(view.options.portRange.lowerBound)-\(view.options.portRange.upperBound).</p>\n"
        let open = view.hosts.count <= maxOpenHosts ? " open" : ""
        out +=
            "<details class=\"hosts\"\(open)><summary>\(view.hosts.count) host\(view.hosts.count == 1 ? "" : "s")"
            + "</summary>\n"
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
        return out + "</tbody></table></details></section>\n"
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
                findingsCell(c.findings, counts: c.findingCounts),
            ]
            out += cells.map { "<td>\($0)</td>" }.joined() + "</tr>\n"
        }
        return out + "</tbody></table></section>\n"
    }

    /// One line per finding code, worst first then most frequent: `code@first-frame`, and `×count` when the code
    /// occurs more than once; at most `maxFindingLines` lines, the last saying how many codes are left out.
    /// `counts`: every instance raised per code (`Connection.findingCounts`), also those past the per-code
    /// limit of listed findings.
    static func findingsCell(_ findings: [Finding], counts: [FindingCode: Int] = [:]) -> String {
        guard !findings.isEmpty else { return "-" }
        var groups: [FindingCode: (count: Int, first: Int)] = [:]
        for f in findings {
            let g = groups[f.code] ?? (0, f.frame)
            groups[f.code] = (g.count + 1, min(g.first, f.frame))
        }
        for (code, n) in counts {
            if let g = groups[code], n > g.count { groups[code] = (n, g.first) }
        }
        let sorted = groups.sorted { a, b in
            if a.key.severity != b.key.severity { return a.key.severity > b.key.severity }
            if a.value.count != b.value.count { return a.value.count > b.value.count }
            return a.key < b.key
        }
        let shown = sorted.count > maxFindingLines ? maxFindingLines - 1 : sorted.count
        var lines = sorted.prefix(shown).map { code, g in
            "<span class=\"sev-\(code.severity.rawValue)\">\(code.rawValue)</span>@\(g.first)"
                + (g.count > 1 ? " ×\(g.count)" : "")
        }
        if shown < sorted.count { lines.append("<span class=\"more\">+\(sorted.count - shown) more</span>") }
        return lines.joined(separator: "<br>")
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
        if c.findings.count > maxOpenFindings {
            out += "<details><summary>\(c.findings.count) findings</summary>"
        }
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
        if c.findings.count > maxOpenFindings { out += "</details>\n" }
        out += "<div class=\"pictures\">\n<h3>Ladder</h3>\n" + ConnectionPictures.ladder(c, msl: msl)
        for side in [c.clientIndex, c.serverIndex] {
            if let graph = ConnectionPictures.timeSequence(c, sender: side) {
                out +=
                    "<h3>Time-sequence: \(c.role(of: side).rawValue) → \(c.role(of: 1 - side).rawValue)</h3>\n" + graph
            }
        }
        if let rtt = ConnectionPictures.rtt(c) { out += "<h3>RTT</h3>\n" + rtt }
        if let tput = ConnectionPictures.throughput(c) { out += "<h3>Throughput</h3>\n" + tput }
        out += "<h3>Where the time went</h3>\n<pre class=\"timing\">\(e(TimingText.block(c, indent: "")))</pre>\n"
        if let band = ConnectionPictures.timingBand(c) { out += band }
        return out + "</div></section>\n"
    }

    static let css = """
        body{font:14px system-ui,sans-serif;margin:1.5em;color:#222}
        h1{font-size:1.5em}h2{font-size:1.2em;margin-top:1.6em}h3{font-size:1em;color:#555}
        table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:3px 6px;font-size:12px;text-align:left}
        #conn-table th{cursor:pointer;background:#f4f4f4;user-select:none}#conn-table th:hover{background:#e8e8e8}
        .kv th{background:#f8f8f8;width:9em}
        tr.sev-error td{background:#fde8e8}tr.sev-warning td{background:#fff6e0}
        .sev-error{color:#b00}.sev-warning{color:#a60}.sev-info{color:#06c}.bad{color:#b00}.more{color:#666}
        #filter{margin:.5em 0;padding:4px;width:28em}
        details>summary{cursor:pointer;color:#444;margin:.3em 0}
        .conn{border-top:2px solid #ccc;margin-top:2em}.note{color:#666;font-style:italic}
        .pictures svg{display:block;margin:.5em 0;border:1px solid #eee;background:#fff;max-width:100%;height:auto}
        .pictures svg[data-box]{width:100%;cursor:grab;user-select:none;touch-action:none}
        .pictures svg.dragging{cursor:grabbing}
        """

    /// Zoom and pan of the time graphs (TimeGraph's `data-*`), then the table's filter and sort. Tick labels
    /// follow GraphAxis's rules (`nice`, `label`).
    static let script = """
        (function(){
          var NS='http://www.w3.org/2000/svg',each=function(l,f){Array.prototype.forEach.call(l,f);};
          function nice(lo,hi,n,unit){
            var raw=(hi-lo)/n;if(!(raw>0)||!isFinite(raw))return{step:1,values:[lo]};
            var mag=Math.pow(10,Math.floor(Math.log10(raw))),r=raw/mag;
            var step=(r<1.5?1:r<3?2:r<7?5:10)*mag,values=[];if(unit==='B')step=Math.max(1,step);
            for(var i=Math.ceil(lo/step-1e-9);i*step<=hi+step*1e-9&&values.length<100;i++)values.push(i*step);
            return{step:step,values:values};}
          function prefix(m,unit){
            m=Math.abs(m);
            if(unit==='s'){if(m>=1||m===0)return[1,'s'];return m>=1e-3?[1e-3,'ms']:[1e-6,'µs'];}
            if(unit==='B'||unit==='B/s'){var s=unit==='B/s'?'/s':'';
              if(m>=1e9)return[1e9,'GB'+s];if(m>=1e6)return[1e6,'MB'+s];if(m>=1e3)return[1e3,'kB'+s];}
            return[1,unit];}
          function label(v,step,largest,unit){
            var p=prefix(largest,unit),d=Math.max(0,Math.min(9,-Math.floor(Math.log10(step/p[0]*(1+1e-9)))));
            return(v/p[0]).toFixed(d)+' '+p[1];}
          function el(name,attrs,text){
            var e=document.createElementNS(NS,name);for(var k in attrs)e.setAttribute(k,attrs[k]);
            if(text!==undefined)e.textContent=text;return e;}
          function nums(svg,k){return svg.getAttribute('data-'+k).split(' ').map(Number);}
          function Graph(svg){
            var b=nums(svg,'box');this.svg=svg;this.L=b[0];this.T=b[1];this.R=b[2];this.B=b[3];
            this.t=nums(svg,'t');this.y=nums(svg,'y');this.unit=svg.getAttribute('data-yunit');
            this.fit=svg.getAttribute('data-fit')==='y';this.v=[this.t[0],this.t[1]];this.w=[this.y[0],this.y[1]];
            this.zoom=svg.querySelector('g.zoom');this.pins=svg.querySelectorAll('[data-b]');
            this.xt=svg.querySelector('g.xticks');this.yt=svg.querySelector('g.yticks');this.bars=null;}
          Graph.prototype.bx=function(t){return this.L+(t-this.t[0])/(this.t[1]-this.t[0])*(this.R-this.L);};
          Graph.prototype.value=function(by){return this.y[0]+(this.B-by)/(this.B-this.T)*(this.y[1]-this.y[0]);};
          Graph.prototype.collect=function(){
            var bars=[],steps=[];
            each(this.zoom.querySelectorAll('line'),function(l){
              bars.push([+l.getAttribute('x1'),+l.getAttribute('y1'),+l.getAttribute('y2')]);});
            each(this.zoom.querySelectorAll('polyline.ackline'),function(pl){
              pl.getAttribute('points').split(' ').forEach(function(s){var q=s.split(',');steps.push([+q[0],+q[1]]);});});
            this.bars=bars;this.steps=steps;};
          Graph.prototype.fitValues=function(){
            if(!this.fit||this.v[1]-this.v[0]>=(this.t[1]-this.t[0])*0.999){this.w=[this.y[0],this.y[1]];return;}
            if(!this.bars)this.collect();
            var a=this.bx(this.v[0]),b=this.bx(this.v[1]),top=Infinity,bottom=-Infinity,before=null;
            this.bars.forEach(function(q){if(q[0]>=a&&q[0]<=b){
              top=Math.min(top,q[1],q[2]);bottom=Math.max(bottom,q[1],q[2]);}});
            this.steps.forEach(function(q){
              if(q[0]<a)before=q;else if(q[0]<=b){top=Math.min(top,q[1]);bottom=Math.max(bottom,q[1]);}});
            if(before){top=Math.min(top,before[1]);bottom=Math.max(bottom,before[1]);}
            if(!(top<=bottom))return;
            var hi=this.value(top),lo=this.value(bottom),pad=Math.max((hi-lo)*0.08,1);
            this.w=[lo-pad,hi+pad];};
          Graph.prototype.render=function(){
            this.fitValues();
            var g=this,kx=(g.t[1]-g.t[0])/(g.v[1]-g.v[0]),tx=g.L-kx*g.bx(g.v[0]);
            var ky=(g.y[1]-g.y[0])/(g.w[1]-g.w[0]),ty=g.B*(1-ky)+(g.w[0]-g.y[0])*(g.B-g.T)/(g.w[1]-g.w[0]);
            g.zoom.setAttribute('transform','translate('+tx+','+ty+') scale('+kx+','+ky+')');
            each(g.pins,function(p){
              var b=p.getAttribute('data-b').split(' '),x=tx+kx*b[0],y=ty+ky*b[1];
              if(p.tagName==='circle'){p.setAttribute('cx',x);p.setAttribute('cy',y);}
              else{p.setAttribute('x',x+2);p.setAttribute('y',y-3);}});
            while(g.xt.firstChild)g.xt.removeChild(g.xt.firstChild);
            while(g.yt.firstChild)g.yt.removeChild(g.yt.firstChild);
            var xs=nice(g.v[0],g.v[1],8),xl=Math.max(Math.abs(g.v[0]),Math.abs(g.v[1]));
            xs.values.forEach(function(t){
              var x=g.L+(t-g.v[0])/(g.v[1]-g.v[0])*(g.R-g.L);
              g.xt.appendChild(el('line',{'class':'grid',x1:x,y1:g.T,x2:x,y2:g.B}));
              g.xt.appendChild(el('text',{'class':'frame',x:x,y:g.B+14,'text-anchor':'middle'},
                label(t,xs.step,xl,'s')));});
            var ys=nice(g.w[0],g.w[1],5,g.unit),yl=Math.max(Math.abs(g.w[0]),Math.abs(g.w[1]));
            ys.values.forEach(function(v){
              var y=g.B-(v-g.w[0])/(g.w[1]-g.w[0])*(g.B-g.T);
              g.yt.appendChild(el('line',{'class':'grid',x1:g.L,y1:y,x2:g.R,y2:y}));
              g.yt.appendChild(el('text',{'class':'frame',x:g.L-4,y:y+4,'text-anchor':'end'},
                label(v,ys.step,yl,g.unit)));});
            g.svg.setAttribute('data-view',g.v[0].toFixed(6)+' '+g.v[1].toFixed(6));};
          Graph.prototype.set=function(a,span){
            span=Math.min(span,this.t[2]-this.t[0]);a=Math.max(this.t[0],Math.min(a,this.t[2]-span));
            this.v=[a,a+span];};
          var groups={};
          function update(g){
            g.render();
            (groups[g.svg.getAttribute('data-group')]||[]).forEach(function(o){
              if(o!==g&&o.t[0]===g.t[0]&&o.t[1]===g.t[1]&&o.t[2]===g.t[2]){o.v=g.v.slice();o.render();}});}
          each(document.querySelectorAll('svg[data-box]'),function(svg){
            var g=new Graph(svg),k=svg.getAttribute('data-group'),drag=null;(groups[k]=groups[k]||[]).push(g);
            function px(e){var r=svg.getBoundingClientRect();return(e.clientX-r.left)*svg.viewBox.baseVal.width/r.width;}
            svg.addEventListener('wheel',function(e){
              var span=g.v[1]-g.v[0],full=g.t[2]-g.t[0];
              var f=Math.exp(Math.max(-1,Math.min(1,e.deltaY*(e.deltaMode===1?0.05:0.002))));
              if(f>1&&span>=full*0.9999)return;
              e.preventDefault();
              var frac=Math.max(0,Math.min(1,(px(e)-g.L)/(g.R-g.L))),tc=g.v[0]+frac*span;
              var ns=Math.min(full,Math.max(span*f,(g.t[1]-g.t[0])*1e-5));
              g.set(tc-frac*ns,ns);update(g);},{passive:false});
            svg.addEventListener('pointerdown',function(e){
              if(e.button!==0)return;drag={x:px(e),a:g.v[0]};
              svg.setPointerCapture(e.pointerId);svg.classList.add('dragging');});
            svg.addEventListener('pointermove',function(e){
              if(!drag)return;var span=g.v[1]-g.v[0];g.set(drag.a-(px(e)-drag.x)/(g.R-g.L)*span,span);update(g);});
            function end(){drag=null;svg.classList.remove('dragging');}
            svg.addEventListener('pointerup',end);svg.addEventListener('pointercancel',end);
            svg.addEventListener('dblclick',function(){g.v=[g.t[0],g.t[1]];update(g);});
          });
        })();
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
