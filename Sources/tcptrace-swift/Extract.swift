import ArgumentParser
import Foundation
import TCPTrace

struct Extract: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "extract",
        abstract: "Write every frame of the chosen connections to a capture file (pcap or pcapng).",
        discussion: """
            Connections are chosen by id (--connection) and by the selectors of analyze (--finding, --state, \
            --host, --port, --filter); selectors of different kinds must all hold. With none, every connection \
            is chosen. A connection's frames are its segments (late ones too), the IP fragments of its segments \
            and the ICMP errors that quote its 4-tuple, written with their original bytes, timestamps and link \
            types. The output is classic pcap when its name ends in .pcap and the frames have one link type, \
            pcapng otherwise (one interface block per input interface; each packet's comment gives its frame \
            number). The input is read twice, so standard input ('-') cannot be used. Exit codes: 0 ok (also \
            when no connection is chosen: the file then has no packets), 2 usage error or unreadable input or \
            output, 3 a capture cut off part-way (the frames read before the cut are written), 5 a --connection \
            id the trace (or the other selectors) does not have (the others are written). docs/extract.md.
            """
    )

    @OptionGroup var input: CaptureFiles<FilesHelp>

    @Option(name: .short, help: ArgumentHelp("The capture file to write (replaced if it exists).", valueName: "out"))
    var write: String

    @OptionGroup(title: "Selection") var ids: ConnectionIDOption
    @OptionGroup(title: "Selection") var selection: SelectionOptions

    @OptionGroup var lifetime: LifetimeOption

    @Option(help: "Finalize a connection silent this many seconds of capture time as it stands.")
    var idleTimeout: Double = 300

    @Flag(name: .shortAndLong, help: "No progress line on standard error (it counts both readings).")
    var quiet = false

    @OptionGroup var checksums: ChecksumOption
    @OptionGroup var tunnelPorts: TunnelPortOption

    enum FilesHelp: HelpText {
        static var text: ArgumentHelp {
            "Capture files (pcap, pcapng), read as one trace; not '-' (extract reads its input twice)."
        }
    }

    func validate() throws {
        if input.files.contains("-") {
            throw ValidationError("'-' (standard input) cannot be extracted from: extract reads its input twice")
        }
        if input.files.contains(write) { throw ValidationError("-w \(write) is also an input file") }
    }

    func run() throws {
        var options = AnalysisOptions(
            tracker: TrackerOptions(msl: lifetime.msl, closeWaitThreshold: lifetime.closeWaitThreshold),
            idleTimeout: idleTimeout, order: .finish)
        options.verifyChecksums = checksums.verifyChecksums
        options.tunnelPorts = tunnelPorts.ports
        options.selection = ids.narrowing(try selection.selection())
        let progress = ProgressLine.make(quiet: quiet)
        options.progress = progress?.callback
        let result: ExtractResult
        do {
            result = try Extractor.extract(paths: input.files, options: options, to: write)
            progress?.erase()
        } catch {
            progress?.erase()
            printError("tcptrace-swift: \(error)")
            throw ExitCode(ExitStatus.badInput)
        }
        for warning in result.input.warnings { printError("warning: \(warning)") }
        for note in result.notes { printError("extract: \(note)") }
        let connections = count(result.connections, "connection")
        let frames = count(result.frames, "frame")
        var extras: [String] = []
        if result.lateSegments > 0 { extras.append(count(result.lateSegments, "late segment")) }
        if result.fragments > 0 { extras.append(count(result.fragments, "IP fragment")) }
        if result.icmpErrors > 0 { extras.append(count(result.icmpErrors, "ICMP error")) }
        let among = extras.isEmpty ? "" : " (" + extras.joined(separator: ", ") + ")"
        printError("extract: \(connections), \(frames) → \(write)\(among)")
        if result.connections == 0 {
            printError("extract: no connection chosen: \(write) is a valid capture without packets")
        }
        if result.input.isDamaged { throw ExitCode(ExitStatus.damagedInput) }
        let missing = ids.ids.filter { !result.ids.contains($0) }.sorted()
        if let id = missing.first {
            let total = result.traceConnections
            printError(
                id <= total
                    ? "tcptrace-swift: connection \(id) is not among those the other selectors choose"
                    : "tcptrace-swift: no connection \(id): the trace has \(total)")
            throw ExitCode(ExitStatus.noSuchConnection)
        }
    }

    /// `1 frame`, `3 frames`.
    private func count(_ n: Int, _ noun: String) -> String { n == 1 ? "1 \(noun)" : "\(n) \(noun)s" }
}
