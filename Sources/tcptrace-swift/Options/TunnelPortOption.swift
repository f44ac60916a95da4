import ArgumentParser
import TCPTrace

/// `--tunnel-port KIND=PORT` (repeatable): a UDP port that carries a tunnel besides its IANA one (docs/tunnels.md).
struct TunnelPortOption: ParsableArguments {
    @Option(
        name: .customLong("tunnel-port"),
        help: ArgumentHelp(
            "Also decode UDP port PORT as tunnel KIND (vxlan, geneve, gtp-u, teredo, ayiya), besides the IANA "
                + "ports 4789, 6081, 2152, 3544 and 5072; repeatable, up to 4.",
            valueName: "kind=port"))
    var specs: [String] = []

    /// The ports given, checked by `validate`.
    var ports: TunnelPorts {
        var ports = TunnelPorts()
        for spec in specs {
            if let (kind, port) = TunnelPortOption.parse(spec) { _ = ports.add(kind, port: port) }
        }
        return ports
    }

    func validate() throws {
        guard specs.count <= TunnelPorts.capacity else {
            throw ValidationError("--tunnel-port: at most \(TunnelPorts.capacity) ports")
        }
        for spec in specs where TunnelPortOption.parse(spec) == nil {
            let kinds = TunnelKind.udpKinds.map(\.0.name).joined(separator: ", ")
            throw ValidationError("--tunnel-port '\(spec)': expected KIND=PORT with KIND one of \(kinds), PORT 1-65535")
        }
    }

    static func parse(_ spec: String) -> (TunnelKind, UInt16)? {
        let parts = spec.split(separator: "=", maxSplits: 1)
        guard parts.count == 2, let kind = TunnelKind(name: String(parts[0])), kind.isUDP,
            let port = UInt16(parts[1]), port > 0
        else { return nil }
        return (kind, port)
    }
}
