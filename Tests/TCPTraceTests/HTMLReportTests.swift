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
        #expect(html.contains("refused@13"))
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

final class ElementCounter: NSObject, XMLParserDelegate {
    var count: [String: Int] = [:]
    func parser(
        _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
        attributes: [String: String] = [:]
    ) {
        count[name, default: 0] += 1
    }
}
