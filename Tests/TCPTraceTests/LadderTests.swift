import Foundation
import PcapSynth
import Testing

@testable import TCPTrace

/// Golden-file tests of the terminal ladder. Re-record on purpose with `RECORD_GOLDEN=1 swift test`; a
/// recording run fails so it is never mistaken for a pass.
@Suite struct LadderTests {
    static let goldenFolder = packageRoot.appendingPathComponent("Tests/TCPTraceTests/Golden")

    func ladder(_ path: String, msl: Double = 30) throws -> String {
        let analysis = try Analyzer.analyze(
            paths: [path], options: AnalysisOptions(tracker: TrackerOptions(msl: msl, recordTimeline: true)))
        let renderer = LadderRenderer(options: LadderRenderer.Options(color: false, msl: msl))
        return analysis.connections.map { renderer.render($0) }.joined(separator: "\n")
    }

    func assertGolden(_ name: String, _ actual: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let url = Self.goldenFolder.appendingPathComponent("\(name).txt")
        if ProcessInfo.processInfo.environment["RECORD_GOLDEN"] != nil {
            try actual.write(to: url, atomically: true, encoding: .utf8)
            Issue.record("recorded \(url.path); run again without RECORD_GOLDEN", sourceLocation: sourceLocation)
            return
        }
        let expected = try String(contentsOf: url, encoding: .utf8)
        #expect(actual == expected, "ladder \(name) differs from \(url.path)", sourceLocation: sourceLocation)
    }

    @Test func textbookOpenAndClose() throws {
        let text = try ladder(fixture("synthetic/textbook.pcap"))
        try assertGolden("textbook", text)
        // The textbook reading, checked independently of the golden file.
        #expect(text.contains("SYN seq=0"))
        #expect(text.contains("SYN,ACK seq=0 ack=1"))
        #expect(text.contains("ACK seq=1 ack=1"))
        #expect(text.contains("2·MSL = 60 s"))
        #expect(text.split(separator: "\n").allSatisfy { $0.count <= 80 })
    }

    @Test func simultaneousClose() throws {
        let text = try ladder(fixture("close-simultaneous.pcap"))
        try assertGolden("close-simultaneous", text)
        #expect(text.contains("     CLOSING │◀─────────────────────────────────│ CLOSING      #9 2.439193"))
        #expect(text.split(separator: "\n").allSatisfy { $0.count <= 80 })
    }

    @Test func refused() throws {
        try assertGolden("refused", try ladder(fixture("refused.pcap")))
    }

    @Test func retransmittedFin() throws {
        let text = try ladder(fixture("fin-retransmit.pcap"))
        try assertGolden("fin-retransmit", text)
        // Frame 9 repeats the client's FIN (seq 101) and is marked; the server's ACK of it is frame 10.
        #expect(text.contains("FIN,ACK seq=101 ack=201") && text.contains("! fin-retransmit"))
        #expect(text.contains("#9 0.304587"))
    }

    @Test func foldsLongDataPhases() throws {
        // Handshake (frames 1-3), 100 client segments of 40 bytes with one retransmission after the 50th
        // (frames 4-104), four-way close (105-108). The retransmission (frame 54) raises a finding, so it is drawn
        // and splits the data into two runs of 50, each folded to 2 + 46 + 2.
        var f = FlowScript()
        f.handshake()
        for k in 0..<100 {
            f.data(.client, 40)
            if k == 49 { f.data(.client, 40, seq: f.clientNext &- 40) }
        }
        f.fin(.client)
        f.ack(.server)
        f.fin(.server)
        f.ack(.client)
        let path = try temporaryFile(f.bytes)
        let text = try ladder(path)
        #expect(text.components(separatedBy: "┊     … 46 segments, 1.8 kB …      ┊").count == 3)
        #expect(text.contains("#4 ") && text.contains("#5 ") && !text.contains("#6 ") && text.contains("#104 "))
        #expect(text.contains("#54 ") && text.contains("! retransmission"))
        let analysis = try Analyzer.analyze(
            paths: [path], options: AnalysisOptions(tracker: TrackerOptions(recordTimeline: true)))
        let full = LadderRenderer(options: .init(full: true)).render(analysis.connections[0])
        #expect(full.contains("#30 ") && !full.contains("┊"))
    }

    @Test func colourOnlyWhenAsked() throws {
        let analysis = try Analyzer.analyze(
            paths: [fixture("refused.pcap")],
            options: AnalysisOptions(tracker: TrackerOptions(recordTimeline: true)))
        let plain = LadderRenderer(options: .init(color: false)).render(analysis.connections[0])
        let coloured = LadderRenderer(options: .init(color: true)).render(analysis.connections[0])
        #expect(!plain.contains("\u{1B}["))
        #expect(coloured.contains("\u{1B}[31m"))  // the refused finding is an error: red
    }
}
