import ArgumentParser

/// `--port-range`: the clients' ephemeral ports, for the host view's TIME_WAIT pressure (`analyze`, `report`).
struct PortRangeOption: ParsableArguments {
    @Option(help: "The clients' ephemeral port range for TIME_WAIT pressure (LOW-HIGH).")
    var portRange: PortRange = PortRange(32768...60999)
}
