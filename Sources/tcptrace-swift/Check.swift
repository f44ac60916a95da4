import ArgumentParser
import Foundation
import TCPTrace

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check captures against their expectation files (X.pcap → X.expect.yaml).",
        discussion: """
            Each path is a capture or a folder searched for captures. A capture without an expectation file \
            is held to the default policy: no finding of severity error. \
            Exit codes: 0 all pass, 1 an expectation failed, 2 usage error, unreadable capture or invalid \
            expectation file.
            """
    )

    @Argument(help: "Captures, or folders searched recursively for .pcap/.pcapng files.")
    var paths: [String]

    @Option(help: "Expectation file to use for every capture, instead of each capture's sidecar.")
    var expect: String?

    @Option(help: "Also write JUnit XML to this file.")
    var junit: String?

    @Option(help: "Output format: text or json.")
    var format: CheckFormat = .text

    @OptionGroup var lifetime: LifetimeOption

    @OptionGroup var checksums: ChecksumOption
    @OptionGroup var tunnelPorts: TunnelPortOption

    @OptionGroup(title: "Selection (the rules apply to the selected connections)") var selection: SelectionOptions

    @Flag(help: "Write X.expect.yaml for each capture from what it shows today (a starting point to edit).")
    var `init` = false

    @Flag(help: "With --init, overwrite existing expectation files.")
    var force = false

    @Flag(
        help: ArgumentHelp(
            "With --init, also pin each finding's frame (only the same capture passes then; by default a rule "
                + "states each finding's code and count, so a re-capture of the same behaviour passes)."))
    var pinFrames = false

    @Flag(name: .shortAndLong, help: "List passing expectations too.")
    var verbose = false

    enum CheckFormat: String, ExpressibleByArgument { case text, json }

    func validate() throws {
        guard !paths.isEmpty else { throw ValidationError("give at least one capture or folder") }
        if force && !`init` { throw ValidationError("--force only applies with --init") }
        if pinFrames && !`init` { throw ValidationError("--pin-frames only applies with --init") }
    }

    func run() throws {
        var options = AnalysisOptions(
            tracker: TrackerOptions(msl: lifetime.msl, closeWaitThreshold: lifetime.closeWaitThreshold))
        options.verifyChecksums = checksums.verifyChecksums
        options.tunnelPorts = tunnelPorts.ports
        options.selection = try selection.selection()
        let captures = CheckSession.captures(in: paths)
        guard !captures.isEmpty else {
            printError("tcptrace-swift: no capture files found in \(paths.joined(separator: ", "))")
            throw ExitCode(ExitStatus.badInput)
        }
        if `init` { return try writeSnapshots(captures, options: options) }
        let checks = captures.map { CheckSession.check(capture: $0, expectationPath: expect, options: options) }
        switch format {
        case .text: print(CheckReport.text(checks, verbose: verbose), terminator: "")
        case .json: print(CheckReport.json(checks), terminator: "")
        }
        if let junit { try writeJUnit(checks, to: junit) }
        let totals = CheckReport.Totals(checks)
        if totals.errors > 0 { throw ExitCode(ExitStatus.badInput) }
        if totals.failed > 0 { throw ExitCode(ExitStatus.findings) }
    }

    private func writeJUnit(_ checks: [CaptureCheck], to path: String) throws {
        do {
            try CheckReport.junit(checks).write(toFile: path, atomically: true, encoding: .utf8)
        } catch {
            printError("tcptrace-swift: \(path): cannot write JUnit XML: \(error.localizedDescription)")
            throw ExitCode(ExitStatus.badInput)
        }
    }

    private func writeSnapshots(_ captures: [String], options: AnalysisOptions) throws {
        var failed = false
        for capture in captures {
            let target = expect ?? CheckSession.sidecar(for: capture)
            if FileManager.default.fileExists(atPath: target) && !force {
                printError("tcptrace-swift: \(target) exists; use --force to overwrite it")
                failed = true
                continue
            }
            do {
                let analysis = try Analyzer.analyze(paths: [capture], options: options)
                try ExpectationSnapshot.yaml(for: analysis, capture: capture, pinFrames: pinFrames)
                    .write(toFile: target, atomically: true, encoding: .utf8)
                print("wrote \(target)")
            } catch let error as CaptureError {
                printError("tcptrace-swift: \(error)")
                failed = true
            }
        }
        if failed { throw ExitCode(ExitStatus.badInput) }
    }
}
