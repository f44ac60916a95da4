import ArgumentParser
import TCPTrace

/// Which connections and findings are shown (`analyze`, `ladder`, `report`, `check`): `ConnectionSelection`.
struct SelectionOptions: ParsableArguments {
    @Option(
        name: .customLong("filter"),
        help: ArgumentHelp(
            "Show the connections one of whose frames matches this BPF expression (tcpdump's syntax; in a tunnel "
                + "it sees the outer headers, as tcpdump does). Every frame is still analysed.",
            valueName: "bpf"))
    var filter: String?

    @Option(
        name: .customLong("host"),
        help: ArgumentHelp("Show connections with this address (repeatable).", valueName: "address"))
    var hosts: [String] = []

    @Option(
        name: .customLong("port"),
        help: ArgumentHelp("Show connections with this port (repeatable).", valueName: "port"))
    var ports: [UInt16] = []

    @Option(
        name: .customLong("finding"),
        help: ArgumentHelp(
            "Show connections with a finding of this code (repeatable; docs/findings.md).", valueName: "code"))
    var findings: [String] = []

    @Option(
        name: .customLong("state"),
        help: ArgumentHelp(
            "Show connections with this handshake outcome or close kind (repeatable): "
                + ConnectionSelection.StateSelector.names.joined(separator: ", ") + ".",
            valueName: "outcome"))
    var states: [String] = []

    func validate() throws {
        for host in hosts where IPAddress(host) == nil {
            throw ValidationError("--host '\(host)' is not an IPv4 or IPv6 address")
        }
        for code in findings where FindingCode(rawValue: code) == nil {
            throw ValidationError("--finding '\(code)' is not a finding code (docs/findings.md lists them)")
        }
        for state in states where ConnectionSelection.StateSelector(state) == nil {
            throw ValidationError(
                "--state '\(state)' is not one of " + ConnectionSelection.StateSelector.names.joined(separator: ", "))
        }
    }

    /// The selection (`minimum`: `--min-severity`, where the command has it); a bad BPF expression is a usage
    /// error (exit 2) naming libpcap's reason.
    func selection(minimum: Severity = .info) throws -> ConnectionSelection {
        var selection = ConnectionSelection()
        selection.hosts = hosts.compactMap { IPAddress($0) }
        selection.ports = ports
        selection.findings = Set(findings.compactMap { FindingCode(rawValue: $0) })
        selection.states = states.compactMap { ConnectionSelection.StateSelector($0) }
        selection.minSeverity = minimum
        if let filter {
            do {
                selection.filter = try PacketFilter(filter)
            } catch {
                printError("tcptrace-swift: --filter: \(error)")
                throw ExitCode(ExitStatus.badInput)
            }
        }
        return selection
    }
}

/// `--min-severity` (`analyze`, `ladder`, `report`; not `check`, which judges every finding).
struct SeverityOption: ParsableArguments {
    @Option(
        name: .customLong("min-severity"),
        help: ArgumentHelp(
            "Show and total only findings of this severity or higher (info, warning, error); --fail-on and check "
                + "still judge every finding."))
    var minSeverity: Severity = .info
}
