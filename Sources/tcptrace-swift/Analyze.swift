import ArgumentParser
import Foundation
import TCPTrace

struct Analyze: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Analyse capture files (pcap, pcapng; '-' for standard input) as one continuous trace.",
        discussion: """
            Several files are read as one trace in order of their first timestamp (rotated captures). \
            Exit codes: 0 ok, 1 a finding at or above --fail-on, 2 usage error or unreadable input, \
            3 a capture cut off part-way (results cover the packets before the cut).
            """
    )

    @Argument(help: "Capture files (pcap or pcapng); '-' reads standard input.")
    var files: [String]

    @Option(help: "Output format: text, json (one document) or jsonl (one connection per line).")
    var format: OutputFormat = .text

    @Option(help: "Maximum segment lifetime in seconds; TIME_WAIT lasts 2·MSL.")
    var msl: Double = 30

    @Option(name: .customLong("fail-on"), help: "Exit 1 when a finding of this severity or higher exists (info, warning, error).")
    var failOn: Severity?

    @Option(name: .customLong("connection"), help: "Print this connection's timeline (repeatable).")
    var connections: [Int] = []

    @Flag(name: .shortAndLong, help: "Print every connection's timeline.")
    var verbose = false

    func validate() throws {
        guard !files.isEmpty else { throw ValidationError("give at least one capture file (or '-')") }
        guard msl > 0, msl.isFinite else { throw ValidationError("--msl must be a positive number of seconds") }
        if files.count > 1 && files.contains("-") {
            throw ValidationError("'-' (standard input) cannot be combined with other files")
        }
    }

    func run() throws {
        let wantsTimeline = verbose || !connections.isEmpty
        let options = AnalysisOptions(tracker: TrackerOptions(msl: msl, recordTimeline: wantsTimeline))
        let analysis: Analysis
        do {
            analysis = try Analyzer.analyze(paths: files, options: options)
        } catch {
            printError("tcptrace-swift: \(error)")
            throw ExitCode(ExitStatus.badInput)
        }
        for warning in analysis.input.warnings { printError("warning: \(warning)") }
        let known = Set(analysis.connections.map(\.id))
        for id in connections where !known.contains(id) {
            printError("warning: no connection \(id) (the trace has \(analysis.connections.count))")
        }
        switch format {
        case .text:
            let timelines = verbose ? known : Set(connections)
            print(TextReport.render(analysis, timelines: timelines), terminator: "")
        case .json:
            print(JSONReport.render(analysis), terminator: "")
        case .jsonl:
            for connection in analysis.connections {
                print(JSONReport.connection(connection, options: analysis.options).serialized(pretty: false))
            }
        }
        if analysis.input.isDamaged { throw ExitCode(ExitStatus.damagedInput) }
        if let failOn, let highest = FindingTotals(analysis.connections).highestSeverity, highest >= failOn {
            throw ExitCode(ExitStatus.findings)
        }
    }
}
