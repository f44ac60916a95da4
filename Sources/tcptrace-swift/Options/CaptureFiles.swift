import ArgumentParser

/// The capture files a subcommand reads as one trace (`analyze`, `ladder`, `report`); `-` is standard input.
struct CaptureFiles<Help: HelpText>: ParsableArguments {
    @Argument(help: Help.text)
    var files: [String]

    func validate() throws {
        guard !files.isEmpty else { throw ValidationError("give at least one capture file (or '-')") }
    }
}
