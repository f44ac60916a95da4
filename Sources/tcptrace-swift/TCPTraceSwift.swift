import ArgumentParser
import Foundation
import TCPTrace

@main
struct TCPTraceSwift: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tcptrace-swift",
        abstract: "TCP connection lifecycle analyzer: handshake, close, TIME_WAIT and what went wrong.",
        version: "tcptrace-swift \(Version.number)",
        // (Each subcommand names itself: a name derived from the type, `String(describing:)`, cost a sixth of
        // the start-up's instructions in protocol-conformance lookups; docs/performance.md, "Start-up".)
        subcommands: [Analyze.self, Check.self, Extract.self, Ladder.self, Report.self, Live.self, Interfaces.self],
        defaultSubcommand: nil
    )

    /// Runs the command line, mapping argument-parser's usage status (64) to ours (2).
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                print(fullMessage(for: error))
                Foundation.exit(0)
            }
            if let exit = error as? ExitCode {
                Foundation.exit(exit.rawValue)
            }
            FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
            Foundation.exit(code == .validationFailure ? ExitStatus.badInput : code.rawValue)
        }
    }
}

/// Writes one line to standard error.
func printError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}

/// `no connection 9: the trace has 3 (1-3)`, or, when a selection left it out, says so.
func noSuchConnection(_ id: Int, in analysis: Analysis, narrowed: Bool) -> String {
    let total = analysis.totals.connections + analysis.totals.unselected
    if narrowed && id >= 1 && id <= total {
        return "connection \(id) is not among the \(analysis.connections.count) the selection shows"
    }
    let ids = total == 0 ? "" : total == 1 ? " (id 1)" : " (ids 1-\(total))"
    return "no connection \(id): the trace has \(total)" + ids
}

/// Reads the captures with every segment kept (ladder, report), printing the error or warnings the same way;
/// with `hosts`, the host view is built too.
func analyzeWithTimelines(
    _ files: [String], msl: Double, hosts: HostOptions? = nil, verifyChecksums: Bool = false,
    tunnelPorts: TunnelPorts = TunnelPorts(), selection: ConnectionSelection = ConnectionSelection(),
    closeWaitThreshold: Double = 1
) throws -> Analysis {
    var options = AnalysisOptions(
        tracker: TrackerOptions(msl: msl, recordTimeline: true, closeWaitThreshold: closeWaitThreshold))
    options.hosts = hosts
    options.selection = selection
    options.verifyChecksums = verifyChecksums
    options.tunnelPorts = tunnelPorts
    do {
        let analysis = try Analyzer.analyze(paths: files, options: options)
        for warning in analysis.input.warnings { printError("warning: \(warning)") }
        return analysis
    } catch {
        printError("tcptrace-swift: \(error)")
        throw ExitCode(ExitStatus.badInput)
    }
}
