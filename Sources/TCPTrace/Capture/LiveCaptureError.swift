/// Why a live capture could not start. Exit codes: docs/exit-codes.md (permission denied is 4).
public enum LiveCaptureError: Error, Equatable, Sendable, CustomStringConvertible {
    case noSuchInterface(String)
    case permissionDenied(interface: String, reason: String)
    case badFilter(filter: String, reason: String)
    case failed(interface: String, reason: String)
    case cannotWrite(path: String, reason: String)

    public var description: String {
        switch self {
        case .noSuchInterface(let name):
            "\(name): no such capture interface (list them with `tcptrace-swift interfaces`)"
        case .permissionDenied(let name, let reason):
            "\(name): permission denied (\(reason)); capturing needs CAP_NET_RAW: run as root, or grant the "
                + "binary the capability with `setcap cap_net_raw,cap_net_admin=eip PATH-TO-tcptrace-swift`"
        case .badFilter(let filter, let reason):
            "invalid capture filter \"\(filter)\": \(reason)"
        case .failed(let name, let reason):
            "\(name): cannot capture: \(reason)"
        case .cannotWrite(let path, let reason):
            "\(path): cannot write the capture: \(reason)"
        }
    }
}
