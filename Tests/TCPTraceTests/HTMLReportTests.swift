import Foundation
import PcapSynth
import Testing

@testable import TCPTrace

#if canImport(FoundationXML)
import FoundationXML
#endif

@Suite struct HTMLReportTests {
    func analysis(_ paths: [String]) throws -> Analysis {
        try Analyzer.analyze(paths: paths, options: AnalysisOptions(tracker: TrackerOptions(recordTimeline: true)))
    }

    @Test func svgIsWellFormedXML() throws {
        for name in [
            "close-simultaneous.pcap", "half-close.pcap", "refused.pcap", "synthetic/sequence-wrap.pcap",
            "synthetic/stale-syn.pcap",
        ] {
            let a = try analysis([fixture(name)])
            for c in a.connections {
                let svg = ConnectionPictures.combined(c, msl: 30)
                let counter = ElementCounter()
                let parser = XMLParser(data: Data(svg.utf8))
                parser.delegate = counter
                #expect(parser.parse(), "\(name) connection \(c.id): \(parser.parserError.map { "\($0)" } ?? "")")
                // One arrow per segment in the ladder (none folded in these short connections).
                #expect(counter.count["line", default: 0] >= c.client.packets + c.server.packets, "\(name)")
                #expect(counter.count["svg"] == 1)
            }
        }
    }

    /// The band under the graphs (docs/timing.md): one rectangle per span, coloured by label, covering each
    /// direction's life; the blackout capture's server row shows its three RTO stalls (frames 1083 to 1086,
    /// 0.202792 to 1.810801 s: one span per stall, end to end). The summary lists the slowest connections
    /// with their diagnosis.
    @Test func timingBandAndSlowest() throws {
        let a = try analysis([fixture("timing/blackout.pcap"), fixture("timing/delayed-close.pcap")])
        let html = HTMLReport.render(a)
        #expect(html.components(separatedBy: "<svg class=\"timing\"").count - 1 == 2)
        #expect(html.contains("<h3>Where the time went</h3>"))
        let blackout = try #require(a.connections.first { $0.client.endpoint.port == 42006 })
        let band = try #require(blackout.timingBand)
        let stalls = band.decided.filter { $0.direction == blackout.serverIndex && $0.label == "rto_stall" }
        #expect(stalls.count == 3)
        let seconds = stalls.map { Double($0.end - $0.start) / 1e9 }.reduce(0, +)
        #expect(abs(seconds - (1.810801 - 0.202792)) < 1e-6)
        let svg = try #require(ConnectionPictures.timingBand(blackout))
        #expect(svg.contains("class=\"tl-rto_stall\""))
        #expect(svg.contains("class=\"tl-busy\""))
        // Both connections are listed, the longest first: blackout 1.919 s, delayed-close 1.545 s (tshark).
        let rows = html.components(separatedBy: "<th>slowest</th>").dropFirst().map { String($0.prefix(200)) }
        #expect(rows.count == 2)
        #expect(rows.first?.contains("1.92s: server stalled on its retransmission timer") == true)
        #expect(rows.last?.contains("1.55s: server in CLOSE_WAIT 1.50s") == true)
    }

    @Test func reportIsSelfContained() throws {
        let a = try analysis([
            fixture("close-simultaneous.pcap"), fixture("refused.pcap"), fixture("syn-retransmit.pcap"),
        ])
        let html = HTMLReport.render(a)
        #expect(html.components(separatedBy: "<tr data-id=").count - 1 == a.connections.count)
        #expect(html.components(separatedBy: "<svg class=\"ladder\"").count - 1 == a.connections.count)
        #expect(!html.contains("<script src"))
        #expect(!html.contains("<link"))
        // The only URL is the SVG namespace, which is a name, not a fetch.
        let urls = html.components(separatedBy: "http").count - 1
        let namespaces = html.components(separatedBy: "http://www.w3.org/2000/svg").count - 1
        #expect(urls == namespaces)
        #expect(html.contains("id=\"conn-3\""))
        #expect(html.contains("refused</span>@13"))
    }

    @Test func timeSequenceMarksRetransmissions() throws {
        // raw-ip is clean; build a trace with one retransmitted segment and check it is drawn red.
        var f = FlowScript()
        f.handshake()
        f.data(.client, 100)
        f.data(.client, 100)
        f.data(.client, 100, seq: 1101)  // the second segment again
        f.data(.client, 100)
        f.ack(.server)
        let a = try Analyzer.analyze(
            paths: [try temporaryFile(f.bytes)],
            options: AnalysisOptions(tracker: TrackerOptions(recordTimeline: true)))
        let svg = try #require(ConnectionPictures.timeSequence(a.connections[0], sender: a.connections[0].clientIndex))
        #expect(svg.components(separatedBy: "class=\"retrans\"").count - 1 == 1)
        #expect(svg.components(separatedBy: "class=\"data\"").count - 1 == 3)
    }
}

extension HTMLReportTests {
    /// The bars of a time-sequence graph: (class, title) of each `line` in its zoomed group.
    func bars(_ svg: String) -> [(cls: String, title: String)] {
        guard let start = svg.range(of: "<g class=\"zoom\">"), let end = svg.range(of: "<g class=\"pins\">") else {
            return []
        }
        return svg[start.upperBound..<end.lowerBound].components(separatedBy: "<line class=\"").dropFirst().map {
            let cls = String($0.prefix { $0 != "\"" })
            let title = $0.components(separatedBy: "<title>").dropFirst().first?.components(separatedBy: "</title>")
            return (cls, title?.first ?? "")
        }
    }

    static let segmentClasses: Set<String> = ["data", "retrans", "fastre", "spurious", "ooo", "probe"]

    func count(_ text: String, _ needle: String) -> Int { text.components(separatedBy: needle).count - 1 }

    @Test func timeSequenceBarsOfBulkLossCapture() throws {
        // bulk-loss-mid.pcap: `tshark -Y 'tcp.len>0'` counts 208 data segments, all from the client (41018).
        let c = try #require(try analysis([fixture("bulk-loss-mid.pcap")]).connections.first)
        let timeline = try #require(c.timeline)
        let sent = timeline.filter { $0.senderIndex == c.clientIndex && $0.payloadLength > 0 }
        #expect(sent.count == 208)
        let svg = try #require(ConnectionPictures.timeSequence(c, sender: c.clientIndex))
        let all = bars(svg)
        let segments = all.filter { Self.segmentClasses.contains($0.cls) }
        #expect(segments.count == sent.count)
        // Every bar names its frame, in the order the segments were sent.
        #expect(segments.map { $0.title.prefix { $0 != ":" } } == sent.map { "frame \($0.frame)"[...] })
        // Retransmitted segments carry the retransmission classes: the tool's findings name 4 retransmissions and
        // one fast retransmission (frame 183, as tshark's tcp.analysis.fast_retransmission).
        let retransmitted = Set(
            c.findings.filter { $0.code == .retransmission || $0.code == .fastRetransmission }.map {
                "frame \($0.frame)"
            })
        #expect(retransmitted.count == 5)
        let red = segments.filter { $0.cls == "retrans" || $0.cls == "fastre" }
        #expect(Set(red.map { String($0.title.prefix { $0 != ":" }) }) == retransmitted)
        #expect(segments.filter { $0.cls == "fastre" }.map { $0.title.prefix { $0 != ":" } } == ["frame 183"])
        // Bytes never seen before the segments tshark flags as lost (111, 130, 165, ...) are dashed gaps.
        let lost = c.findings.filter { $0.code == .lostSegment }.count
        #expect(lost == 5)
        #expect(all.filter { $0.cls == "lost" }.count == lost)
        #expect(svg.contains("<polyline class=\"ackline\""))
        #expect(svg.contains("<polyline class=\"winline\""))
        #expect(
            count(svg, "<line class=\"sack\"")
                == timeline.filter { $0.senderIndex == c.serverIndex }.reduce(0) {
                    $0 + $1.sack.count
                })
        for key in ["data", "retransmission", "fast retransmission", "not captured", "ACK", "receive window", "SACK"] {
            #expect(svg.contains(">\(key)</text>"), "legend lacks \(key)")
        }
        // The script zooms this graph: its box, its span (the whole connection, 0.166253 s from the first frame to
        // the last in tshark's frame.time_relative: no idle tail) and the fit flag.
        #expect(svg.contains("data-t=\"0 0.166253 0.166253\""))
        #expect(svg.contains("data-fit=\"y\""))
    }

    @Test func timeSequenceMarksZeroWindows() throws {
        // zero-window.pcap: tshark flags 3 zero-window segments (frames 11, 13, 16, from the server) and 3 keep-alive
        // probes of no payload (12, 14, 15); `tcp.len>0` counts 13 data segments, all from the client.
        let c = try #require(try analysis([fixture("zero-window.pcap")]).connections.first)
        let svg = try #require(ConnectionPictures.timeSequence(c, sender: c.clientIndex))
        let all = bars(svg)
        #expect(all.filter { Self.segmentClasses.contains($0.cls) && !$0.title.contains("len 0") }.count == 13)
        #expect(
            all.filter { $0.cls == "probe" }.map { $0.title.prefix { $0 != ":" } } == [
                "frame 12", "frame 14", "frame 15",
            ])
        #expect(all.filter { $0.cls == "retrans" }.map { $0.title.prefix { $0 != ":" } } == ["frame 8"])
        #expect(count(svg, "<circle class=\"zerowin\"") == 3)
        #expect(svg.contains(">zero window</text>"))
        // The zero windows are drawn on the graph of the direction they throttle, not as dots on the server's own.
        let server = try #require(ConnectionPictures.timeSequence(c, sender: c.serverIndex))
        #expect(!server.contains("zero-window:"))
    }

    @Test func throughputSpeaksUnits() throws {
        let c = try #require(try analysis([fixture("bulk-loss-mid.pcap")]).connections.first)
        let svg = try #require(ConnectionPictures.throughput(c))
        let yTicks = try #require(svg.components(separatedBy: "<g class=\"yticks\">").dropFirst().first)
            .components(separatedBy: "</g>")[0]
        let labels = yTicks.components(separatedBy: "text-anchor=\"end\">").dropFirst().map {
            String($0.prefix { $0 != "<" })
        }
        // 292 kB of new data in 0.166 s peaks near 11 MB/s; the axis goes 10 % above it, by 2 MB/s (never "11000k").
        #expect(labels == ["0 MB/s", "2 MB/s", "4 MB/s", "6 MB/s", "8 MB/s", "10 MB/s", "12 MB/s"])
        // The mean, from the capture: the client's segments that reach past its highest sequence so far (tshark
        // -Y 'ip.src==10.99.1.2 && tcp.len>0', seq + len above the running maximum) carry 292,496 bytes between
        // 0.020781 and 0.128008 s: 2.728 MB/s.
        #expect(svg.contains("client → server 292 kB at 2.73 MB/s"))
        #expect(!svg.contains("k</text>"))
    }

    @Test func idleTailIsClipped() throws {
        // keepalive.pcap: 100 bytes each way in the first 260 µs, then keep-alives until 4.6 s.
        let c = try #require(try analysis([fixture("keepalive.pcap")]).connections.first)
        let span = TimeGraph.span(c)
        #expect(span.clipped)
        #expect(span.full > 4.6 && span.full < 4.61)
        #expect(span.shown < 0.001)
        let svg = try #require(ConnectionPictures.timeSequence(c, sender: c.clientIndex))
        #expect(svg.contains("time fitted to the data (260 µs of 4.60 s); zoom out for the idle tail"))
        // A connection whose data fills the time axis keeps it whole.
        let bulk = try #require(try analysis([fixture("bulk-loss-mid.pcap")]).connections.first)
        #expect(!TimeGraph.span(bulk).clipped)
    }

    @Test func axisLabels() {
        #expect(GraphAxis.human(174_627_000, unit: "B/s") == "175 MB/s")
        #expect(GraphAxis.human(1460, unit: "B") == "1.46 kB")
        #expect(GraphAxis.human(0.00082, unit: "s") == "820 µs")
        let ticks = GraphAxis.ticks(0, 0.166, count: 8)
        #expect(ticks.step == 0.02)
        #expect(ticks.values.count == 9)
        #expect(GraphAxis.label(0.04, step: ticks.step, largest: 0.166, unit: "s") == "40 ms")
        #expect(GraphAxis.label(1.5, step: 0.5, largest: 4.6, unit: "s") == "1.5 s")
        #expect(GraphAxis.label(150_000, step: 50_000, largest: 330_000, unit: "B") == "150 kB")
        #expect(GraphAxis.ticks(0, 1.1, count: 5, unit: "B").values == [0, 1])
    }

    /// Both summaries count every instance raised, not only the listed ones (at most 100 per code): the same
    /// SYN sent 500 times before its SYN-ACK is 499 retransmissions, the first at frame 2.
    @Test func findingSummariesCountEveryInstance() throws {
        var f = FlowScript()
        for _ in 0..<500 { f.syn(seq: 1000) }
        f.synAck()
        f.ack()
        let c = try #require(try Analyzer.analyze(bytes: f.bytes).connections.first)
        #expect(c.findings.filter { $0.code == .synRetransmit }.count == Connection.maxFindingsPerCode)
        #expect(HTMLReport.findingsCell(c.findings, counts: c.findingCounts).contains("syn-retransmit</span>@2 ×499"))
        #expect(TextReport.row(c).contains(" ES/ES syn-retransmit×499"))
    }

    @Test func findingsCellIsCapped() throws {
        let c = try #require(try analysis([fixture("bulk-loss-mid.pcap")]).connections.first)
        // 15 duplicate ACKs, 5 lost segments, 4 retransmissions, 1 fast retransmission: one line per code.
        let cell = HTMLReport.findingsCell(c.findings)
        #expect(cell.components(separatedBy: "<br>").count == 4)
        // tshark: the first duplicate ACK is frame 112 (`-Y tcp.analysis.duplicate_ack`).
        #expect(cell.contains("duplicate-ack</span>@112 ×15"))
        #expect(cell.contains("fast-retransmission</span>@183"))
        let many = FindingCode.allCases.prefix(7).enumerated().map {
            Finding(code: $1, frame: $0 + 1, time: Timestamp(nanoseconds: 0), senderIndex: 0, detail: "")
        }
        let capped = HTMLReport.findingsCell(many + many)
        #expect(capped.components(separatedBy: "<br>").count == HTMLReport.maxFindingLines)
        #expect(capped.hasSuffix("<span class=\"more\">+4 more</span>"))
        #expect(capped.contains(" ×2"))
        var options = AnalysisOptions(tracker: TrackerOptions(recordTimeline: true))
        options.hosts = HostOptions()
        let html = HTMLReport.render(try Analyzer.analyze(paths: [fixture("bulk-loss-mid.pcap")], options: options))
        #expect(html.contains("<td>" + cell + "</td>"))
        // Two hosts: the hosts table starts open; the 25 findings of the connection start folded.
        #expect(html.contains("<details class=\"hosts\" open><summary>2 hosts</summary>"))
        #expect(html.contains("<details><summary>25 findings</summary>"))
    }
}

final class ElementCounter: NSObject, XMLParserDelegate {
    var count: [String: Int] = [:]
    func parser(
        _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
        attributes: [String: String] = [:]
    ) {
        count[name, default: 0] += 1
    }
}
