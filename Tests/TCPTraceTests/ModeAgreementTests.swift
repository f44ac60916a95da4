import Foundation
import Testing

@testable import TCPTrace

/// One connection model in every mode (docs/connection-model.md, "One model in every mode"): the streaming
/// path (`analyze` as text, JSON, JSONL, CSV) and the batch path (`--verbose`, `--connection`, `ladder`,
/// `report`, `check`) give the same connections, ids, counts, verdicts and findings for the same input, over
/// every fixture and every file of ../shared/corpus when it is present.
@Suite struct ModeAgreementTests {
    /// What must agree, one line per connection.
    static func describe(_ c: Connection) -> String {
        let findings = c.findings.map { "\($0.code.rawValue)@\($0.frame)" }.joined(separator: ",")
        return "\(c.id) \(c.key) frames \(c.firstFrame)-\(c.lastFrame) packets \(c.sideA.packets)+\(c.sideB.packets) "
            + "\(c.handshakeOutcome.rawValue) \(c.closeKind.rawValue) \(c.zeekConnState) \(c.zeekHistory) "
            + "[\(findings)] counts \(c.findingCounts.values.reduce(0, +))"
            + " tunnel \(c.tunnels.map { "\($0.paths)" } ?? "-") interfaces \(c.interfaces) copies \(c.captureDuplicates)"
    }

    /// The streaming sink that keeps every connection's description, in the order connections finish.
    struct Describing: ConnectionSink {
        final class Box { var lines: [(Int, String)] = [] }
        let box = Box()
        mutating func add(_ connection: Connection) { box.lines.append((connection.id, describe(connection))) }
        mutating func end(_ analysis: Analysis) {}
    }

    /// The streaming sink that keeps every connection whole.
    struct Collecting: ConnectionSink {
        final class Box { var connections: [Connection] = [] }
        let box = Box()
        mutating func add(_ connection: Connection) { box.connections.append(connection) }
        mutating func end(_ analysis: Analysis) {}
    }

    /// Streams and batch-analyses `path`; nil when the file is rejected (the same by both paths).
    static func compare(_ path: String) -> (streamed: [String], batch: [String], notes: ([String], [String]))? {
        let sink = Describing()
        var streamSink = sink
        guard let streamed = try? Analyzer.stream(paths: [path], options: AnalysisOptions(), into: &streamSink),
            // The batch subcommands record timelines: that must not change the connections.
            let batch = try? Analyzer.analyze(
                paths: [path], options: AnalysisOptions(tracker: TrackerOptions(recordTimeline: true)))
        else { return nil }
        let streamedLines = sink.box.lines.sorted { $0.0 < $1.0 }.map(\.1)
        return (streamedLines, batch.connections.map(describe), (streamed.input.notes, batch.input.notes))
    }

    static var fixtures: [String] {
        let root = packageRoot.appendingPathComponent("Fixtures")
        let names = (FileManager.default.enumerator(atPath: root.path)?.compactMap { $0 as? String } ?? [])
        return names.filter { $0.hasSuffix(".pcap") || $0.hasSuffix(".pcapng") || $0.hasSuffix(".snoop") }.sorted()
            .map { root.appendingPathComponent($0).path }
    }

    @Test func streamingAndBatchAgreeOnEveryFixture() throws {
        let files = Self.fixtures
        #expect(files.count > 40)
        var compared = 0
        for path in files {
            guard let result = Self.compare(path) else { continue }
            compared += 1
            #expect(result.streamed == result.batch, "\(path)")
            #expect(result.notes.0 == result.notes.1, "\(path)")
        }
        #expect(compared == files.count)
    }

    /// The connections live capture gives for `path` fed packet by packet (`LiveMonitor`, as `live` does),
    /// by id.
    static func live(_ path: String) throws -> [(id: Int, line: String)] {
        let file = try CaptureFile(path: path)
        var monitor = LiveMonitor(
            options: LiveOptions(), linkType: file.linkType, interface: "test", interfaces: file.interfaceCount)
        var last = Timestamp(nanoseconds: 0)
        _ = file.forEachPacket { record, bytes in
            last = record.timestamp
            monitor.packet(record, bytes: bytes) { _ in }
        }
        let analysis = monitor.finish(at: last) { _ in }
        return analysis.connections.sorted { $0.id < $1.id }.map { ($0.id, describe($0)) }
    }

    @Test func liveCaptureAgreesWithBatchOnEveryFixture() throws {
        var compared = 0
        // (Single-file captures: live reads one interface; a multi-file trace is not a live capture.)
        for path in Self.fixtures where !path.contains("rotated") {
            guard let batch = try? Analyzer.analyze(paths: [path]) else { continue }
            // Live keeps the last `finishedKept` finished connections for its final table: each must be the
            // batch path's connection of the same id.
            let live = try Self.live(path)
            let batchByID = Dictionary(uniqueKeysWithValues: batch.connections.map { ($0.id, Self.describe($0)) })
            #expect(live.count == min(batch.connections.count, LiveMonitor.finishedKept), "\(path)")
            for (id, line) in live { #expect(batchByID[id] == line, "\(path)") }
            compared += 1
        }
        #expect(compared > 40)
    }

    @Test func streamingAndBatchAgreeOnTheCorpus() throws {
        let corpus = CorpusSweepTests.corpus
        guard FileManager.default.fileExists(atPath: corpus.path) else {
            print("ModeAgreementTests corpus comparison skipped: \(corpus.path) is absent")
            return
        }
        let files = (FileManager.default.enumerator(atPath: corpus.path)?.compactMap { $0 as? String } ?? [])
            .filter { !$0.hasSuffix(".md") }.sorted()
        var compared = 0, connections = 0, differing: [String] = []
        for file in files {
            let path = corpus.appendingPathComponent(file).path
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue,
                let result = Self.compare(path)
            else { continue }
            compared += 1
            connections += result.batch.count
            if result.streamed != result.batch || result.notes.0 != result.notes.1 { differing.append(file) }
        }
        print(
            "streaming and batch compared on \(compared) corpus files (\(connections) connections): "
                + "\(differing.count) differ \(differing.prefix(5))")
        #expect(compared > 2000)
        #expect(differing.isEmpty)
    }
}
