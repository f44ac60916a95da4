import Foundation
import PcapSynth
import Testing

@testable import TCPTrace

/// Writes `bytes` to a fresh temporary file and returns its path.
func temporaryFile(_ bytes: [UInt8], name: String = "capture.pcap") throws -> String {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tcptrace-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let url = folder.appendingPathComponent(name)
    try Data(bytes).write(to: url)
    return url.path
}

/// Analyses capture bytes through the real read → decode → track path.
func analyze(_ bytes: [UInt8], msl: Double = 30, timeline: Bool = false) throws -> Analysis {
    let path = try temporaryFile(bytes)
    return try Analyzer.analyze(
        paths: [path],
        options: AnalysisOptions(tracker: TrackerOptions(msl: msl, recordTimeline: timeline)))
}

/// Decodes one packet.
func decode(_ bytes: [UInt8], _ linkType: LinkType) -> DecodeOutcome {
    bytes.withUnsafeBytes { PacketDecoder.decode($0, linkType: linkType) }
}

func segment(_ outcome: DecodeOutcome, sourceLocation: SourceLocation = #_sourceLocation) -> Segment? {
    if case .tcp(let s) = outcome { return s }
    Issue.record("expected a TCP segment, got \(outcome)", sourceLocation: sourceLocation)
    return nil
}

/// The package root (this file is Tests/TCPTraceTests/Support.swift).
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

func fixture(_ name: String) -> String { packageRoot.appendingPathComponent("Fixtures/\(name)").path }

func scenario(_ name: String) -> [UInt8] {
    SyntheticScenarios.all.first { $0.name == name }!.build()
}

/// Finding codes with frames, sorted, e.g. ["syn-retransmit@3"].
func findingList(_ c: Connection) -> [String] {
    c.findings.map { "\($0.code.rawValue)@\($0.frame)" }
}

/// A streaming sink for tests: renders each connection with `text`, and keeps what is written (one chunk per
/// connection, in output order) and the ids of the connections in the order they were rendered: the order they
/// finished, as long as they are rendered on one thread (`render` may run on two at once: at the end of a
/// trace that holds `RenderedBatch.shared` connections or more).
struct CollectingSink: RenderingSink {
    final class Record: @unchecked Sendable {
        var chunks: [String] = []
        private(set) var finished: [Int] = []
        private let lock = NSLock()

        func rendered(_ id: Int) {
            lock.lock()
            defer { lock.unlock() }
            finished.append(id)
        }
    }

    let record = Record()
    let text: (Connection) -> String

    func render(_ connection: Connection, into bytes: inout [UInt8]) {
        record.rendered(connection.id)
        bytes.append(contentsOf: text(connection).utf8)
    }

    mutating func write(rendered: UnsafeRawBufferPointer) {
        record.chunks.append(String(decoding: rendered, as: UTF8.self))
    }

    mutating func end(_ analysis: Analysis) {}
}
