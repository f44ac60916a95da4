/// The host view: what connection churn and TIME_WAIT look like per host and per client → server pair.
public struct HostView: Sendable {
    public var hosts: [HostStats]
    public var options: HostOptions
    public var findings: [HostFinding] { hosts.flatMap(\.findings) }
}
