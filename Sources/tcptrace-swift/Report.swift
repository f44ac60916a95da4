import ArgumentParser
import Foundation
import TCPTrace

struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a self-contained HTML report (or one connection's pictures as SVG).",
        discussion: "The HTML file inlines its CSS, SVG and script: it opens offline and fetches nothing."
    )

    @Argument(help: "Capture files (read as one trace, as with analyze); '-' reads standard input.")
    var files: [String]

    @Option(name: .shortAndLong, help: "Output file ('-' for standard output).")
    var output: String = "report.html"

    @Option(help: "html (the whole trace) or svg (the pictures of the connection given with --connection).")
    var format: PictureFormat = .html

    @Option(help: "The connection drawn by --format svg.")
    var connection: Int?

    @Option(help: "Maximum segment lifetime in seconds; TIME_WAIT lasts 2·MSL.")
    var msl: Double = 30

    @Option(help: "The clients' ephemeral port range for TIME_WAIT pressure (LOW-HIGH).")
    var portRange: PortRange = PortRange(32768...60999)

    enum PictureFormat: String, ExpressibleByArgument { case html, svg }

    func validate() throws {
        guard !files.isEmpty else { throw ValidationError("give at least one capture file (or '-')") }
        if format == .svg && connection == nil { throw ValidationError("--format svg needs --connection ID") }
        guard msl > 0, msl.isFinite else { throw ValidationError("--msl must be a positive number of seconds") }
    }

    func run() throws {
        var analysis = try analyzeWithTimelines(files, msl: msl)
        analysis.attachHosts(HostOptions(msl: msl, portRange: portRange.range))
        let text: String
        switch format {
        case .html:
            text = HTMLReport.render(analysis)
        case .svg:
            guard let c = analysis.connections.first(where: { $0.id == connection }) else {
                printError("tcptrace-swift: no connection \(connection ?? 0) (the trace has \(analysis.connections.count))")
                throw ExitCode(ExitStatus.badInput)
            }
            text = ConnectionPictures.combined(c, msl: msl)
        }
        if output == "-" {
            print(text, terminator: "")
        } else {
            do {
                try text.write(toFile: output, atomically: true, encoding: .utf8)
            } catch {
                printError("tcptrace-swift: \(output): cannot write: \(error.localizedDescription)")
                throw ExitCode(ExitStatus.badInput)
            }
            printError("wrote \(output) (\(analysis.connections.count) connections)")
        }
        if analysis.input.isDamaged { throw ExitCode(ExitStatus.damagedInput) }
    }
}
