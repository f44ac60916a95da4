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

    @Option(help: "Finalize a connection silent this many seconds of capture time as it stands.")
    var idleTimeout: Double = 300

    @Option(help: "Order of the connections: first-frame (deterministic; memory grows while an old connection stays open) or finish (as each connection ends; flat memory).")
    var order: StreamOrder = .firstFrame

    @Flag(name: .shortAndLong, help: "No progress line on standard error.")
    var quiet = false

    @Flag(help: "Text: a two-column block of per-direction statistics for each connection, like tcptrace -l.")
    var long = false

    @Flag(help: "Add the host view: churn and TIME_WAIT per host and per client → server pair.")
    var hosts = false

    @Option(help: "The clients' ephemeral port range for TIME_WAIT pressure (LOW-HIGH).")
    var portRange: PortRange = PortRange(32768...60999)

    func run() throws {
        let wantsTimeline = verbose || !connections.isEmpty
        var options = AnalysisOptions(tracker: TrackerOptions(msl: msl, recordTimeline: wantsTimeline),
                                      idleTimeout: idleTimeout, order: order)
        if !quiet && isatty(2) == 1 {
            options.progress = ProgressLine.make()
        }
        var analysis: Analysis
        let hostOptions = HostOptions(msl: msl, portRange: portRange.range)
        do {
            if wantsTimeline {
                analysis = try Analyzer.analyze(paths: files, options: options)
                if hosts { analysis.attachHosts(hostOptions) }
                print(TextReport.render(analysis, timelines: verbose ? Set(analysis.connections.map(\.id)) : Set(connections)),
                      terminator: "")
                let known = Set(analysis.connections.map(\.id))
                for id in connections where !known.contains(id) {
                    printError("warning: no connection \(id) (the trace has \(analysis.connections.count))")
                }
            } else {
                analysis = try stream(options, hostOptions: hosts ? hostOptions : nil)
            }
        } catch {
            printError("tcptrace-swift: \(error)")
            throw ExitCode(ExitStatus.badInput)
        }
        if options.progress != nil { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        for warning in analysis.input.warnings { printError("warning: \(warning)") }
        if analysis.input.isDamaged { throw ExitCode(ExitStatus.damagedInput) }
        if let failOn, let highest = analysis.totals.highestSeverity, highest >= failOn {
            throw ExitCode(ExitStatus.findings)
        }
    }

    /// Writes each connection as soon as it is final (and every older one is written), so memory does not grow
    /// with the length of the trace.
    private func stream(_ options: AnalysisOptions, hostOptions: HostOptions?) throws(CaptureError) -> Analysis {
        var output = OutputBuffer()
        var accumulator = hostOptions.map { HostAccumulator(options: $0) }
        var first = true
        switch format {
        case .text, .jsonl: break
        case .json: output.write(JSONReport.start())
        case .csv: output.write(CSVReport.header())
        }
        let format = format, long = long
        var analysis = try Analyzer.analyze(paths: files, options: options, finalize: { c, out in
            accumulator?.add(c)
            switch format {
            case .text where long: out.append(contentsOf: TextReport.long(c).utf8)
            case .text: TextReport.appendRow(c, into: &out)
            case .csv: out.append(contentsOf: CSVReport.row(c).utf8)
            case .json: JSONReport.appendElement(c, options: options, first: true, into: &out)
            case .jsonl:
                JSONReport.writeConnection(c, options: options, pretty: false, indent: 0, into: &out)
                out.append(UInt8(ascii: "\n"))
            }
        }, emit: { bytes in
            // Separators depend on the position in the output, so they are written here, in order.
            switch format {
            case .text where long: if !first { output.write("\n") }
            case .text: if first { output.write(TextReport.tableHeader()) }
            case .json: if !first { output.write(",") }
            case .csv, .jsonl: break
            }
            output.write(bytes)
            first = false
        })
        if let accumulator {
            let view = accumulator.finish(captureEnd: analysis.input.lastTime ?? Timestamp(nanoseconds: 0))
            analysis.attach(view)
            if case .jsonl = format {
                output.write(JSONValue.object([("hosts", JSONReport.hosts(view))]).serialized(pretty: false) + "\n")
            }
        }
        switch format {
        case .text: output.write(TextReport.end(analysis))
        case .json: output.write(JSONReport.end(analysis))
        case .jsonl, .csv: break
        }
        output.flush()
        return analysis
    }
}

/// Buffered standard output: one write(2) per 64 KiB instead of one per line.
struct OutputBuffer {
    private var bytes: [UInt8] = []

    mutating func write(_ text: String) {
        bytes.append(contentsOf: text.utf8)
        if bytes.count >= 1 << 16 { flush() }
    }

    mutating func write(_ raw: UnsafeRawBufferPointer) {
        bytes.append(contentsOf: raw)
        if bytes.count >= 1 << 16 { flush() }
    }

    mutating func flush() {
        guard !bytes.isEmpty else { return }
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = Foundation.write(1, raw.baseAddress! + offset, raw.count - offset)
                if n <= 0 { break }
                offset += n
            }
        }
        bytes.removeAll(keepingCapacity: true)
    }
}
