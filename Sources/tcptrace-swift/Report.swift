import ArgumentParser
import Foundation
import TCPTrace

struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write a self-contained HTML report (or one connection's pictures as SVG).",
        discussion: "The HTML file inlines its CSS, SVG and script: it opens offline and fetches nothing."
    )

    @OptionGroup var input: CaptureFiles<FilesHelp>

    @Option(name: .shortAndLong, help: "Output file ('-' for standard output).")
    var output: String = "report.html"

    @Option(help: "html (the whole trace) or svg (the pictures of the connection given with --connection).")
    var format: PictureFormat = .html

    @Option(help: "The connection drawn by --format svg.")
    var connection: Int?

    @OptionGroup var lifetime: LifetimeOption

    @OptionGroup var checksums: ChecksumOption
    @OptionGroup var tunnelPorts: TunnelPortOption

    @OptionGroup var ports: PortRangeOption

    @OptionGroup(title: "Selection") var selection: SelectionOptions
    @OptionGroup(title: "Selection") var severity: SeverityOption

    enum PictureFormat: String, ExpressibleByArgument { case html, svg }

    enum FilesHelp: HelpText {
        static var text: ArgumentHelp {
            "Capture files (read as one trace, as with analyze); '-' reads standard input."
        }
    }

    func validate() throws {
        if format == .svg && connection == nil { throw ValidationError("--format svg needs --connection ID") }
    }

    func run() throws {
        let hosts = HostOptions(msl: lifetime.msl, portRange: ports.portRange.range)
        let analysis = try analyzeWithTimelines(
            input.files, msl: lifetime.msl, hosts: hosts, verifyChecksums: checksums.verifyChecksums,
            tunnelPorts: tunnelPorts.ports, selection: try selection.selection(minimum: severity.minSeverity),
            closeWaitThreshold: lifetime.closeWaitThreshold)
        let text = try render(analysis)
        try write(text, connections: analysis.connections.count)
        if analysis.input.isDamaged { throw ExitCode(ExitStatus.damagedInput) }
    }

    private func render(_ analysis: Analysis) throws -> String {
        switch format {
        case .html:
            return HTMLReport.render(analysis)
        case .svg:
            guard let c = analysis.connections.first(where: { $0.id == connection }) else {
                printError(
                    "tcptrace-swift: "
                        + noSuchConnection(connection ?? 0, in: analysis, narrowed: analysis.options.selection.narrows))
                throw ExitCode(ExitStatus.noSuchConnection)
            }
            return ConnectionPictures.combined(c, msl: lifetime.msl)
        }
    }

    private func write(_ text: String, connections: Int) throws {
        if output == "-" {
            print(text, terminator: "")
            return
        }
        do {
            try text.write(toFile: output, atomically: true, encoding: .utf8)
        } catch {
            printError("tcptrace-swift: \(output): cannot write: \(error.localizedDescription)")
            throw ExitCode(ExitStatus.badInput)
        }
        printError("wrote \(output) (\(connections) connections)")
    }
}
