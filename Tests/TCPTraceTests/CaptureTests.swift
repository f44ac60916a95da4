import Foundation
import PcapSynth
import Testing

@testable import TCPTrace

@Suite struct CaptureTests {
    @Test func microsecondLittleEndian() throws {
        let a = try analyze(scenario("raw-ip"))
        #expect(a.input.packets == 9 && a.input.tcpSegments == 9)
        #expect(a.input.linkTypes == [.raw])  // LINKTYPE_RAW 101 is reported as DLT_RAW 12
        #expect(a.input.firstTime == Timestamp(nanoseconds: 1_700_000_000_000_000_000))
        #expect(a.input.lastTime == Timestamp(nanoseconds: 1_700_000_000_008_000_000))
    }

    @Test func nanosecondBigEndian() throws {
        let a = try analyze(scenario("big-endian-nano"))
        #expect(a.input.packets == 7)
        #expect(a.input.firstTime == Timestamp(nanoseconds: 1_700_000_000_000_000_001))
        #expect(a.input.lastTime == Timestamp(nanoseconds: 1_700_000_000_000_000_007))
        #expect(a.connections.count == 1)
    }

    @Test func ipv4OptionsPaddingAndFragmentsAreCounted() throws {
        let a = try analyze(scenario("ipv4-options-fragments"))
        #expect(a.input.packets == 11)
        #expect(a.input.tcpSegments == 9)  // 10 TCP packets minus the non-first fragment
        #expect(a.input.nonTCP == 1)  // the UDP datagram
        #expect(a.input.fragments == 2)  // first fragment (tracked) + second (skipped)
        let c = try #require(a.connections.first)
        #expect(c.client.payloadBytes == 5 + 980)  // padding is not payload; the first fragment holds 980
        #expect(c.closeKind == .fourWay)
    }

    @Test func severalFilesAreOneTraceOrderedByFirstTimestamp() throws {
        // One connection split across two files, given in the wrong order.
        let records = RecordSplitter.records(scenario("raw-ip"))
        var early = PcapWriter(linkType: PcapWriter.Link.raw)
        var late = PcapWriter(linkType: PcapWriter.Link.raw)
        for (i, r) in records.enumerated() {
            let t = 1_700_000_000_000_000_000 + Int64(i) * 1_000_000
            if i < 4 { early.append(r, at: t) } else { late.append(r, at: t) }
        }
        let first = try temporaryFile(early.bytes, name: "a.pcap")
        let second = try temporaryFile(late.bytes, name: "b.pcap")
        let a = try Analyzer.analyze(paths: [second, first])
        #expect(a.input.files.map(\.path) == [first, second])
        #expect(a.input.notes.count == 1)
        #expect(a.input.files[1].firstFrame == 5)
        #expect(a.connections.count == 1)
        #expect(a.connections[0].closeKind == .fourWay)
        #expect(a.connections[0].lastFrame == 9)
        #expect(a.input.warnings.isEmpty)
    }

    @Test func overlappingFilesAreReported() throws {
        var one = PcapWriter(linkType: PcapWriter.Link.raw)
        var two = PcapWriter(linkType: PcapWriter.Link.raw)
        let records = RecordSplitter.records(scenario("raw-ip"))
        for (i, r) in records.enumerated() {
            let t = 1_700_000_000_000_000_000 + Int64(i) * 1_000_000
            if i % 2 == 0 { one.append(r, at: t) } else { two.append(r, at: t) }
        }
        let a = try Analyzer.analyze(paths: [
            try temporaryFile(one.bytes, name: "x.pcap"),
            try temporaryFile(two.bytes, name: "y.pcap"),
        ])
        #expect(a.input.warnings.contains { $0.contains("overlap") })
    }

    @Test func missingFile() {
        #expect(throws: CaptureError.fileNotFound(path: "/nonexistent/x.pcap")) {
            try Analyzer.analyze(paths: ["/nonexistent/x.pcap"])
        }
    }

    @Test func emptyFile() throws {
        let path = try temporaryFile([])
        #expect(throws: CaptureError.notACapture(path: path, reason: "the file is empty")) {
            try Analyzer.analyze(paths: [path])
        }
    }

    @Test func badMagic() throws {
        let path = try temporaryFile(Array("this is not a capture file, just text.".utf8))
        do {
            _ = try Analyzer.analyze(paths: [path])
            Issue.record("expected an error")
        } catch {
            guard case .notACapture(let p, let reason) = error else { Issue.record("\(error)"); return }
            #expect(p == path)
            #expect(reason.contains("unknown file format"))
        }
    }

    @Test func directoryIsUnreadable() throws {
        let dir = FileManager.default.temporaryDirectory.path
        #expect(throws: CaptureError.unreadable(path: dir, reason: "is a directory")) {
            try Analyzer.analyze(paths: [dir])
        }
    }

    @Test func unsupportedLinkType() throws {
        // LINKTYPE_USER0 (147) holds no IP we can find.
        var w = PcapWriter(linkType: 147)
        w.append([1, 2, 3, 4], at: 0)
        let path = try temporaryFile(w.bytes)
        #expect(throws: CaptureError.unsupportedLinkType(path: path, linkType: LinkType(rawValue: 147))) {
            try Analyzer.analyze(paths: [path])
        }
    }

    @Test func truncatedFinalRecordKeepsEarlierPackets() throws {
        let whole = scenario("raw-ip")
        let cut = Array(whole.dropLast(10))  // the last record loses 10 of its bytes
        let a = try analyze(cut)
        #expect(a.input.packets == 8)
        #expect(a.input.isDamaged)
        #expect(a.input.files[0].damage?.contains("truncated") == true)
        #expect(a.connections.count == 1)
        #expect(a.input.warnings.contains { $0.contains("cut off after 8 packets") })
    }

    @Test func recordLongerThanSnapLengthIsDamage() throws {
        var w = PcapWriter(linkType: PcapWriter.Link.raw, snapLength: 100)
        for r in RecordSplitter.records(scenario("raw-ip")).prefix(2) { w.append(r, at: 1_700_000_000_000_000_000) }
        w.appendRawRecord(
            seconds: 1_700_000_001, fraction: 0, capturedLength: 0x7fff_ffff, originalLength: 0x7fff_ffff,
            data: [1, 2, 3])
        let a = try analyze(w.bytes)
        #expect(a.input.packets == 2)
        #expect(a.input.isDamaged)
    }

    @Test func standardInputMustBeAlone() {
        #expect(throws: CaptureError.standardInputWithOtherFiles) {
            try Analyzer.analyze(paths: ["-", "x.pcap"])
        }
    }

    @Test func errorMessagesNameTheFile() {
        #expect(CaptureError.fileNotFound(path: "a.pcap").description == "a.pcap: no such file")
        #expect(
            CaptureError.unsupportedLinkType(path: "b.pcap", linkType: LinkType(rawValue: 147)).description
                .hasPrefix("b.pcap: unsupported link type DLT_147 (147)"))
    }
}

@Suite struct InMemoryCaptureTests {
    @Test func bytesAndFileGiveTheSameAnalysis() throws {
        let bytes = scenario("stale-syn")
        let fromBytes = try Analyzer.analyze(bytes: bytes, name: "mem.pcap")
        let fromFile = try analyze(bytes)
        #expect(fromBytes.input.packets == fromFile.input.packets)
        #expect(fromBytes.connections.map(\.closeKind) == fromFile.connections.map(\.closeKind))
        #expect(fromBytes.connections.map { findingList($0) } == fromFile.connections.map { findingList($0) })
        #expect(throws: CaptureError.notACapture(path: "empty", reason: "the file is empty")) {
            try Analyzer.analyze(bytes: [], name: "empty")
        }
    }
}

/// Malformed capture files: each gives its clear error, or a warning with partial results.
@Suite struct MalformedFileTests {
    func le32(_ v: UInt32) -> [UInt8] { [0, 8, 16, 24].map { UInt8(truncatingIfNeeded: v >> $0) } }

    /// A little-endian pcapng: section header, one Ethernet interface, and an enhanced packet block per packet.
    func pcapng(_ packets: [[UInt8]], breakLastTrailer: Bool = false) -> [UInt8] {
        var out =
            le32(0x0A0D_0D0A) + le32(28) + le32(0x1A2B_3C4D) + [1, 0, 0, 0] + [UInt8](repeating: 0xff, count: 8)
            + le32(28)
        out += le32(1) + le32(20) + [1, 0, 0, 0] + le32(262_144) + le32(20)
        for (i, p) in packets.enumerated() {
            var data = p
            while data.count % 4 != 0 { data.append(0) }
            let length = UInt32(32 + data.count)
            let micros = UInt64(1_700_000_000_000_000) + UInt64(i) * 1000
            out +=
                le32(6) + le32(length) + le32(0) + le32(UInt32(micros >> 32)) + le32(UInt32(truncatingIfNeeded: micros))
            out += le32(UInt32(p.count)) + le32(UInt32(p.count)) + data
            out += le32(breakLastTrailer && i == packets.count - 1 ? length + 4 : length)
        }
        return out
    }

    var ethernetPackets: [[UInt8]] {
        RecordSplitter.records(scenario("raw-ip")).map { PacketBuilder.ethernet($0, etherType: 0x0800) }
    }

    @Test func pcapngIsRead() throws {
        let a = try Analyzer.analyze(bytes: pcapng(ethernetPackets))
        #expect(a.input.packets == 9 && a.connections.count == 1)
        #expect(a.connections[0].closeKind == .fourWay)
    }

    @Test func pcapngWithABrokenBlockKeepsEarlierPackets() throws {
        let a = try Analyzer.analyze(bytes: pcapng(ethernetPackets, breakLastTrailer: true))
        #expect(a.input.packets == 8)
        #expect(a.input.files[0].damage?.contains("block total length in header and trailer don't match") == true)
    }

    @Test func headerOnlyIsAnEmptyTrace() throws {
        let header = Array(scenario("raw-ip").prefix(24))
        let a = try Analyzer.analyze(bytes: header)
        #expect(a.input.packets == 0 && a.connections.isEmpty && !a.input.isDamaged)
    }

    @Test func truncatedHeader() throws {
        do {
            _ = try Analyzer.analyze(bytes: Array(scenario("raw-ip").prefix(10)), name: "short.pcap")
            Issue.record("accepted a 10-byte file")
        } catch {
            guard case .notACapture(let path, let reason) = error else { Issue.record("\(error)"); return }
            #expect(path == "short.pcap" && reason.contains("truncated dump file"))
        }
    }

    @Test func recordOver256MiB() throws {
        var w = PcapWriter(linkType: PcapWriter.Link.raw)
        w.append(RecordSplitter.records(scenario("raw-ip"))[0], at: 1_700_000_000_000_000_000)
        w.appendRawRecord(
            seconds: 1_700_000_001, fraction: 0, capturedLength: 256 << 20 | 1,
            originalLength: 256 << 20 | 1, data: [0, 0, 0, 0])
        let a = try Analyzer.analyze(bytes: w.bytes)
        #expect(a.input.packets == 1)
        #expect(a.input.files[0].damage?.contains("invalid packet capture length") == true)
    }

    @Test func decreasingTimestampsAreAWarning() throws {
        var w = PcapWriter(linkType: PcapWriter.Link.raw)
        let records = RecordSplitter.records(scenario("raw-ip"))
        // Frames 5 and 6 go back in time by 1 s.
        for (i, r) in records.enumerated() {
            let back: Int64 = (i == 4 || i == 5) ? -1_000_000_000 : 0
            w.append(r, at: 1_700_000_010_000_000_000 + Int64(i) * 1_000_000 + back)
        }
        let a = try Analyzer.analyze(bytes: w.bytes, name: "back.pcap")
        #expect(
            a.input.warnings == [
                "back.pcap: 2 packet(s) have a timestamp earlier than a packet before them "
                    + "(first at frame 5); times are taken as they are"
            ])
        let c = try #require(a.connections.first)
        #expect(c.start.interval(to: c.end) >= 0)
        #expect(c.closeKind == .fourWay)
    }
}

@Suite struct StreamingTests {
    /// Streams `paths`, rendering each connection as "id close-kind findings" and collecting the emitted chunks.
    private func stream(
        _ paths: [String], _ options: AnalysisOptions
    ) throws -> (chunks: [String], finalized: [Int], analysis: Analysis) {
        let sink = CollectingSink { "\($0.id) \($0.closeKind.rawValue) \(findingList($0))\n" }
        let analysis = try Analyzer.analyze(paths: paths, options: options, into: sink)
        return (sink.record.chunks, sink.record.finished, analysis)
    }

    @Test func streamingGivesTheBatchVerdictsInFirstFrameOrder() throws {
        let paths = [
            fixture("synthetic/reuse-lower-isn.pcap"), fixture("synthetic/stale-syn.pcap"), fixture("half-close.pcap"),
        ]
        let batch = try Analyzer.analyze(paths: paths)
        let streamed = try stream(paths, AnalysisOptions())
        #expect(streamed.chunks == batch.connections.map { "\($0.id) \($0.closeKind.rawValue) \(findingList($0))\n" })
        #expect(streamed.analysis.totals.connections == batch.connections.count)
        #expect(streamed.analysis.connections.isEmpty)
    }

    /// What `sink` writes when it streams `paths` (through a temporary file: a sink writes to a file descriptor).
    private func written<Sink: RenderingSink & ~Copyable>(
        _ paths: [String], _ options: AnalysisOptions,
        _ sink: (consuming ByteOutput) -> Sink
    ) throws -> String {
        let path = try temporaryFile([], name: "out.txt")
        let fd = open(path, O_WRONLY | O_TRUNC)
        try #require(fd >= 0)
        _ = try Analyzer.analyze(paths: paths, options: options, into: sink(ByteOutput(fileDescriptor: fd)))
        close(fd)
        return try String(contentsOfFile: path, encoding: .utf8)
    }

    /// An output's lines (CSV ends them with CR LF).
    private static func lines(_ text: String) -> [Substring] {
        text.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" }
    }

    /// A streamed output against the whole trace rendered: by first frame the same text; as connections
    /// finish, the same lines in another order.
    private static func expectSame(
        _ streamed: String, _ whole: String, order: StreamOrder, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        if order == .firstFrame {
            #expect(streamed == whole, sourceLocation: sourceLocation)
        } else {
            #expect(lines(streamed).sorted() == lines(whole).sorted(), sourceLocation: sourceLocation)
        }
    }

    /// Each connection of the whole trace as its JSON line.
    private static func jsonLines(_ batch: Analysis) -> [String] {
        batch.connections.map { c in
            var line: [UInt8] = []
            JSONReport.writeConnection(c, options: batch.options, pretty: false, indent: 0, into: &line)
            return String(decoding: line, as: UTF8.self) + "\n"
        }
    }

    /// A raw-IP capture of `count` connections, connection `k` scripted by `script` from its start `start(k)`,
    /// its packets `spacing` ns apart, all of them interleaved by time.
    private func interleaved(
        _ count: Int, spacing: Int64, start: (Int) -> Int64, _ script: (Int, inout FlowScript) -> Void
    ) throws -> String {
        var writer = PcapWriter(linkType: PcapWriter.Link.raw)
        var records: [(time: Int64, k: Int, record: [UInt8])] = []
        for k in 0..<count {
            let begin = start(k)
            var f = FlowScript(clientPort: UInt16(10_000 + k), start: begin, link: .raw)
            script(k, &f)
            records += RecordSplitter.records(f.bytes).enumerated().map {
                (begin + Int64($0.offset) * spacing, k, $0.element)
            }
        }
        records.sort { ($0.time, $0.k) < ($1.time, $1.k) }
        for r in records { writer.append(r.record, at: r.time) }
        return try temporaryFile(writer.bytes)
    }

    @Test func eachFormatSinkWritesWhatTheWholeTraceRenders() throws {
        let paths = [fixture("rotated-2.pcap"), fixture("rotated-1.pcap"), fixture("half-close.pcap")]
        var options = AnalysisOptions()
        options.hosts = HostOptions(portRange: 32768...60999)
        let batch = try Analyzer.analyze(paths: paths, options: options)
        #expect(batch.connections.count > 2)
        let view = try #require(batch.hosts)
        let jsonLines = Self.jsonLines(batch)
        let hostsLine = JSONValue.object([("hosts", JSONReport.hosts(view))]).serialized(pretty: false) + "\n"
        for order in StreamOrder.allCases {
            options.order = order
            func expectSame(_ streamed: String, _ whole: String, sourceLocation: SourceLocation = #_sourceLocation) {
                Self.expectSame(streamed, whole, order: order, sourceLocation: sourceLocation)
            }
            expectSame(try written(paths, options) { TextSink(output: $0) }, TextReport.render(batch))
            expectSame(
                try written(paths, options) { TextSink(long: true, output: $0) },
                batch.connections.map(TextReport.long).joined(separator: "\n") + TextReport.end(batch))
            expectSame(try written(paths, options) { JSONLinesSink(output: $0) }, jsonLines.joined() + hostsLine)
            expectSame(
                try written(paths, options) { CSVSink(output: $0) },
                CSVReport.header() + batch.connections.map { CSVReport.row($0) }.joined())
            if order == .firstFrame {
                #expect(try written(paths, options) { JSONDocumentSink(output: $0) } == JSONReport.render(batch))
            }
        }
    }

    /// 2,500 connections starting 1 ms apart, a quarter of each kind: left open after some data, a SYN never answered,
    /// closed both ways, closed by the client only. Only those closed both ways are finalized during the trace, a
    /// second after their close (`Tracker.closedLinger`), so the capture (2.5 s) ends with about 2,125 still held
    /// (1,875 + 250): more than two of `StreamingRun.finishBatch`. Each connection's packets come 100 µs apart, so
    /// connections of a kind last exactly as long (ties among the slowest).
    private func manyHeldAtTheEnd() throws -> String {
        try interleaved(2_500, spacing: 100_000, start: { 1_700_000_000_000_000_000 + Int64($0) * 1_000_000 }) { k, f in
            switch k % 4 {
            case 0:
                f.handshake(); f.data(.client, 100); f.ack(.server)
            case 1:
                f.syn()
            case 2:
                f.handshake(); f.data(.client, 100); f.ack(.server)
                f.fin(.client); f.ack(.server); f.fin(.server); f.ack(.client)
            default:
                f.handshake(); f.data(.client, 100); f.ack(.server); f.fin(.client); f.ack(.server)
            }
        }
    }

    /// The connections still held when the capture ends are finished, rendered and counted on both cores, in
    /// batches (`StreamingRun.finishOnBothCores`, `RenderedBatch`): every format still writes what the whole
    /// trace renders one connection after another, in both orders, with the same totals.
    @Test func connectionsHeldAtTheEndComeOutAsTheWholeTraceRendersThem() throws {
        let path = try manyHeldAtTheEnd()
        let batch = try Analyzer.analyze(paths: [path])
        #expect(batch.connections.count == 2_500)
        // From the capture: 625 SYNs never answered, 625 connections closed both ways.
        #expect(batch.connections.filter { $0.findings.contains { $0.code == .synUnanswered } }.count == 625)
        #expect(batch.connections.filter { $0.closeKind == .fourWay }.count == 625)
        let jsonLines = Self.jsonLines(batch)
        for order in StreamOrder.allCases {
            var options = AnalysisOptions()
            options.order = order
            func expectSame(_ streamed: String, _ whole: String, sourceLocation: SourceLocation = #_sourceLocation) {
                Self.expectSame(streamed, whole, order: order, sourceLocation: sourceLocation)
            }
            // (The text ends with the totals: the finding counts and the slowest connections.)
            expectSame(try written([path], options) { TextSink(output: $0) }, TextReport.render(batch))
            let streamedLines = try written([path], options) { JSONLinesSink(output: $0) }
            expectSame(streamedLines, jsonLines.joined())
            expectSame(
                try written([path], options) { CSVSink(output: $0) },
                CSVReport.header() + batch.connections.map { CSVReport.row($0) }.joined())
            if order == .firstFrame {
                #expect(try written([path], options) { JSONDocumentSink(output: $0) } == JSONReport.render(batch))
            } else {
                // As they finish: the connections never closed both ways (ids not 3 mod 4) are all held to the
                // end (idle for less than the 300 s timeout), which gives them by first frame.
                let ids = Self.lines(streamedLines).compactMap { line in
                    line.dropFirst(#"{"id":"#.count).prefix { $0.isNumber }.description
                }.compactMap { Int($0) }
                let held = ids.filter { $0 % 4 != 3 }
                #expect(held.count == 1_875 && held == held.sorted())
            }
        }
    }

    /// Everything totals hold, as one line to compare.
    private static func summary(_ t: FindingTotals) -> String {
        "\(t.connections) \(t.backwardSamples) \(t.unselected) \(t.highestSeverity.map { "\($0)" } ?? "-") "
            + t.byCode.map { "\($0.code.rawValue)=\($0.count)" }.joined(separator: ",") + " "
            + t.slowest.entries.map { "\($0.id):\($0.duration)" }.joined(separator: ",")
    }

    /// Totals counted in two parts and joined (`FindingTotals.append`, as each half of a batch is counted on its
    /// own thread) are the totals counted one by one, wherever the split falls; the slowest keep the earliest
    /// of equally long connections (each kind of `manyHeldAtTheEnd` lasts alike).
    @Test func totalsCountedInTwoPartsAreTheTotalsCountedOneByOne() throws {
        let connections = try Analyzer.analyze(paths: [try manyHeldAtTheEnd()]).connections
        let whole = FindingTotals(connections)
        // Four kinds, each lasting alike: the five slowest are the first five of the longest kind (ties).
        let longest = whole.slowest.entries.map(\.id)
        #expect(longest.count == 5 && longest == longest.sorted())
        #expect(Set(whole.slowest.entries.map(\.duration)).count == 1)
        for split in [0, 1, 3, 625, 1_250, 1_251, 2_499, 2_500] {
            var first = FindingTotals(Array(connections[..<split]))
            first.append(FindingTotals(Array(connections[split...])))
            #expect(Self.summary(first) == Self.summary(whole), "split at \(split)")
        }
    }

    /// Counted from the end backwards (`FindingTotals.add(earlier:)`, the part of a batch the tracking thread
    /// renders from its end: `RenderingAhead`), a part gives the totals counted forwards, alone and joined after
    /// a part counted forwards, ties among the slowest included.
    @Test func totalsCountedBackwardsAreTheTotalsCountedForwards() throws {
        let connections = try Analyzer.analyze(paths: [try manyHeldAtTheEnd()]).connections
        let whole = FindingTotals(connections)
        for split in [0, 1, 2, 3, 4, 5, 6, 625, 2_496, 2_499, 2_500] {
            var front = FindingTotals(Array(connections[..<split]))
            var rest = FindingTotals()
            for c in connections[split...].reversed() { rest.add(earlier: c) }
            #expect(
                Self.summary(rest) == Self.summary(FindingTotals(Array(connections[split...]))), "rest from \(split)")
            front.append(rest)
            #expect(Self.summary(front) == Self.summary(whole), "split at \(split)")
        }
        // Five equally long ones, counted backwards, keep the five first.
        let ties = connections.filter { $0.id % 4 == 2 }.prefix(12)  // (closed both ways: all alike)
        var backwards = FindingTotals()
        for c in ties.reversed() { backwards.add(earlier: c) }
        #expect(backwards.slowest.entries.map(\.id) == ties.prefix(5).map(\.id))
        // Ties inside the list and at its last place: two of the longest kind, five of the next, three of the
        // next, in the order they came.
        let kinds = Dictionary(grouping: connections) { $0.start.interval(to: $0.end) }
        let lengths = kinds.keys.sorted(by: >)
        try #require(lengths.count >= 3)
        let mixed = (kinds[lengths[0]]!.prefix(2) + kinds[lengths[1]]!.prefix(5) + kinds[lengths[2]]!.prefix(3))
            .sorted { $0.id < $1.id }
        var forwards = FindingTotals()
        backwards = FindingTotals()
        for c in mixed { forwards.add(c) }
        for c in mixed.reversed() { backwards.add(earlier: c) }
        let expected = kinds[lengths[0]]!.prefix(2).map(\.id) + kinds[lengths[1]]!.prefix(3).map(\.id)
        #expect(forwards.slowest.entries.map(\.id) == expected)
        #expect(backwards.slowest.entries.map(\.id) == expected)
    }

    /// 8,000 connections in 0.08 s (10 µs apart), then 2,000 more, 1 ms apart, and one more 4 s after the first;
    /// two in three closed both ways, the others reset by the client after some data, which keeps them to the
    /// end of the capture (`Tracker.resetLinger`). The first ones closed are finalized together by one sweep,
    /// far more than `StreamingRun.finalizedBacklog`, the later ones a few at a time. So during the trace
    /// finalized connections are rendered ahead on the second core (`RenderingAhead`) both with the tracking
    /// thread helping from each batch's end and without.
    private func burstOfFinalized() throws -> String {
        let t0: Int64 = 1_700_000_000_000_000_000
        return try interleaved(
            10_001, spacing: 1_000,
            start: { k in
                t0
                    + (k < 8_000
                        ? Int64(k) * 10_000 : k < 10_000 ? 500_000_000 + Int64(k - 8_000) * 1_000_000 : 4_000_000_000)
            }
        ) { k, f in
            f.handshake(); f.data(.client, 100 + k % 7); f.ack(.server)
            if k % 3 == 0 {
                f.rst(.client)
            } else {
                f.fin(.client); f.ack(.server); f.fin(.server); f.ack(.client)
            }
        }
    }

    /// Connections rendered ahead come out as the whole trace renders them: jsonl and json in both orders, in
    /// finish order in the order connections are finalized, with the same totals.
    @Test func finalizedConnectionsRenderedAheadComeOutAsTheWholeTraceRendersThem() throws {
        let path = try burstOfFinalized()
        let batch = try Analyzer.analyze(paths: [path])
        #expect(batch.connections.count == 10_001)
        #expect(batch.connections.filter { $0.closeKind == .fourWay }.count == 6_667)
        #expect(batch.connections.filter { $0.closeKind == .reset }.count == 3_334)
        let jsonLines = Self.jsonLines(batch)
        var options = AnalysisOptions()
        #expect(try written([path], options) { JSONLinesSink(output: $0) } == jsonLines.joined())
        // (The reset connections, held to the end, hold later ones back: all of it in memory, so that the
        // streamed document has no note about a temporary file.)
        options.spoolMemory = 1 << 30
        #expect(try written([path], options) { JSONDocumentSink(output: $0) } == JSONReport.render(batch))
        // As they finish: the order a sink given each connection as it is finalized sees.
        options.order = .finish
        var oneByOne = ModeAgreementTests.Collecting()
        _ = try Analyzer.stream(paths: [path], options: options, into: &oneByOne)
        let finished = oneByOne.box.connections.map(\.id)
        // Those closed both ways first, as they were finalized (by first frame), then those held at the end, by
        // first frame: the reset ones and the last one.
        let closed = batch.connections.filter { $0.closeKind == .fourWay }.map(\.id).dropLast()
        let held = batch.connections.filter { $0.closeKind == .reset }.map(\.id) + [10_001]
        #expect(finished == Array(closed) + held)
        let byID = Dictionary(uniqueKeysWithValues: batch.connections.map(\.id).enumerated().map { ($1, $0) })
        let streamed = try written([path], options) { JSONLinesSink(output: $0) }
        #expect(streamed == finished.map { jsonLines[byID[$0]!] }.joined())
    }

    /// A sink rendering in batches (as the JSON sinks do) that notes on which thread each output is written.
    private struct ThreadNotingSink: RenderingSink, ~Copyable {
        /// Written by one thread at a time (`ConnectionSink.add(rendered:id:)`), read after the run.
        final class Record: @unchecked Sendable {
            var outputs: [String] = []
            var writtenElsewhere = 0
        }
        let record = Record()
        let caller = pthread_self()
        static var rendersInBatches: Bool { true }

        func render(_ connection: Connection, into bytes: inout [UInt8]) {
            bytes.append(contentsOf: "\(connection.id) \(connection.closeKind.rawValue)\n".utf8)
        }

        mutating func write(rendered: UnsafeRawBufferPointer) {
            record.outputs.append(String(decoding: rendered, as: UTF8.self))
            if pthread_equal(pthread_self(), caller) == 0 { record.writtenElsewhere += 1 }
        }

        mutating func end(_ analysis: Analysis) {}
    }

    /// The outputs of batches rendered ahead go to the sink on the second core, when the next batch starts
    /// (`RenderingAhead.deliverPending`), and come out as the whole trace gives them, in both orders.
    @Test func outputsRenderedAheadAreWrittenOnTheSecondCoreInOrder() throws {
        let path = try burstOfFinalized()
        let batch = try Analyzer.analyze(paths: [path])
        let lines = batch.connections.map { "\($0.id) \($0.closeKind.rawValue)\n" }
        var options = AnalysisOptions()
        options.spoolMemory = 1 << 30
        let sink = ThreadNotingSink()
        let record = sink.record
        _ = try Analyzer.analyze(paths: [path], options: options, into: sink)
        // (By first frame they wait in the spool for connection 1, reset and held to the end, and are written
        // then, on this thread: this checks the order, not the thread.)
        #expect(record.outputs.elementsEqual(lines), "first difference: \(Self.firstDifference(record.outputs, lines))")
        // As they finish: the 6,666 connections closed both ways before the last are finalized during the trace,
        // 256 at a time, and a batch's outputs are written when the next one starts, on the second core. Those
        // of the batch in flight at the end, and the finalized ones that may still wait for a batch then (fewer
        // than the backlog), are written on this thread.
        options.order = .finish
        var oneByOne = ModeAgreementTests.Collecting()
        _ = try Analyzer.stream(paths: [path], options: options, into: &oneByOne)
        let byID = Dictionary(uniqueKeysWithValues: batch.connections.map(\.id).enumerated().map { ($1, $0) })
        let finishSink = ThreadNotingSink()
        let finishRecord = finishSink.record
        _ = try Analyzer.analyze(paths: [path], options: options, into: finishSink)
        let finished = oneByOne.box.connections.map { lines[byID[$0.id]!] }
        #expect(
            finishRecord.outputs.elementsEqual(finished),
            "first difference: \(Self.firstDifference(finishRecord.outputs, finished))")
        let atMostHere = StreamingRun.finalizedBatch + StreamingRun.finalizedBacklog
        #expect(finishRecord.writtenElsewhere >= 6_666 - atMostHere, "\(finishRecord.writtenElsewhere)")
    }

    /// Where two lists of outputs first differ (index, and each side's output there), for a short failure message.
    private static func firstDifference(_ a: [String], _ b: [String]) -> String {
        let shared = min(a.count, b.count)
        guard let i = (0..<shared).first(where: { a[$0] != b[$0] }) ?? (a.count == b.count ? nil : shared) else {
            return "none"
        }
        let left = i < a.count ? a[i] : "-", right = i < b.count ? b[i] : "-"
        return "#\(i): \(left) against \(right) (\(a.count) and \(b.count) outputs)"
    }

    /// Connections dropped at the cap while batches are rendered ahead: the output is the whole trace's with the
    /// same cap, by first frame and as connections finish, and the spool's note on waiting output is what a sink
    /// given each connection as it is finalized gets (`passOnDropped` completes the batch in flight and writes
    /// its outputs before the drops go to the sink). Whether a batch is in flight at a drop depends on the
    /// threads' timing: the drops here come mostly during the first burst, before any batch.
    @Test func dropsWhileRenderingAheadComeOutAsTheWholeTraceGivesThem() throws {
        let path = try burstOfFinalized()
        var options = AnalysisOptions(tracker: TrackerOptions(maxConnections: 3_000))
        options.spoolMemory = 1 << 30
        let batch = try Analyzer.analyze(paths: [path], options: options)
        // 8,000 closed or reset in 0.08 s, each held a while after: the oldest are dropped.
        #expect(batch.evictedOther > 4_000)
        #expect(batch.connections.count + batch.evictedOther == 10_001)
        let jsonLines = Self.jsonLines(batch)
        #expect(try written([path], options) { JSONLinesSink(output: $0) } == jsonLines.joined())
        options.order = .finish
        var oneByOne = ModeAgreementTests.Collecting()
        _ = try Analyzer.stream(paths: [path], options: options, into: &oneByOne)
        let finished = oneByOne.box.connections.map(\.id)
        #expect(finished.count == batch.connections.count)
        let byID = Dictionary(uniqueKeysWithValues: batch.connections.map(\.id).enumerated().map { ($1, $0) })
        #expect(
            try written([path], options) { JSONLinesSink(output: $0) } == finished.map { jsonLines[byID[$0]!] }.joined()
        )
        // By first frame with no memory for waiting output: the spool's note counts the connections that waited in
        // its file, which depends on the order of the outputs and the drops it was given; one by one (a sink that
        // does not render in batches) and ahead give the same.
        options.order = .firstFrame
        options.spoolMemory = 0
        let devNull = open("/dev/null", O_WRONLY)
        defer { close(devNull) }
        let ahead = try Analyzer.analyze(
            paths: [path], options: options, into: JSONLinesSink(output: ByteOutput(fileDescriptor: devNull)))
        let single = try Analyzer.analyze(paths: [path], options: options, into: CollectingSink { "\($0.id)\n" })
        let note = ahead.input.notes.filter { $0.contains("temporary file") }
        #expect(note.count == 1)
        #expect(note == single.input.notes.filter { $0.contains("temporary file") }, "\(single.input.notes)")
    }

    /// Connection 1 opens first and closes last; 40 connections open and close (2 s apart) while it is open.
    private func heldBackCapture() throws -> String {
        var writer = PcapWriter(linkType: PcapWriter.Link.raw)
        let t0: Int64 = 1_700_000_000_000_000_000
        var long = FlowScript(clientPort: 40000, start: t0, link: .raw)
        long.handshake()
        long.data(.client, 100)
        long.ack(.server)
        let opening = RecordSplitter.records(long.bytes)
        var records = opening.enumerated().map { ($0.element, t0 + Int64($0.offset) * 1_000_000) }
        for k in 1...40 {
            let start = t0 + Int64(k) * 2_000_000_000
            var f = FlowScript(clientPort: UInt16(40000 + k), start: start, link: .raw)
            f.handshake()
            f.data(.client, 10)
            f.fin(.client); f.ack(.server); f.fin(.server); f.ack(.client)
            records += RecordSplitter.records(f.bytes).enumerated().map {
                ($0.element, start + Int64($0.offset) * 1_000_000)
            }
        }
        let end = t0 + 90_000_000_000
        long.fin(.client); long.ack(.server); long.fin(.server); long.ack(.client)
        let tail = RecordSplitter.records(long.bytes).dropFirst(opening.count)
        records += tail.enumerated().map { ($0.element, end + Int64($0.offset) * 1_000_000) }
        for (record, time) in records { writer.append(record, at: time) }
        return try temporaryFile(writer.bytes)
    }

    @Test func aConnectionLeftOpenHoldsLaterOnesBackInTheSpool() throws {
        let path = try heldBackCapture()
        let batch = try Analyzer.analyze(paths: [path])
        #expect(batch.connections.count == 41)
        let expected = batch.connections.map { "\($0.id) \($0.closeKind.rawValue) \(findingList($0))\n" }
        // Connections 2...41 finish while 1 is open: with no memory for waiting output every one of them goes
        // through the temporary file, and still comes out by first frame.
        var options = AnalysisOptions()
        options.spoolMemory = 0
        let spilled = try stream([path], options)
        #expect(spilled.finalized.first == 2 && spilled.finalized.last == 1)
        #expect(spilled.chunks == expected)
        #expect(
            spilled.analysis.input.notes.contains {
                $0.hasPrefix("40 connection(s) waited for an older one in a temporary file")
            })
        // With room in memory nothing is written to a file; the output is the same.
        let inMemory = try stream([path], AnalysisOptions())
        #expect(inMemory.chunks == expected)
        #expect(!inMemory.analysis.input.notes.contains { $0.contains("temporary file") })
        // Empty output for some connections (a filter) spills as well and keeps its place.
        var options2 = AnalysisOptions()
        options2.spoolMemory = 0
        let oddOnly = CollectingSink { $0.id % 2 == 1 ? "\($0.id) \($0.closeKind.rawValue) \(findingList($0))\n" : "" }
        _ = try Analyzer.analyze(paths: [path], options: options2, into: oddOnly)
        let chunks = oddOnly.record.chunks
        #expect(chunks.count == 41)
        #expect(chunks.filter { !$0.isEmpty } == expected.enumerated().filter { $0.offset % 2 == 0 }.map(\.element))
        // --order finish: each as it ends, connection 1 last.
        let finishOrder = try stream([path], AnalysisOptions(order: .finish))
        #expect(finishOrder.chunks == expected.dropFirst() + [expected[0]])
    }

    @Test func aSegmentAfterTheLingerBelongsToTheFinalizedConnection() throws {
        // Connection A (1 ms round trip, so it lingers 0.304 s) closes at about 10 ms; the server resends its FIN
        // at 600 ms and the client ACKs it again; a background connection B keeps packets (and so sweeps)
        // coming every 50 ms; at 5 s a new SYN reuses A's 4-tuple inside 2·MSL.
        let t0: Int64 = 1_700_000_000_000_000_000
        var a = FlowScript(clientPort: 40000, start: t0, link: .raw)
        a.handshake()
        a.data(.client, 100)
        a.ack(.server)
        a.fin(.client); a.ack(.server)
        let serverFin = a.serverNext
        a.fin(.server); a.ack(.client)
        a.fin(.server, seq: serverFin, after: 600_000_000)
        a.ack(.client)
        var b = FlowScript(clientPort: 41000, start: t0 + 500_000, link: .raw)
        b.step = 50_000_000
        b.handshake()
        for _ in 0..<20 { b.data(.client, 10); b.ack(.server) }
        var again = FlowScript(clientPort: 40000, clientISN: 900_000, start: t0 + 5_000_000_000, link: .raw)
        again.handshake()
        var writer = PcapWriter(linkType: PcapWriter.Link.raw)
        for (record, time)
            in (PcapWriter.records(a.bytes) + PcapWriter.records(b.bytes) + PcapWriter.records(again.bytes)).sorted(
                by: {
                    $0.1 < $1.1
                })
        {
            writer.append(record, at: time)
        }
        let path = try temporaryFile(writer.bytes)

        let streamed = try stream([path], AnalysisOptions())
        // A, B and the new incarnation: the late FIN and its ACK did not start a fourth, mid-stream connection.
        #expect(streamed.chunks.count == 3)
        #expect(streamed.chunks[0].hasPrefix("1 four-way "))
        #expect(streamed.chunks[2].hasPrefix("3 ") && streamed.chunks[2].contains("time-wait-reuse"))
        #expect(streamed.analysis.input.notes.contains(Tracker.lateSegmentsNote(2)))
        // The batch path decides the same boundary at ingest, from the timestamps: the resent FIN came after
        // A's linger, so it is a late segment there too, and A's findings are the streamed ones.
        let batch = try Analyzer.analyze(paths: [path])
        #expect(batch.connections.count == 3)
        #expect(!batch.connections[0].findings.contains { $0.code == .finRetransmit })
        #expect(batch.input.notes.contains(Tracker.lateSegmentsNote(2)))
    }

    @Test func closedConnectionsLeaveMemoryDuringTheTrace() throws {
        // 300 sequential connections, 10 s apart in capture time, each closed by the client (TIME_WAIT). With a
        // sweep every second, a closed connection lingers 3 s whole, then only as a TIME_WAIT record for 2·MSL
        // (60 s): at most 1 connection and 7 records are ever held.
        var tracker = Tracker()
        var t: Int64 = 1_700_000_000_000_000_000
        var heldMost = 0, recordsMost = 0, finalized = 0, frame = 0
        for k in 0..<300 {
            var f = FlowScript(clientPort: UInt16(40000 + k), start: t, link: .raw)
            f.handshake()
            f.data(.client, 10)
            f.fin(.client); f.ack(.server); f.fin(.server); f.ack(.client)
            for record in RecordSplitter.records(f.bytes) {
                frame += 1
                guard case .tcp(let segment) = decode(record, .raw) else { continue }
                tracker.ingest(segment, frame: frame, time: Timestamp(nanoseconds: t))
                t += 1_000_000
            }
            for _ in 0..<10 {
                t += 1_000_000_000
                finalized += tracker.expire(now: Timestamp(nanoseconds: t)).count
                heldMost = max(heldMost, tracker.liveConnections)
                recordsMost = max(recordsMost, tracker.timeWaitRecordCount)
            }
        }
        #expect(finalized == 300)
        #expect(heldMost <= 1)
        #expect(recordsMost <= 7 && recordsMost >= 5)
        #expect(MemoryLayout<TimeWaitRecord>.stride == 32)
        #expect(MemoryLayout<TimeWaitRecord>.stride + MemoryLayout<FlowKey>.stride <= 100)
        // The table's entries: packed key and record, the live flag inside the record (issue 21: a Bool field
        // made the IPv4 entry 56 bytes).
        #expect(MemoryLayout<TimeWaitTable<IPv4TimeWaitKey>.Entry>.stride == 48)
        #expect(MemoryLayout<TimeWaitTable<IPv6TimeWaitKey>.Entry>.stride == 80)
    }
}
