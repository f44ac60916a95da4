/// Which connections a run shows, and which of their findings (`--host`, `--port`, `--finding`, `--state`,
/// `--filter`, `--min-severity`; `extract --connection`). It narrows what is shown and totalled, never what is analysed: every frame is
/// tracked, every verdict is the same with or without it, ids stay those of the whole trace, and `--fail-on`
/// judges every finding of the shown connections, whatever their severity.
///
/// Selectors of different kinds must all hold; the values of one kind are alternatives (`--port 80 --port 443`
/// is either).
public struct ConnectionSelection: Sendable {
    /// The connection's id (its number in the whole trace) is one of these.
    public var ids: Set<Int> = []
    /// Either endpoint's address is one of these.
    public var hosts: [IPAddress] = []
    /// Either endpoint's port is one of these.
    public var ports: [UInt16] = []
    /// One of these codes was raised on the connection (at any severity).
    public var findings: Set<FindingCode> = []
    /// The handshake outcome or the close kind is one of these.
    public var states: [StateSelector] = []
    /// One of the connection's frames matches this BPF expression (marked by the reader).
    public var filter: PacketFilter?
    /// Findings below this severity are not shown nor totalled.
    public var minSeverity = Severity.info

    public init() {}

    /// A handshake outcome or a close kind (`--state`).
    public enum StateSelector: Sendable, Hashable {
        case handshake(HandshakeOutcome)
        case close(CloseKind)

        /// A `HandshakeOutcome` or `CloseKind` raw value (`complete`, `refused`, `four-way`, `reset`, …).
        public init?(_ text: String) {
            if let outcome = HandshakeOutcome(rawValue: text) {
                self = .handshake(outcome)
            } else if let kind = CloseKind(rawValue: text) {
                self = .close(kind)
            } else {
                return nil
            }
        }

        /// Every accepted word.
        public static let names = HandshakeOutcome.allCases.map(\.rawValue) + CloseKind.allCases.map(\.rawValue)
    }

    /// Whether any selector narrows the connections (`minSeverity` does not).
    public var narrows: Bool {
        !ids.isEmpty || !hosts.isEmpty || !ports.isEmpty || !findings.isEmpty || !states.isEmpty || filter != nil
    }

    /// Whether the run changes what a renderer gets (a selector, or findings hidden).
    public var isActive: Bool { narrows || minSeverity > .info }

    /// Whether `c` is shown.
    public func selects(_ c: Connection) -> Bool {
        if !ids.isEmpty && !ids.contains(c.id) { return false }
        if filter != nil && !c.matchesFilter { return false }
        let (a, b) = c.withClientAndServer { client, server in (client.endpoint, server.endpoint) }
        if !hosts.isEmpty && !hosts.contains(a.address) && !hosts.contains(b.address) { return false }
        if !ports.isEmpty && !ports.contains(a.port) && !ports.contains(b.port) { return false }
        // (A code raised is among the kept findings: the first of each code are kept.)
        if !findings.isEmpty && !c.findings.contains(where: { findings.contains($0.code) }) { return false }
        if !states.isEmpty
            && !states.contains(.handshake(c.handshakeOutcome)) && !states.contains(.close(c.closeKind))
        {
            return false
        }
        return true
    }

    /// `c` as it is shown: without the findings below `minSeverity`.
    public func shown(_ c: Connection) -> Connection {
        guard minSeverity > .info else { return c }
        var shown = c
        shown.keepFindings(atLeast: minSeverity)
        return shown
    }
}

extension Connection {
    /// Drops the findings (and their counts) below `severity`.
    mutating func keepFindings(atLeast severity: Severity) {
        guard findings.contains(where: { $0.severity < severity }) else { return }
        let counts = findingCounts.filter { $0.key.severity >= severity }
        findings.removeAll { $0.severity < severity }
        findingCounts = counts
    }
}
