import ArgumentParser
import Foundation
import TCPTrace

struct Ladder: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Draw connections as ladder diagrams: segments as arrows, each side's state beside its line."
    )

    @Argument(help: "Capture files (read as one trace, as with analyze); '-' reads standard input.")
    var files: [String]

    @Option(name: .customLong("connection"), help: "Draw this connection (repeatable); default: each, up to --limit.")
    var connections: [Int] = []

    @Option(help: "Draw at most this many connections when none is named.")
    var limit = 10

    @Flag(help: "Draw every segment; by default long data phases are folded.")
    var full = false

    @Option(help: "Colour: auto (only on a terminal and when NO_COLOR is unset), always or never.")
    var color: ColorChoice = .auto

    @Option(help: "Maximum segment lifetime in seconds; TIME_WAIT lasts 2·MSL.")
    var msl: Double = 30

    enum ColorChoice: String, ExpressibleByArgument { case auto, always, never }

    func validate() throws {
        guard !files.isEmpty else { throw ValidationError("give at least one capture file (or '-')") }
        guard limit > 0 else { throw ValidationError("--limit must be at least 1") }
        guard msl > 0, msl.isFinite else { throw ValidationError("--msl must be a positive number of seconds") }
    }

    func run() throws {
        let analysis = try analyzeWithTimelines(files, msl: msl)
        let useColor: Bool
        switch color {
        case .always: useColor = true
        case .never: useColor = false
        case .auto: useColor = isatty(1) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
        }
        let renderer = LadderRenderer(options: LadderRenderer.Options(color: useColor, full: full, msl: msl))
        var chosen = analysis.connections.filter { connections.isEmpty || connections.contains($0.id) }
        for id in connections where !analysis.connections.contains(where: { $0.id == id }) {
            printError("warning: no connection \(id) (the trace has \(analysis.connections.count))")
        }
        if connections.isEmpty && chosen.count > limit {
            printError("note: drawing the first \(limit) of \(chosen.count) connections (--limit, --connection)")
            chosen = Array(chosen.prefix(limit))
        }
        print(chosen.map { renderer.render($0) }.joined(separator: "\n"), terminator: "")
        if analysis.input.isDamaged { throw ExitCode(ExitStatus.damagedInput) }
    }
}
