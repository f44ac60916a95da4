/// A finding about a host rather than one connection.
public struct HostFinding: Sendable {
    public var code: FindingCode
    public var host: IPAddress
    public var time: Timestamp
    public var detail: String
    public var severity: Severity { code.severity }
}
