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

    @OptionGroup var input: CaptureFiles<FilesHelp>

    @Option(help: "Output format: text, json (one document) or jsonl (one connection per line).")
    var format: OutputFormat = .text

    @OptionGroup var lifetime: LifetimeOption

    @OptionGroup var failure: FailOnOption<FailOnHelp>

    @Option(name: .customLong("connection"), help: "Print this connection's timeline (repeatable).")
    var connections: [Int] = []

    @Flag(name: .shortAndLong, help: "Print every connection's timeline.")
    var verbose = false

    @Option(help: "Finalize a connection silent this many seconds of capture time as it stands.")
    var idleTimeout: Double = 300

    @Option(
        help: ArgumentHelp(
            "Order of the connections: first-frame (deterministic; memory grows while an old connection stays open) "
                + "or finish (as each connection ends; flat memory)."))
    var order: StreamOrder = .firstFrame

    @Flag(name: .shortAndLong, help: "No progress line on standard error.")
    var quiet = false

    @Flag(help: "Text: a two-column block of per-direction statistics for each connection, like tcptrace -l.")
    var long = false

    @Flag(help: "Add the host view: churn and TIME_WAIT per host and per client → server pair.")
    var hosts = false

    @OptionGroup var ports: PortRangeOption

    @OptionGroup var checksums: ChecksumOption
    @OptionGroup var tunnelPorts: TunnelPortOption

    enum FilesHelp: HelpText {
        static var text: ArgumentHelp {
            "Capture files (pcap or pcapng); '-' reads standard input."
        }
    }

    enum FailOnHelp: HelpText {
        static var text: ArgumentHelp {
            "Exit 1 when a finding of this severity or higher exists (info, warning, error)."
        }
    }

    func validate() throws {
        // (Files are ordered by their first timestamp, read before the analysis: standard input reads once.)
        if input.files.count > 1 && input.files.contains("-") {
            throw ValidationError("'-' (standard input) cannot be combined with other files")
        }
        // The timelines are a text rendering; JSON, JSONL and CSV have no place for them.
        if wantsTimelines && format != .text {
            throw ValidationError(
                "--verbose and --connection print text timelines: they cannot be combined with --format "
                    + "\(format.rawValue) (use 'ladder' or 'report' for one connection's picture)")
        }
    }

    func run() throws {
        let options = analysisOptions()
        let analysis: Analysis
        do {
            analysis = wantsTimelines ? try printWithTimelines(options) : try stream(options)
        } catch {
            printError("tcptrace-swift: \(error)")
            throw ExitCode(ExitStatus.badInput)
        }
        if options.progress != nil { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        for warning in analysis.input.warnings { printError("warning: \(warning)") }
        if analysis.input.isDamaged { throw ExitCode(ExitStatus.damagedInput) }
        try failure.check(analysis.totals.highestSeverity)
    }

    /// Timelines need every segment of a connection kept to its end: the whole trace is analysed first.
    private var wantsTimelines: Bool { verbose || !connections.isEmpty }

    private func analysisOptions() -> AnalysisOptions {
        var options = AnalysisOptions(
            tracker: TrackerOptions(msl: lifetime.msl, recordTimeline: wantsTimelines),
            idleTimeout: idleTimeout, order: order)
        options.verifyChecksums = checksums.verifyChecksums
        options.tunnelPorts = tunnelPorts.ports
        if hosts { options.hosts = HostOptions(msl: lifetime.msl, portRange: ports.portRange.range) }
        if !quiet && isatty(2) == 1 { options.progress = ProgressLine.make() }
        return options
    }

    /// The table, then the timelines asked for (always text).
    private func printWithTimelines(_ options: AnalysisOptions) throws(CaptureError) -> Analysis {
        let analysis = try Analyzer.analyze(paths: input.files, options: options)
        let timelines = verbose ? Set(analysis.connections.map(\.id)) : Set(connections)
        print(TextReport.render(analysis, timelines: timelines), terminator: "")
        let known = Set(analysis.connections.map(\.id))
        for id in connections where !known.contains(id) {
            printError("warning: no connection \(id) (the trace has \(analysis.connections.count))")
        }
        return analysis
    }

    /// Each connection is written as soon as it is final, so memory does not grow with the length of the trace.
    private func stream(_ options: AnalysisOptions) throws(CaptureError) -> Analysis {
        switch format {
        case .text: try Analyzer.analyze(paths: input.files, options: options, into: TextSink(long: long))
        case .json: try Analyzer.analyze(paths: input.files, options: options, into: JSONDocumentSink())
        case .jsonl: try Analyzer.analyze(paths: input.files, options: options, into: JSONLinesSink())
        case .csv: try Analyzer.analyze(paths: input.files, options: options, into: CSVSink())
        }
    }
}
