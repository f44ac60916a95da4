import ArgumentParser
import TCPTrace

/// `--fail-on`: exit 1 when a finding of this severity or higher was raised (`analyze`, `live`).
struct FailOnOption<Help: HelpText>: ParsableArguments {
    @Option(name: .customLong("fail-on"), help: Help.text)
    var failOn: Severity?

    /// Throws exit status 1 when `highest`, the most severe finding raised, reaches `--fail-on`.
    func check(_ highest: Severity?) throws {
        if let failOn, let highest, highest >= failOn { throw ExitCode(ExitStatus.findings) }
    }
}
