import ArgumentParser
import Foundation
import TCPTrace

struct Analyze: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analyze",
        abstract: "Analyse capture files (pcap, pcapng; '-' for standard input) as one continuous trace.",
        discussion: """
            Several files are read as one trace in order of their first timestamp (rotated captures). \
            Exit codes: 0 ok, 1 a finding at or above --fail-on, 2 usage error or unreadable input, \
            3 a capture cut off part-way (results cover the packets before the cut), 5 a --connection id the \
            trace (or the selection) does not have.

            The table (120 columns; --wide for every column): ID (connection number in the whole trace, as \
            --connection takes it; * tunnelled), CLIENT and SERVER (address:port; a long IPv6 address is cut in \
            the middle, full in --wide and JSON), PKTS (packets both ways), DUR (first to last packet), OPEN (the \
            handshake: ok, simul, syn = SYN unanswered, half = half-open, synack = SYN-ACK only, refused, aborted, \
            unseen = started before the capture), CLOSE (4way, 3way, simul, rst, half = half-closed, open = not \
            closed; /c /s /b: the client, the server or both closed first), STATE (client/server end states: CL \
            CLOSED, SS SYN_SENT, SR SYN_RECEIVED, ES ESTABLISHED, F1 F2 FIN_WAIT_1/2, CW CLOSE_WAIT, CG CLOSING, \
            LA LAST_ACK, TW TIME_WAIT), FINDINGS (codes most severe first, ×n for n instances, +k for k codes \
            that did not fit; every instance in --wide, --connection and JSON). docs/output.md has the details.
            """
    )

    @OptionGroup var input: CaptureFiles<FilesHelp>

    @Option(
        help: ArgumentHelp(
            "Output format: text, json (one document), jsonl (one connection per line), csv, or zeek (Zeek's "
                + "conn.log, TSV; docs/zeek.md)."))
    var format: OutputFormat = .text

    @Option(
        help: ArgumentHelp(
            "Seed of the Community ID in JSON, CSV and conn.log (0-65535; the spec's default 0).",
            valueName: "seed"))
    var communityIDSeed: UInt16 = 0

    @OptionGroup var lifetime: LifetimeOption

    @OptionGroup var failure: FailOnOption<FailOnHelp>

    @Option(name: .customLong("connection"), help: "Print this connection's timeline (repeatable).")
    var connections: [Int] = []

    @Flag(name: .shortAndLong, help: "Print every connection's timeline.")
    var verbose = false

    @Flag(help: "Timelines: sequence and acknowledgment numbers as on the wire, not relative to each side's ISN.")
    var absoluteSeq = false

    @Option(help: "Finalize a connection silent this many seconds of capture time as it stands.")
    var idleTimeout: Double = 300

    @Option(
        help: ArgumentHelp(
            "Order of the connections: first-frame (deterministic; memory grows while an old connection stays open) "
                + "or finish (as each connection ends; flat memory). Default: first-frame for files, finish for "
                + "a pipe ('-' or a FIFO), whose connections are then written as they finish."))
    var order: StreamOrder?

    @Flag(name: .shortAndLong, help: "No progress line on standard error.")
    var quiet = false

    @Flag(help: "Text: a two-column block of per-direction statistics for each connection, like tcptrace -l.")
    var long = false

    @Flag(
        help: ArgumentHelp(
            "Text: the wide table of the first versions (per-direction packets and bytes, frames, full names, "
                + "every finding as code@frame) instead of the 120-column one."))
    var wide = false

    @Flag(help: "Add the host view: churn and TIME_WAIT per host and per client → server pair.")
    var hosts = false

    @OptionGroup var ports: PortRangeOption

    @OptionGroup(title: "Selection") var selection: SelectionOptions
    @OptionGroup(title: "Selection") var severity: SeverityOption

    @OptionGroup(title: "Times") var times: TimeOptions

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
        if absoluteSeq && !wantsTimelines {
            throw ValidationError("--absolute-seq applies to timelines (--connection, --verbose)")
        }
        if times.format == .delta && !wantsTimelines {
            throw ValidationError(
                "-t delta (time since the previous segment) applies to timelines (--connection, --verbose) and "
                    + "ladders; a table takes relative, absolute or epoch")
        }
        if wantsTimelines && format != .text {
            throw ValidationError(
                "--verbose and --connection print text timelines: they cannot be combined with --format "
                    + "\(format.rawValue) (use 'ladder' or 'report' for one connection's picture)")
        }
    }

    func run() throws {
        let progress = ProgressLine.make(quiet: quiet)
        var options = try analysisOptions()
        options.progress = progress?.callback
        let analysis: Analysis
        do {
            analysis =
                wantsTimelines
                ? try Analyzer.analyze(paths: input.files, options: options) : try stream(options, progress)
        } catch {
            progress?.erase()
            printError("tcptrace-swift: \(error)")
            throw ExitCode(ExitStatus.badInput)
        }
        if wantsTimelines { try printWithTimelines(analysis) }
        progress?.erase()
        for warning in analysis.input.warnings { printError("warning: \(warning)") }
        if analysis.input.isDamaged { throw ExitCode(ExitStatus.damagedInput) }
        try failure.check(analysis.totals.highestSeverity)
    }

    private var textOptions: TextOptions {
        var options = TextOptions(wide: wide, time: times.format, localTime: times.localTime)
        options.absoluteSequence = absoluteSeq
        return options
    }

    /// Timelines need every segment of a connection kept to its end: the whole trace is analysed first.
    private var wantsTimelines: Bool { verbose || !connections.isEmpty }

    private func analysisOptions() throws -> AnalysisOptions {
        // A stream's connections are written as they finish (and flushed: `stream`), unless --order says otherwise.
        let order = self.order ?? (Analyzer.isStream(input.files) ? .finish : .firstFrame)
        var options = AnalysisOptions(
            tracker: TrackerOptions(
                msl: lifetime.msl, recordTimeline: wantsTimelines, closeWaitThreshold: lifetime.closeWaitThreshold),
            idleTimeout: idleTimeout, order: order)
        options.verifyChecksums = checksums.verifyChecksums
        options.tunnelPorts = tunnelPorts.ports
        options.communityIDSeed = communityIDSeed
        options.selection = try selection.selection(minimum: severity.minSeverity)
        if hosts { options.hosts = HostOptions(msl: lifetime.msl, portRange: ports.portRange.range) }
        return options
    }

    /// The table, then the timelines asked for (always text); an id the trace (or the selection) does not have
    /// is an error (exit 5) and nothing is printed.
    private func printWithTimelines(_ analysis: Analysis) throws {
        let known = Set(analysis.connections.map(\.id))
        let missing = connections.filter { !known.contains($0) }
        if let id = missing.first {
            printError(
                "tcptrace-swift: " + noSuchConnection(id, in: analysis, narrowed: analysis.options.selection.narrows))
            throw ExitCode(ExitStatus.noSuchConnection)
        }
        let timelines = verbose ? known : Set(connections)
        print(TextReport.render(analysis, timelines: timelines, text: textOptions), terminator: "")
    }

    /// Each connection is written as soon as it is final, so memory does not grow with the length of the trace.
    /// A stream's output is flushed each time the run has caught up with the input, so each connection is
    /// on standard output as soon as it is final. A progress line on the terminal that standard output also
    /// is goes away before each write.
    private func stream(_ options: AnalysisOptions, _ progress: ProgressLine?) throws(CaptureError) -> Analysis {
        var options = options
        let erase = progress.flatMap(ProgressLine.eraser)
        if Analyzer.isStream(input.files) {
            let shared = ByteOutput.Shared(aroundWrite: erase)
            options.caughtUp = { shared.flush() }
            return try stream(options, into: { ByteOutput(shared) })
        }
        return try stream(options, into: { ByteOutput(aroundWrite: erase) })
    }

    private func stream(
        _ options: AnalysisOptions, into output: () -> ByteOutput
    ) throws(CaptureError) -> Analysis {
        switch format {
        case .text:
            try Analyzer.analyze(
                paths: input.files, options: options, into: TextSink(long: long, text: textOptions, output: output()))
        case .json: try Analyzer.analyze(paths: input.files, options: options, into: JSONDocumentSink(output: output()))
        case .jsonl: try Analyzer.analyze(paths: input.files, options: options, into: JSONLinesSink(output: output()))
        case .csv: try Analyzer.analyze(paths: input.files, options: options, into: CSVSink(output: output()))
        case .zeek: try Analyzer.analyze(paths: input.files, options: options, into: ZeekLogSink(output: output()))
        }
    }
}
