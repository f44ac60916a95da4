import ArgumentParser
import Foundation
import TCPTrace

struct Ladder: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ladder",
        abstract: "Draw connections as ladder diagrams: segments as arrows, each side's state beside its line."
    )

    @OptionGroup var input: CaptureFiles<FilesHelp>

    @Option(name: .customLong("connection"), help: "Draw this connection (repeatable); default: each, up to --limit.")
    var connections: [Int] = []

    @Option(help: "Draw at most this many connections when none is named.")
    var limit = 10

    @Flag(help: "Draw every segment; by default long data phases are folded.")
    var full = false

    @Option(help: "Colour: auto (only on a terminal and when NO_COLOR is unset), always or never.")
    var color: ColorChoice = .auto

    @OptionGroup var lifetime: LifetimeOption

    @OptionGroup var checksums: ChecksumOption
    @OptionGroup var tunnelPorts: TunnelPortOption

    @OptionGroup(title: "Selection") var selection: SelectionOptions
    @OptionGroup(title: "Selection") var severity: SeverityOption

    @OptionGroup(title: "Times") var times: TimeOptions

    enum ColorChoice: String, ExpressibleByArgument { case auto, always, never }

    enum FilesHelp: HelpText {
        static var text: ArgumentHelp {
            "Capture files (read as one trace, as with analyze); '-' reads standard input."
        }
    }

    func validate() throws {
        guard limit > 0 else { throw ValidationError("--limit must be at least 1") }
    }

    func run() throws {
        let analysis = try analyzeWithTimelines(
            input.files, msl: lifetime.msl, verifyChecksums: checksums.verifyChecksums,
            tunnelPorts: tunnelPorts.ports, selection: try selection.selection(minimum: severity.minSeverity),
            closeWaitThreshold: lifetime.closeWaitThreshold)
        let drawn = try chosen(analysis)
        let writer = TimeWriter(
            format: times.format, start: analysis.input.firstTime ?? Timestamp(nanoseconds: 0),
            localTime: times.localTime)
        let renderer = LadderRenderer(
            options: LadderRenderer.Options(color: useColor, full: full, msl: lifetime.msl, times: writer))
        if !drawn.isEmpty { print(writer.headerLine, terminator: "") }
        print(drawn.map { renderer.render($0) }.joined(separator: "\n"), terminator: "")
        if analysis.input.isDamaged { throw ExitCode(ExitStatus.damagedInput) }
    }

    private var useColor: Bool {
        switch color {
        case .always: true
        case .never: false
        case .auto: isatty(1) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
        }
    }

    /// The connections named with --connection, or the first --limit (says so on standard error when some are
    /// left out); an id the trace (or the selection) does not have is an error (exit 5).
    private func chosen(_ analysis: Analysis) throws -> [Connection] {
        let all = analysis.connections
        var chosen = all.filter { connections.isEmpty || connections.contains($0.id) }
        for id in connections where !all.contains(where: { $0.id == id }) {
            printError(
                "tcptrace-swift: " + noSuchConnection(id, in: analysis, narrowed: analysis.options.selection.narrows))
            throw ExitCode(ExitStatus.noSuchConnection)
        }
        if connections.isEmpty && chosen.count > limit {
            printError("note: drawing the first \(limit) of \(chosen.count) connections (--limit, --connection)")
            chosen = Array(chosen.prefix(limit))
        }
        return chosen
    }
}
